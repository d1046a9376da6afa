"""What changed between two versions of a department's plan: the record behind "no silent changes".

Pure: two versions' task rows (keyed by task ID) in, a `PlanDiff` out. Date moves are counted
in working days, as everything else in the plan is. The same record feeds the submitter's
feedback mail, the guards at intake, the history and the weekly brief, so it is stored as JSON
with the version (`to_json` / `from_json`).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..i18n import msg
from ..workdays import WorkCalendar

TaskValues = Mapping[str, object]  # spec key -> clean value, as a checked WBS row holds them
DONE = "done"

StatusLabel = Callable[[object, str], object]  # (status code, language) -> what the line shows


@dataclass(frozen=True)
class Change:
    """One task's field that changed: `days` is the working-day shift of a date (+ later)."""

    task_id: str
    field: str  # "name" | "status" | "start" | "due" | "owner" | "owner_department" | "percent"
    old: object
    new: object
    days: int | None = None

    @property
    def reversal(self) -> bool:
        """A done task reported as not done again."""
        return self.field == "status" and self.old == DONE and self.new != DONE


@dataclass(frozen=True)
class PlanDiff:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changes)

    @property
    def updated(self) -> tuple[str, ...]:
        """Tasks present in both versions with at least one change, in plan order."""
        return tuple(dict.fromkeys(c.task_id for c in self.changes))

    def of(self, fld: str) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.field == fld)

    @property
    def reversals(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.reversal)

    @property
    def percent_down(self) -> tuple[Change, ...]:
        return tuple(c for c in self.of("percent") if _num(c.new) < _num(c.old))

    def to_json(self) -> dict[str, object]:
        return {"added": list(self.added), "removed": list(self.removed),
                "changes": [{**asdict(c), "old": _plain(c.old), "new": _plain(c.new)} for c in self.changes]}

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> PlanDiff:  # Any: JSON as stored
        if not raw:
            return cls()
        changes = tuple(Change(c["task_id"], c["field"], _typed(c["field"], c["old"]), _typed(c["field"], c["new"]),
                               c.get("days")) for c in raw.get("changes", ()))
        return cls(tuple(raw.get("added", ())), tuple(raw.get("removed", ())), changes)

    def summary(self, lang: str, status_label: StatusLabel = lambda code, lang: str(code), limit: int = 8) -> str:
        """One line for a mail or the brief: "3 tasks updated, 1 added, RD-007 removed, RD-004 due 12-04 → 12-11"."""
        if self.empty:
            return msg("plan-diff-none", lang)
        parts = []
        if self.updated:
            parts.append(msg("plan-diff-updated", lang, count=len(self.updated)))
        if self.added:
            parts.append(msg("plan-diff-added", lang, count=len(self.added), ids=_ids(self.added, limit)))
        if self.removed:
            parts.append(msg("plan-diff-removed", lang, count=len(self.removed), ids=_ids(self.removed, limit)))
        details = [self._detail(c, lang, status_label) for c in self.changes if c.field != "percent"]
        details += [self._detail(c, lang, status_label) for c in self.percent_down]
        sep = "，" if lang == "zh" else ", "
        shown = details[:limit] + ([msg("plan-diff-more", lang, count=len(details) - limit)] if len(details) > limit else [])
        return sep.join(parts + shown)

    @staticmethod
    def _detail(c: Change, lang: str, status_label: StatusLabel) -> str:
        old, new = c.old, c.new
        if c.field == "status":
            old, new = status_label(old, lang), status_label(new, lang)
        elif isinstance(old, dt.date) or isinstance(new, dt.date):
            old, new = _md(old), _md(new)
        elif c.field == "percent":  # as the workbook shows it: 50.0 read from a cell is "50%"
            old, new = f"{_num(old):g}%", f"{_num(new):g}%"
        key = "plan-diff-reversal" if c.reversal else f"plan-diff-{c.field.replace('_', '-')}"
        if c.field in DATE_FIELDS and c.days is None:  # a date filled in or cleared: no shift to count
            key = "plan-diff-date-set"
        return msg(key, lang, task=c.task_id, old="—" if old in (None, "") else old,
                   new="—" if new in (None, "") else new, days=f"{c.days:+d}" if c.days is not None else "")


COMPARED = ("name", "status", "start", "due", "owner", "owner_department", "percent")
DATE_FIELDS = ("start", "due")


def diff_plans(old: Mapping[str, TaskValues], new: Mapping[str, TaskValues], calendar: WorkCalendar) -> PlanDiff:
    """The changes from `old` to `new` (each task ID -> its row values), in `new`'s task order."""
    added = tuple(tid for tid in new if tid not in old)
    removed = tuple(tid for tid in old if tid not in new)
    changes = []
    for tid, row in new.items():
        before = old.get(tid)
        if before is None:
            continue
        for key in COMPARED:
            a, b = before.get(key), row.get(key)
            if _same(key, a, b):
                continue
            days = None
            if key in DATE_FIELDS and isinstance(a, dt.date) and isinstance(b, dt.date):
                days = calendar.between(a, b)
            changes.append(Change(tid, key, a, b, days))
    return PlanDiff(added, removed, tuple(changes))


def _same(key: str, a: object, b: object) -> bool:
    if key == "percent":
        return _num(a) == _num(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b


def _num(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _typed(fld: str, value: object) -> object:
    if fld in DATE_FIELDS and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def _md(value: object) -> str:
    return value.strftime("%m-%d") if isinstance(value, dt.date) else ""


def _ids(ids: tuple[str, ...], limit: int) -> str:
    return ", ".join(ids[:limit]) + (" …" if len(ids) > limit else "")
