"""The parse cache: each accepted file is validated once, at intake; merges read it back from here.

JSON, not pickle: the workspace may sit on a share others write to. Types are restored
from the spec (dates, ID lists), so nothing executable is ever loaded. Nor is anything trusted that
was changed after it was written: each entry's SHA-256 is recorded in the state database when it is
written (store/cachedigest.py), and an entry whose bytes no longer match (edited, swapped with
another, or written by an xlflow that kept no digest) is discarded, logged, and its file parsed again.
Stored compressed (zlib, level 1: a seventh of the text, read back in a fraction of a millisecond;
one entry per version received, so this folder grew by the size of the week's files every week);
an entry written as plain JSON by an earlier xlflow (with its digest) is read as it is.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path

from xlflow import __version__

from ..config import Workspace
from ..findings import Finding, Report
from ..i18n import Phrase, msg
from ..spec.catalog import Catalog, load_catalog
from ..spec.fields import FieldType, field_type
from ..store.atomic import write_bytes
from ..store.cachedigest import cache_digests, forget_digest, read_only_digests, record_digest
from ..store.db import Database
from ..store.jsonvalues import json_default
from .model import FormData, Row, Submission, WorkbookData
from .validate import check_file

CACHE_VERSION = 3  # 3: a finding parameter may be a Phrase (rendered in the reader's language)


_READ_ONLY: ContextVar[bool] = ContextVar("xlflow_cache_read_only", default=False)


@contextmanager
def cache_read_only() -> Iterator[None]:
    """Within it, parsed submissions come from the cache when they are there but are never
    written to it: for a reader that must not change the workspace (the portfolio)."""
    token = _READ_ONLY.set(True)
    try:
        yield
    finally:
        _READ_ONLY.reset(token)


class SubmissionCache:
    """Parsed submissions as JSON, keyed by the file's sha256 and the workspace's config and spec.

    JSON, not pickle: the workspace may sit on a share others write to. Types are
    restored from the spec (dates, ID lists), so nothing executable is ever loaded.
    Tables are stored by column keys; cell addresses are not kept (the merge has no use for them).
    """

    def __init__(self, ws: Workspace, catalog: Catalog) -> None:
        self.folder = ws.root / ".cache" / "merge"
        self.state_db, self.lang = ws.state_db, ws.lang
        self._digests: dict[str, str] | None = None  # read from the database when first needed
        self._loaded_at = 0.0
        self._db: Database | None = None  # opened when first needed, then kept: not once per entry written
        self.discarded: list[str] = []  # entries found changed since they were written
        config = (ws.root / "xlflow.toml").read_bytes() if (ws.root / "xlflow.toml").is_file() else b""
        renamed = "".join(f"|{d.code}<{','.join(d.former)}" for d in ws.departments if d.former)  # RD's files are RE's
        self.salt = hashlib.sha256(config + f"{catalog.version}|{__version__}|{CACHE_VERSION}{renamed}".encode()).hexdigest()[:12]
        self.types: dict[tuple[str, str | None, str], FieldType] = {
            (form.id, None, f.key): field_type(f) for form in catalog.forms for f in form.fields}
        for form in catalog.forms:
            for table in form.tables:
                for f in table.columns(ws.department_names()):
                    self.types[(form.id, table.id, f.key)] = field_type(f)

    def _path(self, sha256: str) -> Path:
        return self.folder / f"{sha256}-{self.salt}.json"

    def get(self, sha256: str, path: Path, received: dt.datetime | None) -> Submission | None:
        entry = self._path(sha256)
        try:
            data = entry.read_bytes()
        except OSError:
            return None
        if self._digest(entry) != hashlib.sha256(data).hexdigest():
            self._discard(entry, path)
            return None
        try:
            text = data if data[:1] == b"{" else zlib.decompress(data)  # plain JSON: an older xlflow's entry
            return self._decode(json.loads(text.decode("utf-8")), path, sha256, received)
        except (ValueError, KeyError, TypeError, zlib.error):
            return None

    def has(self, sha256: str) -> bool:
        """True when a parse of this content is cached with a recorded digest (get() may still miss)."""
        entry = self._path(sha256)
        return entry.is_file() and self._digest(entry) is not None

    def _digest(self, entry: Path) -> str | None:
        """The digest recorded for `entry`. The digests are read once; again only for an entry written
        since (a merge's worker process may have written it): a digest is recorded before its entry
        is written, so an older entry missing from what was read has none."""
        if self._digests is None:
            self._load_digests()
        found = self._digests.get(entry.name) if self._digests is not None else None
        if found is None:
            try:
                newer = entry.stat().st_mtime >= self._loaded_at - 2.0  # (coarse file-system clocks)
            except OSError:
                return None
            if newer:
                self._load_digests()
                found = self._digests.get(entry.name) if self._digests is not None else None
        return found

    def _load_digests(self) -> None:
        self._loaded_at = time.time()
        self._digests = (read_only_digests(self.state_db) if _READ_ONLY.get()
                         else cache_digests(self._database()))

    def _database(self) -> Database:
        """The state database, opened (its version and tables checked) once for this cache."""
        if self._db is None:
            self._db = Database(self.state_db)
        return self._db

    def _discard(self, entry: Path, source: Path) -> None:
        """An entry that is not what was written: never trusted; removed (not when reading another
        workspace), and said in the log, naming the file that is parsed again instead."""
        known = self._digests is not None and entry.name in self._digests
        self.discarded.append(entry.name)
        log = logging.getLogger("xlflow.watch")  # the watcher's log (service/upkeep.py); stderr otherwise
        if known:
            log.warning(msg("cache-entry-changed", self.lang, entry=str(entry), file=str(source)))
        else:  # written before digests were kept (or its digest lost): parsed again once, quietly
            log.info(msg("cache-entry-unrecorded", self.lang, entry=str(entry), file=str(source)))
        if _READ_ONLY.get():
            return
        with suppress(OSError):
            entry.unlink()
        if known:
            forget_digest(self._database(), entry.name)
            if self._digests is not None:
                self._digests.pop(entry.name, None)

    def load(self, path: Path, ws: Workspace, received: dt.datetime | None = None) -> Submission:
        """The file's parsed submission: from the cache, or checked now and cached."""
        sub = self.get(file_sha256(path), path, received)
        return sub if sub is not None else check_and_cache(path, ws, received, self)

    def put(self, sub: Submission) -> None:
        if _READ_ONLY.get():
            return  # reading someone else's workspace (the portfolio): never written
        entry = self._path(sub.sha256)
        text = json.dumps(self._encode(sub), ensure_ascii=False, default=json_default, separators=(",", ":"))
        data = zlib.compress(text.encode("utf-8"), 1)
        digest = hashlib.sha256(data).hexdigest()
        record_digest(self._database(), entry.name, digest)  # first: a file is never there without it
        if self._digests is not None:
            self._digests[entry.name] = digest
        with suppress(OSError):  # a cache that cannot be written only costs time
            write_bytes(entry, data)

    def _encode(self, sub: Submission) -> dict:
        data = sub.data
        findings = [[f.code, f.severity, f.sheet, f.cell, f.field, None if f.value is None else str(f.value),
                     {k: _stored_param(v) for k, v in f.params.items()}] for f in sub.report.findings]
        forms = {}
        if data is not None:
            for form_id, fd in data.forms.items():
                tables = {tid: self._columns(form_id, tid, rows) for tid, rows in fd.tables.items()}
                card = {k: self._stored(form_id, None, k, v) for k, v in fd.card.items()}
                forms[form_id] = {"sheet": fd.sheet, "card": card, "card_cells": fd.card_cells, "tables": tables}
        return {"department": sub.department, "findings": findings,
                "data": None if data is None else {"department": data.department, "project_code": data.project_code,
                                                   "spec_version": data.spec_version, "forms": forms}}

    def _decode(self, raw: dict, path: Path, sha256: str, received: dt.datetime | None) -> Submission:
        report = Report([Finding(c, s, sh, cell, fld, val, {k: _param(v) for k, v in params.items()})
                         for c, s, sh, cell, fld, val, params in raw["findings"]])
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

    def _columns(self, form_id: str, table_id: str, rows: tuple[Row, ...]) -> dict:
        """Rows as columns keys + value lists; values by their field type (dates as ISO text, ID lists as lists)."""
        keys = sorted({k for r in rows for k in r.values})
        store = [(i, kind.to_json) for i, k in enumerate(keys)
                 if (kind := self.types.get((form_id, table_id, k))) is not None and not kind.json_native]
        out = []
        for r in rows:
            values = [r.values.get(k) for k in keys]
            for i, to_json in store:
                if values[i] is not None:
                    values[i] = to_json(values[i])
            out.append([r.excel_row, values])
        return {"keys": keys, "rows": out}

    def _stored(self, form_id: str, table_id: str | None, key: str, value: object) -> object:
        kind = self.types.get((form_id, table_id, key))
        return value if value is None or kind is None else kind.to_json(value)

    def _rows(self, form_id: str, table_id: str, keys: list[str], rows: list) -> tuple[Row, ...]:
        """Rows back from _columns: only the columns whose type is not plain JSON (dates, ID lists) convert."""
        restore = [(i, kind.from_json) for i, k in enumerate(keys)
                   if (kind := self.types.get((form_id, table_id, k))) is not None and not kind.json_native]
        out = []
        for excel_row, values in rows:
            for i, from_json in restore:
                if values[i] is not None:
                    values[i] = from_json(values[i])
            out.append(Row(excel_row, dict(zip(keys, values, strict=True))))
        return tuple(out)

    def _typed(self, form_id: str, table_id: str | None, key: str, value: object) -> object:
        kind = self.types.get((form_id, table_id, key))
        if value is None or kind is None:
            return value
        return kind.from_json(value)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_and_cache(path: Path, ws: Workspace, received: dt.datetime | None, cache: SubmissionCache,
                     lean: bool = False) -> Submission:
    """Check one file and cache it. `lean` (in a worker process): drop the cell addresses, which
    the merge does not use, so that less is pickled back."""
    sub = check_file(path, ws, received=received)
    if sub.received is None and received is not None:
        sub = dataclasses.replace(sub, received=received)
    cache.put(sub)
    if lean and sub.data is not None:
        forms = {fid: dataclasses.replace(form, tables={tid: tuple(Row(r.excel_row, r.values) for r in rows)
                                                        for tid, rows in form.tables.items()})
                 for fid, form in sub.data.forms.items()}
        sub = dataclasses.replace(sub, data=dataclasses.replace(sub.data, forms=forms))
    return sub


def remember(ws: Workspace, sub: Submission) -> None:
    """Put a submission just checked (e.g. by the inbox on acceptance) into the merge cache,
    so the merge that follows does not read the file again."""
    SubmissionCache(ws, load_catalog()).put(sub)


def _stored_param(value: object) -> object:
    """A finding's parameter as JSON: text, or a Phrase (rendered in the reader's language) as its key and params."""
    if isinstance(value, Phrase):
        return {"phrase": value.key, "params": {k: str(v) for k, v in value.params.items()}}
    return str(value)


def _param(value: object) -> object:
    return Phrase(value["phrase"], **value["params"]) if isinstance(value, dict) else value
