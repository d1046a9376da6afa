"""Every version of a department's plan: what the current one is, what came before, and the
coordinator's two ways to overrule the intake (`revert` to an earlier version, `accept` a file
the guards refused). History is never rewritten: a revert or a forced accept is a new version,
recorded with what it changed and why; the archive keeps every file ever received.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from ..check.cache import SubmissionCache
from ..check.model import Submission
from ..config import Workspace
from ..errors import UsageError, XlflowError
from ..features.control.commands import record_version
from ..features.control.guard import change_task_findings
from ..features.control.intake import intake_control
from ..findings import Finding
from ..i18n import msg
from ..output.mail import compose, deliver
from ..plan.diff import PlanDiff, diff_plans
from ..plan.guard import (
    CurrentVersion,
    GuardResult,
    guard_submission,
    older_duplicate_finding,
    project_tasks_of,
    status_label,
    task_values,
)
from ..spec.catalog import load_catalog
from ..store.accepted import current, write_accepted
from ..store.departments import retired
from ..store.records import FORCED, RESTORED, coordinator_note
from ..store.state import StateDB, SubmissionRecord
from ..workdays import WorkCalendar
from .merge import merge_workspace
from .staging import archive, archive_name, stage_copy, staging_dir, unstage


def task_map(sub: Submission | None) -> dict[str, dict]:
    """Task ID -> row values of a checked submission's WBS, in the workbook's order ({} for none)."""
    return task_values(sub) if sub is not None else {}


def current_submission(ws: Workspace, department: str, cache: SubmissionCache | None = None) -> Submission | None:
    """The department's current accepted workbook, parsed (from the parse cache when it can)."""
    found = current(ws, department)
    if found is None or found.path is None:
        return None
    return (cache or SubmissionCache(ws, load_catalog())).load(found.path, ws, found.received)


def guard_new_version(ws: Workspace, department: str, sub: Submission, today: dt.date, lang: str) -> GuardResult:
    """A checked submission against the department's current version and the whole project's plan."""
    currents = current_submissions(ws)
    mine, meta = currents.get(department), current(ws, department)
    before = CurrentVersion.of(mine, version=meta.version or 0, file=meta.file_name) if mine and meta else None
    project = project_tasks_of(currents.values())
    result = guard_submission(sub, before, project, today=today, calendar=WorkCalendar.from_settings(ws.calendar),
                              department_names=ws.department_names(), lang=lang)
    others = tuple(s for code, s in currents.items() if code != department)
    unknown = change_task_findings(sub, project, lang, others, ws.project.lead_department,  # change requests' IDs
                                   [d.code for d in ws.departments], ws.project.start)
    return replace(result, findings=result.findings + tuple(unknown), others=others)


def older_version_finding(db: StateDB, sha: str) -> Finding | None:
    """A file identical to an accepted version that is no longer current is an older version, not a
    duplicate: it would bring back a plan the department has since replaced. None otherwise."""
    first = db.submission_for_hash(sha)
    if first is None or first.result != "accepted" or not first.department:
        return None
    versions = db.versions(first.department)
    if not versions or versions[-1].sha256 == sha:
        return None
    latest = versions[-1]
    return older_duplicate_finding(latest.version or 0, latest.update_date, latest.file_name)


def placed(finding: Finding, sub: Submission, lang: str) -> Finding:
    """The "older version" of a copy of an older accepted version, found by its hash before the
    file was read, placed at the submission's update date cell once it has been read."""
    if finding.code != "older-version" or finding.cell is not None or sub.data is None:
        return finding
    p = finding.params
    date = dt.date.fromisoformat(p["date"]) if p.get("date") not in (None, "—") else None
    return older_duplicate_finding(p["version"], date, p["file"], sub, lang)


def update_date_of(sub: Submission) -> dt.date | None:
    """The WBS card's "update date": the department's own date for this version of its plan."""
    form = sub.data.forms.get("wbs") if sub.data is not None else None
    value = form.card.get("update_date") if form is not None else None
    return value if isinstance(value, dt.date) else None


def current_submissions(ws: Workspace) -> dict[str, Submission]:
    """Every department's current accepted submission, parsed: what a new version is guarded against."""
    cache = SubmissionCache(ws, load_catalog())
    found = ((d.code, current_submission(ws, d.code, cache)) for d in ws.departments)
    return {code: sub for code, sub in found if sub is not None}


def change_summary(record: SubmissionRecord, lang: str) -> str:
    """The recorded changes of a version as one line (empty for a first version)."""
    if record.changes is None:
        return ""
    return PlanDiff.from_json(record.changes).summary(lang, status_label)


# --- history ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HistoryEntry:
    version: int | None  # None: a file that did not become a version (rejected, duplicate, unreadable)
    received: dt.datetime
    file_name: str
    result: str
    update_date: dt.date | None
    errors: int
    warnings: int
    changes: str  # the change summary, in the requested language
    note: str
    current: bool

    def as_dict(self) -> dict:
        return {"version": self.version, "received": self.received.isoformat(), "file": self.file_name,
                "result": self.result, "update_date": self.update_date.isoformat() if self.update_date else None,
                "errors": self.errors, "warnings": self.warnings, "changes": self.changes, "note": self.note,
                "current": self.current}


def department_history(ws: Workspace, department: str, lang: str, db: StateDB | None = None) -> list[HistoryEntry]:
    """Every file received from the department in order, its versions numbered, the current one marked."""
    code = _department(ws, department)
    db = db or StateDB(ws.state_db)
    now = db.accepted_version(code)
    return [HistoryEntry(r.version if r.result == "accepted" else None, r.received, r.file_name, r.result,
                         r.update_date, r.errors, r.warnings, change_summary(r, lang),
                         _joined(coordinator_note(r.note, lang) or (r.note or ""),
                                 msg("department-received-as", lang, code=r.department) if r.department != code else ""),
                         r.result == "accepted" and r.version == now)
            for r in db.history(code)]


def _joined(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _department(ws: Workspace, raw: str) -> str:
    code = ws.find_department(raw) or next((r.department.code for r in retired(StateDB(ws.state_db))
                                            if r.department.code == raw.strip().upper()), None)  # its history is kept
    if code is None:
        raise UsageError("history-unknown-department", value=raw,
                         departments=", ".join(d.code for d in ws.departments))
    return code


# --- revert -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class VersionResult:
    department: str
    version: int  # the new version
    source: str  # what it came from: "v3 (file.xlsx)" or the file accepted
    diff: PlanDiff
    master: Path | None
    mail_note: str
    unchanged: bool = False  # the file was the current version already: nothing was done


def revert(ws: Workspace, department: str, to_version: int | None, as_of: dt.date,
           now: dt.datetime | None = None, lang: str | None = None) -> VersionResult:
    """Make an earlier accepted version (default: the one before the current) the department's
    current plan again, as a new version; re-merge; tell the department's contact."""
    code, lang, now = _department(ws, department), lang or ws.lang, now or dt.datetime.now().astimezone()
    db = StateDB(ws.state_db)
    versions = db.versions(code)
    if not versions:
        raise UsageError("revert-no-versions", department=code)
    current_no = versions[-1].version
    if to_version is None:
        if len(versions) < 2:
            raise UsageError("revert-nothing-before", department=code, version=current_no)
        target = versions[-2]
    else:
        found = next((v for v in versions if v.version == to_version), None)
        if found is None:
            raise UsageError("revert-unknown-version", department=code, version=to_version,
                             versions=", ".join(str(v.version) for v in versions))
        target = found
    if target.version == current_no:
        raise UsageError("revert-is-current", department=code, version=current_no)
    if not target.archive_path or not Path(target.archive_path).is_file():
        raise XlflowError("revert-archive-missing", department=code, version=target.version,
                          path=target.archive_path or "?")
    return install_version(ws, code, Path(target.archive_path), target.file_name, as_of, now, lang,
                           note=f"{RESTORED}{target.version}", update_date=target.update_date,
                           source=f"v{target.version} ({target.file_name})")


def install_version(ws: Workspace, code: str, original: Path, file_name: str, as_of: dt.date, now: dt.datetime,
                    lang: str, note: str, update_date: dt.date | None, source: str,
                    archive_path: Path | None = None) -> VersionResult:
    """Accept `original` (an archived file) as the department's next version: the diff against the
    current one recorded with it, the master re-merged, the department's contact told."""
    db = StateDB(ws.state_db)
    cache = SubmissionCache(ws, load_catalog())
    before = task_map(current_submission(ws, code, cache))
    staged, sha = stage_copy(original, staging_dir(ws), file_name)
    try:
        sub = cache.load(staged, ws, now)
        if not sub.valid:
            raise XlflowError("version-not-valid", file=file_name, errors=len(sub.report.errors),
                              first=sub.report.errors[0].message(lang) if sub.report.errors else "")
        diff = diff_plans(before, task_map(sub), WorkCalendar.from_settings(ws.calendar))
        version = db.accepted_version(code) + 1
        write_accepted(ws, staged, code, file_name, now.isoformat(timespec="seconds"), sha, version)
    finally:
        unstage(staged)
    db.record_submission(code, file_name, sha, now, "accepted", len(sub.report.errors), len(sub.report.warnings),
                         str(archive_path or original), version, update_date=update_date, changes=diff.to_json(),
                         note=note)
    record_version(ws, db, code, sub, now)
    try:
        master = merge_workspace(ws, as_of=as_of, lang=lang).master_path
    except XlflowError:
        master = None  # the version stands; the next merge shows it
    return VersionResult(code, version, source, diff, master, _tell(ws, code, version, source, diff, lang))


def _tell(ws: Workspace, code: str, version: int, source: str, diff: PlanDiff, lang: str) -> str:
    """Mail the department's contact (and the coordinators) that its plan was changed for it."""
    dept = ws.department_of(code)
    to = [dept.email] if dept.email else []
    changes = diff.summary(lang, status_label)
    subject = msg("version-mail-subject", lang, project=ws.project.name(lang), department=dept.name(lang),
                  version=version)
    text = msg("version-mail-body", lang, department=dept.name(lang), version=version, source=source,
               changes=changes, lead=ws.project.lead_department)
    message = compose(ws, subject, text, None, to + list(ws.email.to), kind=f"version-{code}-{version}", lang=lang)
    if not message["To"]:
        return msg("watch-no-recipient", lang)
    try:
        deliver(ws, message, send=ws.email.configured)
    except XlflowError as exc:
        return exc.message(lang)
    return ""


# --- accept -------------------------------------------------------------------------------------

def accept_file(ws: Workspace, path: Path, department: str, as_of: dt.date, now: dt.datetime | None = None,
                lang: str | None = None) -> VersionResult:
    """The coordinator takes a file in despite the guards (an older update date, a shorter plan):
    archived first like every file received, it must still pass the checks (the master cannot
    merge broken data); the guards it overrules are recorded with the version."""
    code, lang, now = _department(ws, department), lang or ws.lang, now or dt.datetime.now().astimezone()
    path = Path(path)
    if not path.is_file():
        raise UsageError("merge-file-not-found", path=str(path))
    staged, sha = stage_copy(path, staging_dir(ws))
    latest = StateDB(ws.state_db).versions(code)[-1:]
    if latest and latest[0].sha256 == sha:  # the current version itself: no empty version
        unstage(staged)
        return VersionResult(code, latest[0].version or 0, path.name, PlanDiff(), None, "", unchanged=True)
    try:
        archived = archive(ws, staged, archive_name(code, now.isoformat(timespec="seconds"), sha, path.name))
        sub = SubmissionCache(ws, load_catalog()).load(staged, ws, now)
    finally:
        unstage(staged)
    if sub.department and sub.department != code:
        raise UsageError("accept-department-mismatch", file=path.name, found=sub.department, department=code)
    overruled = sorted({f.code for f in guard_new_version(ws, code, sub, now.date(), lang).errors})
    note = f"{FORCED}: {', '.join(overruled)}" if overruled else FORCED
    return install_version(ws, code, archived, path.name, as_of, now, lang, note=note,
                           update_date=update_date_of(sub), source=path.name, archive_path=archived)


def accepted_version_control(ws: Workspace, db: StateDB, department: str, sub: Submission, guard: GuardResult,
                             received: str, lang: str) -> list[Finding]:
    """After an acceptance: baselines for the new tasks; an unapproved date move is a warning; pushed
    successors are told."""
    when = dt.datetime.fromisoformat(received)
    record_version(ws, db, department, sub, when)
    if guard.diff is None or not any(c.field in ("start", "due") for c in guard.diff.changes):
        return []  # no date moved: nothing to classify (and no plan to read again)
    currents = {s.department: s for s in guard.others} | {department: sub}  # as the guard read them, once
    project = [currents[d.code] for d in ws.departments if d.code in currents]
    return intake_control(ws, db, department, sub, guard.diff, project, lang, when)
