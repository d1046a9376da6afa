"""The workspace merge: find the submissions (the accepted workbooks or the files given), reuse
parsed ones from the cache, build the plan (plan.py), have master.py write the workbook and
record a task snapshot for the weekly brief.
"""
from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from . import __version__
from .atomic import write_bytes
from .config import Workspace
from .errors import UsageError
from .findings import Finding, Report
from .i18n import msg
from .master import write_master
from .model import FormData, Row, Submission, WorkbookData, json_default
from .plan import MasterPlan, build_plan
from .spec import Catalog, load_catalog
from .state import StateDB
from .validate import check_file

CACHE_VERSION = 2


@dataclass
class MergeResult:
    plan: MasterPlan
    master_path: Path  # where the master is (beside the target when it was locked)
    history_path: Path | None  # the dated copy kept for history
    locked: bool  # the target was in use; master_path is a timestamped file beside it
    target: Path
    left_out: list[Submission]  # given files with errors, not merged
    parsed: int  # files read and checked in this run
    cached: int  # submissions taken from the cache

    def summary(self, lang: str) -> list[str]:
        """The lines the CLI prints."""
        plan, total = self.plan, self.plan.totals()
        lines = [msg("merge-summary", lang, path=self.master_path, as_of=plan.as_of.isoformat(),
                     departments=sum(1 for i in plan.submissions if i.included), tasks=total.tasks,
                     overdue=total.by_health["overdue"], blocked=total.blocked,
                     due_soon=total.by_health["due_soon"], problems=len(plan.problems))]
        if self.locked:
            lines.append(msg("merge-locked", lang, target=self.target, path=self.master_path))
        if self.history_path:
            lines.append(msg("merge-history", lang, path=self.history_path))
        for sub in self.left_out:
            first = sub.report.errors[0].message(lang) if sub.report.errors else ""
            lines.append(msg("merge-left-out", lang, file=sub.path.name, errors=len(sub.report.errors), first=first))
        if plan.not_submitted:
            lines.append(msg("merge-not-submitted", lang, departments=", ".join(plan.not_submitted)))
        if plan.critical_path:
            lines.append(msg("merge-critical", lang, path=" → ".join(t.task_id for t in plan.critical_path),
                             end=plan.end_date.isoformat() if plan.end_date else ""))
        lines.append(msg("merge-read-stats", lang, parsed=self.parsed, cached=self.cached))
        return lines


class SubmissionCache:
    """Parsed submissions as JSON, keyed by the file's sha256 and the workspace's config and spec.

    JSON, not pickle: the workspace may sit on a share others write to. Types are
    restored from the spec (dates, ID lists), so nothing executable is ever loaded.
    Tables are stored by column keys; cell addresses are not kept (the merge has no use for them).
    """

    def __init__(self, ws: Workspace, catalog: Catalog) -> None:
        self.folder = ws.root / ".cache" / "merge"
        config = (ws.root / "xlflow.toml").read_bytes() if (ws.root / "xlflow.toml").is_file() else b""
        self.salt = hashlib.sha256(config + f"{catalog.version}|{__version__}|{CACHE_VERSION}".encode()).hexdigest()[:12]
        self.types = {(form.id, None, f.key): f.type for form in catalog.forms for f in form.fields}
        for form in catalog.forms:
            for table in form.tables:
                for f in table.columns(ws.department_names()):
                    self.types[(form.id, table.id, f.key)] = f.type

    def _path(self, sha256: str) -> Path:
        return self.folder / f"{sha256}-{self.salt}.json"

    def get(self, sha256: str, path: Path, received: dt.datetime | None) -> Submission | None:
        try:
            raw = json.loads(self._path(sha256).read_text("utf-8"))
            return self._decode(raw, path, sha256, received)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def load(self, path: Path, ws: Workspace, received: dt.datetime | None = None) -> Submission:
        """The file's parsed submission: from the cache, or checked now and cached."""
        sub = self.get(_sha256(path), path, received)
        return sub if sub is not None else _check_and_cache(path, ws, received, self)

    def put(self, sub: Submission) -> None:
        try:
            write_bytes(self._path(sub.sha256), json.dumps(self._encode(sub), ensure_ascii=False,
                                                           default=json_default).encode("utf-8"))
        except OSError:
            pass  # a cache that cannot be written only costs time

    @staticmethod
    def _encode(sub: Submission) -> dict:
        data = sub.data
        findings = [[f.code, f.severity, f.sheet, f.cell, f.field, None if f.value is None else str(f.value),
                     {k: str(v) for k, v in f.params.items()}] for f in sub.report.findings]
        forms = {}
        if data is not None:
            for form_id, fd in data.forms.items():
                tables = {}
                for tid, rows in fd.tables.items():
                    keys = sorted({k for r in rows for k in r.values})
                    tables[tid] = {"keys": keys, "rows": [[r.excel_row, [r.values.get(k) for k in keys]] for r in rows]}
                forms[form_id] = {"sheet": fd.sheet, "card": fd.card, "card_cells": fd.card_cells, "tables": tables}
        return {"department": sub.department, "findings": findings,
                "data": None if data is None else {"department": data.department, "project_code": data.project_code,
                                                   "spec_version": data.spec_version, "forms": forms}}

    def _decode(self, raw: dict, path: Path, sha256: str, received: dt.datetime | None) -> Submission:
        report = Report([Finding(c, s, sh, cell, fld, val, params) for c, s, sh, cell, fld, val, params
                         in raw["findings"]])
        data = None
        if raw["data"] is not None:
            forms = {}
            for form_id, fd in raw["data"]["forms"].items():
                card = {k: self._typed(form_id, None, k, v) for k, v in fd["card"].items()}
                tables = {tid: self._rows(form_id, tid, t["keys"], t["rows"]) for tid, t in fd["tables"].items()}
                forms[form_id] = FormData(form_id, fd["sheet"], card, fd["card_cells"], tables)
            d = raw["data"]
            data = WorkbookData(d["department"], d["project_code"], d["spec_version"], forms)
        return Submission(path, sha256, report, raw["department"], data, received)

    def _rows(self, form_id: str, table_id: str, keys: list[str], rows: list) -> tuple[Row, ...]:
        """Rows back from columns: only date and ID-list columns need converting."""
        dates = [i for i, k in enumerate(keys) if self.types.get((form_id, table_id, k)) == "date"]
        lists = [i for i, k in enumerate(keys) if self.types.get((form_id, table_id, k)) == "task_ids"]
        out = []
        fromiso = dt.date.fromisoformat
        for excel_row, values in rows:
            for i in dates:
                if values[i] is not None:
                    values[i] = fromiso(values[i])
            for i in lists:
                if values[i] is not None:
                    values[i] = tuple(values[i])
            out.append(Row(excel_row, dict(zip(keys, values))))
        return tuple(out)

    def _typed(self, form_id: str, table_id: str | None, key: str, value: object) -> object:
        kind = self.types.get((form_id, table_id, key))
        if value is None:
            return None
        if kind == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if kind == "task_ids" and isinstance(value, list):
            return tuple(value)
        return value


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_sidecar(path: Path) -> dict:
    try:
        raw = json.loads(path.read_text("utf-8"))
        return raw if isinstance(raw, dict) else {}
    except (OSError, ValueError):
        return {}


def _parse_received(value: object) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def master_paths(ws: Workspace, as_of: dt.date) -> tuple[Path, Path]:
    """The master's default place, and its dated copy kept for history."""
    folder = ws.folder("master")
    name = f"{ws.project.code}-master"
    return folder / f"{name}.xlsx", folder / "history" / f"{name}-{as_of.isoformat()}.xlsx"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """A merge allocates millions of small acyclic objects; the cyclic collector would rescan them
    all several times over (~0.4 s of a 3 s merge at 50,000 tasks). Refcounting still frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def merge_workspace(ws: Workspace, files: list[Path] | None = None, as_of: dt.date | None = None,
                    out: Path | None = None, lang: str | None = None) -> MergeResult:
    """Merge the accepted workbooks (or exactly `files`), write the master and record a task snapshot.

    A submission whose sha256 was parsed before under the same config and spec comes
    from the cache: after one department's new submission only that file is read.
    """
    with _gc_paused():
        return _merge_workspace(ws, files, as_of, out, lang)


PARALLEL_FROM = 8  # files to check before a process pool pays for its start-up


def _check_and_cache(path: Path, ws: Workspace, received: dt.datetime | None, cache: SubmissionCache,
                     lean: bool = False) -> Submission:
    """Check one file and cache it. `lean` (in a worker process): drop the cell addresses, which
    the merge does not use, so that less is pickled back."""
    sub = check_file(path, ws, received=received)
    sub.received = sub.received or received
    cache.put(sub)
    if lean and sub.data is not None:
        for form in sub.data.forms.values():
            for rows in form.tables.values():
                for row in rows:
                    row.cells.clear()
    return sub


def _check_files(todo: list[tuple[Path, dt.datetime]], ws: Workspace, cache: SubmissionCache) -> list[Submission]:
    """Check and cache the files the cache does not know, on every core when there are many (a cold merge)."""
    workers = min(os.cpu_count() or 1, len(todo) // PARALLEL_FROM, 8)
    if workers < 2:
        return [_check_and_cache(path, ws, received, cache) for path, received in todo]
    n = len(todo)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_check_and_cache, [p for p, _ in todo], [ws] * n, [r for _, r in todo],
                             [cache] * n, [True] * n, chunksize=max(1, n // (workers * 4))))


def _merge_workspace(ws: Workspace, files: list[Path] | None, as_of: dt.date | None, out: Path | None,
                     lang: str | None) -> MergeResult:
    as_of = as_of or dt.date.today()
    catalog = load_catalog()
    cache = SubmissionCache(ws, catalog)
    jobs: list[tuple[Path, dict]] = []
    if files is None:
        folder = ws.folder("accepted")
        for d in ws.departments:
            path = folder / f"{d.code}.xlsx"
            if path.is_file():
                jobs.append((path, _read_sidecar(path.with_suffix(".json"))))
        if not jobs:
            raise UsageError("merge-missing-accepted", folder=str(folder))
    else:
        for path in files:
            if not Path(path).is_file():
                raise UsageError("merge-file-not-found", path=str(path))
            jobs.append((Path(path), {}))

    versions: dict[str, int] = {}
    names: dict[str, str] = {}
    found: list[Submission | None] = []
    todo: list[tuple[Path, dt.datetime]] = []
    for path, sidecar in jobs:
        received = _parse_received(sidecar.get("received"))
        if received is None:
            received = dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        found.append(cache.get(_sha256(path), path, received))
        if found[-1] is None:
            todo.append((path, received))
    fresh = iter(_check_files(todo, ws, cache))  # merge never parses cells itself: the validator does
    submissions: list[Submission] = []
    for (path, sidecar), sub in zip(jobs, found):
        if sub is None:
            sub = next(fresh)
        submissions.append(sub)
        if sub.department and sidecar:
            if isinstance(sidecar.get("version"), int):
                versions[sub.department] = sidecar["version"]
            if isinstance(sidecar.get("file"), str):
                names[sub.department] = sidecar["file"]
    parsed, cached = len(todo), len(jobs) - len(todo)

    plan = build_plan(submissions, ws, as_of, versions=versions, file_names=names, catalog=catalog)
    target, dated = (Path(out), None) if out else master_paths(ws, as_of)
    written = write_master(plan, ws, target, lang or ws.lang)
    StateDB(ws.state_db).record_merge(as_of, str(written.path), plan.snapshot_rows())  # the weekly brief compares these
    history = None
    if dated is not None:
        dated.parent.mkdir(parents=True, exist_ok=True)
        tmp = dated.with_name(f".~xlflow-{int(time.time() * 1000)}-{dated.name}")
        try:
            shutil.copyfile(written.path, tmp)
            os.replace(tmp, dated)
            history = dated
        except OSError:
            tmp.unlink(missing_ok=True)
    left_out = [s for s in submissions if not s.valid]
    return MergeResult(plan, written.path, history, written.locked, target, left_out, parsed, cached)



def remember(ws: Workspace, sub: Submission) -> None:
    """Put a submission just checked (e.g. by the inbox on acceptance) into the merge cache,
    so the merge that follows does not read the file again."""
    SubmissionCache(ws, load_catalog()).put(sub)
