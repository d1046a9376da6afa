"""The meeting log (minutes form): its older one-meeting layout, and the meeting IDs action items carry.

Form version 1.0 held one meeting as label/value rows above the action items. Such a workbook
is still read: its card becomes one row of the meetings table, with an ID made from its date
(`M` + yyyymmdd), and every action item without a meeting ID belongs to it. In the log layout
each meeting ID is unique, and each action item names a meeting of the log (an empty ID is
allowed only when the log holds exactly one meeting: it is that one).
"""
from __future__ import annotations

import datetime as dt

from ..findings import ERROR
from ..spec.catalog import Form
from .context import CheckContext
from .model import Row

MEETING_ID = "meeting_id"


def legacy_meeting_id(card: dict) -> str:
    """The ID an old one-meeting sheet's meeting gets: from its date, so it is the same every week."""
    day = card.get("date")
    return f"M{day:%Y%m%d}" if isinstance(day, dt.date) else "M1"


def apply_legacy(ctx: CheckContext, form: Form, sheet: str, tables: dict[str, tuple[Row, ...]],
                 card: dict, card_cells: dict, header_found: bool) -> dict[str, tuple[Row, ...]]:
    """The tables with the meetings table filled from an old layout's card, and the action items'
    meeting IDs checked (or filled in)."""
    legacy = form.legacy
    assert legacy is not None
    meetings = list(tables.get(legacy.table, ()))
    used_card = any(card.get(f.key) is not None for f in legacy.fields)
    if not header_found:
        actions = tables.get("actions", ())
        if not used_card and not actions:
            ctx.add("table-missing", sheet=sheet, table=form.table(legacy.table).title(ctx.lang))
            return tables
        values = {f.key: card.get(f.key) for f in form.table(legacy.table).fields}
        values[MEETING_ID] = legacy_meeting_id(card)
        meetings = [Row(0, values, dict(card_cells))]
    _unique_meetings(ctx, sheet, meetings, form)
    tables = dict(tables)
    tables[legacy.table] = tuple(meetings)
    tables["actions"] = tuple(_actions(ctx, sheet, tables.get("actions", ()), meetings, form))
    return tables


def _unique_meetings(ctx: CheckContext, sheet: str, meetings: list[Row], form: Form) -> None:
    fld = next(f for f in form.table("meetings").fields if f.key == MEETING_ID)
    first: dict[str, str | None] = {}
    for row in meetings:
        value = row.values.get(MEETING_ID)
        if value is None:
            continue
        norm = str(value).strip().upper()
        if norm in first:
            ctx.add("duplicate-id", sheet=sheet, cell=row.cells.get(MEETING_ID), fld=fld, value=value,
                    first=first[norm])
        else:
            first[norm] = row.cells.get(MEETING_ID)


def _actions(ctx: CheckContext, sheet: str, actions: tuple[Row, ...], meetings: list[Row],
             form: Form) -> list[Row]:
    """Each action item with the ID of a meeting of the log (the only meeting's when empty)."""
    known = {str(m.values.get(MEETING_ID)).strip().upper(): str(m.values.get(MEETING_ID)).strip()
             for m in meetings if m.values.get(MEETING_ID)}
    only = next(iter(known.values())) if len(known) == 1 else None
    fld = next(f for f in form.table("actions").fields if f.key == MEETING_ID)
    out = []
    for row in actions:
        value = row.values.get(MEETING_ID)
        cell = row.cells.get(MEETING_ID)
        if value is None and only is not None:
            row = Row(row.excel_row, {**row.values, MEETING_ID: only}, row.cells)
        elif value is None:
            ctx.add("action-meeting-missing", ERROR, sheet, cell, fld, meetings=", ".join(known.values()) or "—")
        elif str(value).strip().upper() not in known:
            ctx.add("action-meeting-unknown", ERROR, sheet, cell, fld, value=value,
                    meetings=", ".join(known.values()) or "—")
        else:
            row = Row(row.excel_row, {**row.values, MEETING_ID: known[str(value).strip().upper()]}, row.cells)
        out.append(row)
    return out
