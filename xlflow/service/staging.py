"""The inbox file's way into the workspace before it is judged: what a name is (workbook,
look-alike or noise), its local staged copy and hash, whose it probably is, and the untouched
original in archive/ under a name that says when, whose and which content.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

from ..check.identity import department_from_name, identify_file  # noqa: F401 - one rule for every caller
from ..config import Workspace
from ..store.atomic import atomic_path

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Not something we read, but clearly meant as a workbook: rejected with a finding instead of ignored.
LOOKALIKE_SUFFIXES = (".xls", ".xlsb", ".xltx", ".xltm", ".et", ".ett", ".ods", ".csv", ".numbers")
IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
_TEMP_RE = re.compile(r"(^~\$)|(^\.~lock\..*#$)|(^\.~)|(^~.*\.tmp$)|(\.tmp$)|(^\.)", re.IGNORECASE)
_SAFE_NAME_RE = re.compile(r"[^\w.\-]+", re.UNICODE)


def classify(name: str) -> str:
    """'workbook', 'lookalike' (gets a finding), or 'ignore' (lock, temp, hidden, unrelated files)."""
    lower = name.lower()
    if lower in IGNORED_NAMES or _TEMP_RE.search(name):
        return "ignore"
    suffix = os.path.splitext(lower)[1]
    if suffix in WORKBOOK_SUFFIXES:
        return "workbook"
    if suffix in LOOKALIKE_SUFFIXES:
        return "lookalike"
    return "ignore"


def owner_files(path: Path) -> list[Path]:
    """Lock files that say `path` is open in Excel, WPS or LibreOffice right now."""
    name = path.name
    candidates = {f"~${name}", f"~${name[2:]}", f".~lock.{name}#"}  # Excel truncates long names
    return [path.parent / c for c in candidates if (path.parent / c).exists()]


def staging_dir(ws: Workspace) -> Path:
    """Local scratch space in the workspace (not the possibly shared inbox)."""
    return ws.root / ".xlflow" / "staging"


def stage_copy(src: Path, staging: Path, name: str | None = None) -> tuple[Path, str]:
    """Copy `src` to staging/<hash>/<name>, hashing on the way; the handle on `src` (maybe in the
    shared folder) is held only for the copy. The staged copy keeps the original file name."""
    staging.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    tmp = staging / f"incoming-{os.getpid()}-{time.monotonic_ns()}"
    try:
        with open(src, "rb") as fin, open(tmp, "wb") as fout:
            while chunk := fin.read(1 << 20):
                digest.update(chunk)
                fout.write(chunk)
        sha = digest.hexdigest()
        staged = staging / sha[:16] / (name or src.name)
        staged.parent.mkdir(exist_ok=True)
        os.replace(tmp, staged)
    finally:
        tmp.unlink(missing_ok=True)
    return staged, sha


def unstage(staged: Path) -> None:
    shutil.rmtree(staged.parent, ignore_errors=True)


def zip_complete(path: Path) -> bool:
    """The zip central directory parses and names a workbook part: the copy is not truncated."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "[Content_Types].xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return False


def may_become_zip(path: Path) -> bool:
    """Whether an incomplete copy is worth waiting for: it starts like a zip (or is still
    pre-allocated zeros). A CSV, an HTML page or an old .xls renamed .xlsx never becomes one,
    so it is rejected at once with its real finding instead of after every retry."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return True
    return head.startswith(b"PK") or head.strip(b"\0") == b""


def guess_department(staged: Path, file_name: str, ws: Workspace) -> str | None:
    """Department for the archive name, before validation: check/identity.py's one rule (property,
    defined name, header line; the file name only when the file carries none). A file whose
    stamps disagree is archived as UNKNOWN, under neither department."""
    ident = identify_file(staged, ws, file_name=file_name)
    return ident.department if ident.trusted and ident.department and ws.department(ident.department) else None


def _stamp(received: str) -> str:
    return dt.datetime.fromisoformat(received).strftime("%Y%m%d-%H%M%S")


def _safe(name: str) -> str:
    return _SAFE_NAME_RE.sub("_", name).strip("._") or "file"


def output_stem(received: str, department: str | None, sha256: str, file_name: str) -> str:
    """Names in rejected/: when, whose, which content, and the name the submitter used."""
    return f"{_stamp(received)}_{department or 'UNKNOWN'}_{(sha256 or 'nohash')[:8]}_{_safe(Path(file_name).stem)}"


def archive_name(department: str | None, received: str, sha256: str, file_name: str) -> str:
    stem, suffix = os.path.splitext(file_name)
    return f"{_stamp(received)}_{department or 'UNKNOWN'}_{sha256[:12]}_{_safe(stem)}{suffix.lower()}"


def archive(ws: Workspace, staged: Path, name: str) -> Path:
    """Copy the untouched original into archive/, atomically; a copy already there is kept as is."""
    target = ws.folder("archive") / name
    if not target.exists():
        with atomic_path(target) as tmp:
            shutil.copyfile(staged, tmp)
    return target

