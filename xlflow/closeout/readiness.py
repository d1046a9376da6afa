"""Is the project ready to close? Each item is BLOCK (stops the close unless --force) or WARN.

BLOCK: a task neither done nor cancelled with a reason; a change request with no decision; a
department whose retrospective (复盘, form 08) never came back. WARN: an open issue or risk; an
open action item. enums.toml has no "cancelled" status today: then every task not done is an
item, and the report says so (`no_cancelled`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..i18n import Phrase
from ..week.state import WeekState

BLOCK, WARN = "BLOCK", "WARN"
CANCELLED = "cancelled"  # the status code a cancelled task would carry, if enums.toml ever has one


@dataclass(frozen=True)
class ReadyItem:
    level: str  # BLOCK | WARN
    kind: str  # task | change | risk | action | retro
    department: str
    ref: str  # task ID, change ID, issue ID, meeting/item, "" for a retrospective
    text: Phrase

    def line(self, lang: str) -> str:
        return Phrase(
            "close-ready-line", level=self.level, kind=Phrase(f"close-kind-{self.kind}"), text=self.text
        ).render(lang)


@dataclass(frozen=True)
class Readiness:
    items: tuple[ReadyItem, ...]
    no_cancelled: bool  # enums.toml has no cancelled status

    @property
    def blocks(self) -> tuple[ReadyItem, ...]:
        return tuple(i for i in self.items if i.level == BLOCK)

    @property
    def warnings(self) -> tuple[ReadyItem, ...]:
        return tuple(i for i in self.items if i.level == WARN)


def assess(state: WeekState, status_codes: Iterable[str], retro_received: Iterable[str]) -> Readiness:
    """The items of `state` (the week of the closing day); `retro_received`: departments whose
    accepted workbook holds a filled retrospective."""
    has_cancelled = CANCELLED in set(status_codes)
    items = [*_tasks(state, has_cancelled), *_changes(state), *_risks(state), *_actions(state)]
    got = set(retro_received)
    items += [
        ReadyItem(BLOCK, "retro", d.code, "", Phrase("close-item-retro", department=d.code))
        for d in state.departments
        if d.code not in got
    ]
    return Readiness(tuple(items), not has_cancelled)


def _tasks(state: WeekState, has_cancelled: bool) -> list[ReadyItem]:
    out = []
    for t in state.tasks:
        if t.done or (has_cancelled and t.status == CANCELLED and t.reason.strip()):
            continue
        key = "close-item-cancelled-no-reason" if t.status == CANCELLED else "close-item-task"
        out.append(
            ReadyItem(
                BLOCK,
                "task",
                t.department,
                t.task_id,
                Phrase(
                    key,
                    department=t.department,
                    task=t.task_id,
                    name=t.name,
                    status=Phrase(f"close-status-{t.status}") if t.status in _STATUS else t.status,
                ),
            )
        )
    return out


_STATUS = ("not_started", "in_progress", "delayed", "blocked", CANCELLED)


def _changes(state: WeekState) -> list[ReadyItem]:
    return [
        ReadyItem(
            BLOCK,
            "change",
            c.department,
            c.change_id,
            Phrase("close-item-change", change=c.change_id, department=c.department, content=_short(c.content)),
        )
        for c in state.changes
        if getattr(c, "pending", False)
    ]


def _risks(state: WeekState) -> list[ReadyItem]:
    out = []
    for r in state.risks:
        if str(r.values.get("status") or "open") == "closed":
            continue
        ref = str(r.values.get("issue_id") or "")
        out.append(
            ReadyItem(
                WARN,
                "risk",
                r.department,
                ref,
                Phrase(
                    "close-item-risk", ref=ref or "—", department=r.department, text=_short(r.values.get("description"))
                ),
            )
        )
    return out


def _actions(state: WeekState) -> list[ReadyItem]:
    out = []
    for a in state.actions:
        if str(a.values.get("status") or "") in ("done", "closed"):  # action items carry task statuses
            continue
        ref = str(a.values.get("meeting_id") or "")
        owner = str(a.values.get("owner_department") or a.department)
        out.append(
            ReadyItem(
                WARN,
                "action",
                owner,
                ref,
                Phrase(
                    "close-item-action",
                    ref=ref or "—",
                    department=owner,
                    text=_short(a.values.get("item")),
                    owner=str(a.values.get("owner") or "—"),
                ),
            )
        )
    return out


def _short(value: object, limit: int = 80) -> str:
    text = " ".join(str(value or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
