"""The coordinator's layer, one folder: what the coordinator types into the master (own columns and
values, decisions, escalations), kept across merges and shown again; departments' cells changed by hand.

table.py: the layer's table; masterread.py: reading a sheet of the master; readback.py: the master
read back before a merge; edits.py: a department's cell changed in the master; week.py: the week's
part (escalations, edits); columns.py: the coordinator's columns on any sheet; sheet_removed.py: the
master's Removed sheet; brief.py: the brief's lines on master edits.
"""
