"""The plan guards: a valid workbook may still be less current or less complete than the plan it
would replace. Each guard compares the new submission with the department's current accepted
version and with the whole project's plan, and says so as a Finding, so that nothing is lost
without the department and the coordinator being told.

Pure: no file access, `today` is a parameter; the intake supplies the current version and every
department's current task rows (from the parse cache of the accepted versions).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..check.model import Row, Submission, ids_of
from ..findings import ERROR, WARNING, Finding
from ..i18n import msg
from ..spec.catalog import Text, load_catalog, normalise
from ..workdays import WorkCalendar, as_date
from .diff import DONE, PlanDiff, TaskValues, diff_plans

WBS, TASKS, UPDATE_DATE = "wbs", "tasks", "update_date"
DepartmentNames = Mapping[str, Text] | Sequence[tuple[str, Text]]


@dataclass(frozen=True)
class CurrentVersion:
    """What the guards need of the department's current accepted version."""

    version: int
    update_date: dt.date | None
    file: str
    received: dt.datetime | None = None
    tasks: Mapping[str, TaskValues] = field(default_factory=dict, hash=False)
    open_actions: tuple[str, ...] = ()  # its meeting log's action items not done (open_actions())

    @classmethod
    def of(cls, sub: Submission, version: int, file: str | None = None) -> CurrentVersion:
        """From the accepted version's parsed submission (e.g. SubmissionCache.load); `file` is the name
        the department knows it by, when the accepted copy was stored under another name."""
        form = sub.data.forms.get(WBS) if sub.data else None
        return cls(version, as_date(form.card.get(UPDATE_DATE)) if form else None, file or sub.path.name, sub.received,
                   task_values(sub), open_actions(sub))


@dataclass(frozen=True)
class GuardResult:
    findings: tuple[Finding, ...] = ()
    diff: PlanDiff | None = None  # None for a department's first version
    others: tuple[Submission, ...] = ()  # the other departments' current versions it was guarded against

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.is_error)

    @property
    def accepted(self) -> bool:
        """No guard objects to the submission replacing the current version."""
        return not self.errors


def task_values(sub: Submission) -> dict[str, dict[str, object]]:
    """A submission's WBS rows keyed by task ID: the shape diff_plans and project_tasks use."""
    if sub.data is None:
        return {}
    return {str(r.values["task_id"]): dict(r.values) for r in sub.data.rows(WBS, TASKS) if r.values.get("task_id")}


def task_rows(sub: Submission) -> dict[str, Mapping[str, object]]:
    """task_values(sub) without copying each row: the rows' own values, for a reader that only reads."""
    if sub.data is None:
        return {}
    return {str(r.values["task_id"]): r.values for r in sub.data.rows(WBS, TASKS) if r.values.get("task_id")}


def task_ids(sub: Submission) -> list[str]:
    """The keys of task_values(sub), in its order (an ID repeated in the WBS is listed again), without
    copying the rows: for a caller that only needs the IDs."""
    if sub.data is None:
        return []
    return [str(r.values["task_id"]) for r in sub.data.rows(WBS, TASKS) if r.values.get("task_id")]


def open_actions(sub: Submission) -> tuple[str, ...]:
    """The meeting log's action items not done, as their item texts (the meeting ID is left out:
    an old one-meeting sheet's items get a new ID when the log layout replaces it)."""
    if sub.data is None:
        return ()
    return tuple(str(r.values.get("item")) for r in sub.data.rows("minutes", "actions")
                 if r.values.get("item") and r.values.get("status") != "done")


def project_tasks_of(subs: Iterable[Submission]) -> dict[str, dict[str, object]]:
    """Every department's current task rows by task ID, from each one's current accepted submission."""
    out: dict[str, dict[str, object]] = {}
    for sub in subs:
        out.update(task_values(sub))
    return out


@dataclass(frozen=True)
class _Input:
    """What every guard reads: the submission's WBS, the current version and the project's plan."""

    sub: Submission
    sheet: str | None
    card: Mapping[str, object]
    card_cells: Mapping[str, str]
    rows: tuple[Row, ...]
    current: CurrentVersion | None
    project: Mapping[str, Mapping[str, object]]
    today: dt.date
    lang: str
    names: Mapping[str, Text]
    diff: PlanDiff | None

    def label(self, key: str) -> str:
        form = load_catalog().form(WBS)
        fields = form.fields + form.table(TASKS).fields
        return next((f.label(self.lang) for f in fields if f.key == key), key)

    def dept(self, code: object) -> str:
        name = self.names.get(code) if isinstance(code, str) else None
        return name(self.lang) if name else str(code or "")

    def finding(self, code: str, severity: str, cell: str | None = None, key: str | None = None,
                value: object = None, **params: object) -> Finding:
        return Finding(code, severity, self.sheet, cell, self.label(key) if key else None, value, params)

    def already_reported(self, cell: str | None, value: object = ...) -> bool:
        """The check already has a finding there (don't say the same thing twice)."""
        return any(f.sheet == self.sheet and f.cell == cell and (value is ... or f.value == value)
                   for f in self.sub.report.findings)


def guard_submission(sub: Submission, current: CurrentVersion | None,
                     project_tasks: Mapping[str, Mapping[str, object]], today: dt.date, calendar: WorkCalendar,
                     department_names: DepartmentNames = (), lang: str | None = None) -> GuardResult:
    """The guards' findings for a checked submission, and its diff against the current version."""
    if sub.data is None or WBS not in sub.data.forms:
        return GuardResult()
    form = sub.data.forms[WBS]
    rows = sub.data.rows(WBS, TASKS)
    diff = diff_plans(current.tasks, task_values(sub), calendar) if current is not None else None
    names = dict(department_names.items() if isinstance(department_names, Mapping) else department_names)
    g = _Input(sub, form.sheet, form.card, form.card_cells, rows, current, project_tasks, today,
               lang or workbook_lang(form.sheet), names, diff)
    findings: list[Finding] = []
    for guard in GUARDS:
        findings.extend(guard(g))
    return GuardResult(tuple(findings), diff)


def workbook_lang(sheet: str, default: str = "zh") -> str:
    """The workbook's language from its WBS sheet's name (the one place a Submission shows it)."""
    titles = load_catalog().form(WBS).sheet
    return "en" if sheet.strip().casefold() == titles.en.casefold() else "zh" if sheet.strip() == titles.zh else default


# -- the guards, in the order their findings are listed -------------------------------------------
def update_date_missing(g: _Input) -> list[Finding]:
    """Required on every submission, the blank generated workbook included: it orders the versions."""
    cell = g.card_cells.get(UPDATE_DATE)
    if g.card.get(UPDATE_DATE) is not None or g.already_reported(cell):
        return []
    return [g.finding("update-date-missing", ERROR, cell, UPDATE_DATE)]


def older_version(g: _Input) -> list[Finding]:
    """Last week's file re-saved must not replace this week's plan."""
    new, cur = g.card.get(UPDATE_DATE), g.current
    if cur is None or cur.update_date is None or not isinstance(new, dt.date) or new >= cur.update_date:
        return []
    return [_older(cur.version, cur.update_date, cur.file, g.sheet, g.card_cells.get(UPDATE_DATE),
                   g.label(UPDATE_DATE), new)]


def older_duplicate_finding(version: int, update_date: dt.date | None, file: str,
                            sub: Submission | None = None, lang: str | None = None) -> Finding:
    """Rule 2's "older version" for a file identical (same sha256) to an older accepted version, which
    the intake detects: naming the current version (number, update date, file), placed at the
    submission's update date cell when `sub` is given."""
    form = sub.data.forms.get(WBS) if sub is not None and sub.data is not None else None
    if form is None:
        return _older(version, update_date, file)
    label = next(f.label(lang or workbook_lang(form.sheet)) for f in load_catalog().form(WBS).fields
                 if f.key == UPDATE_DATE)
    return _older(version, update_date, file, form.sheet, form.card_cells.get(UPDATE_DATE), label,
                  form.card.get(UPDATE_DATE))


def _older(version: int, update_date: dt.date | None, file: str, sheet: str | None = None,
           cell: str | None = None, label: str | None = None, value: object = None) -> Finding:
    shown = value.isoformat() if isinstance(value, dt.date) else value
    return Finding("older-version", ERROR, sheet, cell, label, shown,
                   {"version": version, "date": update_date.isoformat() if update_date else "—", "file": file})


def update_date_future(g: _Input) -> list[Finding]:
    """Probably a typo; a future date would also make every real next update look older."""
    new = g.card.get(UPDATE_DATE)
    if not isinstance(new, dt.date) or new <= g.today:
        return []
    return [g.finding("update-date-future", WARNING, g.card_cells.get(UPDATE_DATE), UPDATE_DATE,
                      new.isoformat(), today=g.today.isoformat())]


def plan_withdrawn(g: _Input) -> list[Finding]:
    """An empty WBS (often the blank workbook) would remove the whole plan: the coordinator decides that."""
    if g.current is None or not g.current.tasks or g.rows:
        return []
    return [g.finding("plan-withdrawn", ERROR, count=len(g.current.tasks), version=g.current.version)]


def tasks_removed(g: _Input) -> list[Finding]:
    """Removals are listed; removing what another department's task waits for is an error."""
    if g.diff is None or not g.diff.removed or not g.rows:  # an empty plan is plan_withdrawn's finding
        return []
    out = [g.finding("tasks-removed", WARNING, count=len(g.diff.removed), ids=", ".join(g.diff.removed))]
    own = set(g.current.tasks) if g.current else set()
    for tid in g.diff.removed:
        dependents = [other for other, row in g.project.items()
                      if other not in own and tid in ids_of(row.get("predecessors"))]
        if dependents:
            out.append(g.finding("removed-task-needed", ERROR, value=tid, task=tid, dependents=", ".join(dependents)))
    return out


def done_reopened(g: _Input) -> list[Finding]:
    """A done task going back is usually an old copy, sometimes a real reopening: the department confirms."""
    if g.diff is None:
        return []
    status = load_catalog().enums["status"]
    by_id = {r.values.get("task_id"): r for r in g.rows}
    out = []
    for change in g.diff.reversals:
        row = by_id.get(change.task_id)
        out.append(g.finding("done-reopened", WARNING, row.cells.get("status") if row else None, "status",
                             status.label_of(str(change.new), g.lang), task=change.task_id,
                             old=status.label_of(DONE, g.lang)))
    return out


def owner_department_other(g: _Input) -> list[Finding]:
    """Another department's tasks typed into this department's workbook would be merged as this one's."""
    out = []
    for row in g.rows:
        owner = row.values.get("owner_department")
        if owner and g.sub.department and owner != g.sub.department:
            out.append(g.finding("owner-department-other", WARNING, row.cells.get("owner_department"),
                                 "owner_department", g.dept(owner), task=row.values.get("task_id") or "",
                                 department=g.dept(g.sub.department)))
    return out


def predecessors_unknown(g: _Input) -> list[Finding]:
    """Other departments' predecessors must exist in the project's current plan (the check sees only this file).
    A department that has no plan yet cannot be checked against: its tasks are not reported as unknown."""
    own_prefix = f"{g.sub.department}-" if g.sub.department else None
    new_ids = {r.values.get("task_id") for r in g.rows}
    planned = {str(tid).split("-")[0] for tid in g.project}  # departments with a current plan
    out = []
    for row in g.rows:
        cell = row.cells.get("predecessors")
        for pred in row.ids("predecessors"):
            if pred in new_ids or pred in g.project or (own_prefix and pred.startswith(own_prefix)):
                continue
            if pred.split("-")[0] not in planned:
                continue
            if g.already_reported(cell, pred):
                continue
            out.append(g.finding("predecessor-not-in-project", WARNING, cell, "predecessors", pred,
                                 task=row.values.get("task_id") or ""))
    return out


def actions_dropped(g: _Input) -> list[Finding]:
    """An action item stays in the meeting log until it is done: open items of the current
    version missing from the new one are listed (a warning: the coordinator may have closed them)."""
    if g.current is None or not g.current.open_actions or g.sub.data is None:
        return []
    now = {normalise(str(r.values.get("item"))) for r in g.sub.data.rows("minutes", "actions") if r.values.get("item")}
    gone = [item for item in g.current.open_actions if normalise(item) not in now]
    if not gone:
        return []
    minutes = g.sub.data.forms.get("minutes")
    return [Finding("actions-dropped", WARNING, minutes.sheet if minutes else None, None, None, None,
                    {"count": len(gone), "items": "; ".join(gone)})]


GUARDS: tuple[Callable[[_Input], list[Finding]], ...] = (
    update_date_missing, older_version, update_date_future, plan_withdrawn, tasks_removed, done_reopened,
    owner_department_other, predecessors_unknown, actions_dropped)


# -- the acceptance line of the feedback mail -----------------------------------------------------
def status_label(code: object, lang: str) -> str:
    """A status code as the workbook shows it ("done" -> "已完成"); unknown codes as they are."""
    return load_catalog().enums["status"].label_of(str(code), lang) if code else "—"


def acceptance_line(result: GuardResult, lang: str, task_count: int = 0) -> str:
    """"3 tasks updated, 1 added, RD-007 removed, RD-004 due 12-04 → 12-11", statuses as labels."""
    if result.diff is None:
        return msg("plan-first-version", lang, count=task_count)
    return result.diff.summary(lang, status_label)
