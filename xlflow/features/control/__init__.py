"""Change control, one folder: the baselines, the date moves against them (approved, pending or not),
the change requests and their decisions (the change register).

moves.py: the plan against its baselines, each move classified (pure); requests.py: a change request
and the register's rules (pure); guard.py: the checks of a Change Request form at intake;
baselines.py: the baselines table; backfill.py: baselines of tasks accepted before baselines were kept;
register.py: the change register read from the accepted workbooks and the master's decisions
(the "Changes" sheet read back); week.py: the week's change-control part; intake.py: an unapproved
move flagged and mailed at intake; commands.py: `xlflow baseline`; sheet_moves.py: the master's Plan
Changes sheet (moves against the baseline); sheet_register.py: the master's Changes sheet (the change
register); brief_moves.py and brief_decisions.py: the brief's parts.
"""
