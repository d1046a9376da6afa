"""The inbox file's way into the workspace before it is judged: what a name is (workbook,
look-alike or noise), its local staged copy and hash, whose it probably is, and the untouched
original in archive/ under a name that says when, whose and which content.
"""
from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from pathlib import Path

from ..check.identity import Identity, department_from_name, identify_file  # noqa: F401 - one rule for every caller
from ..config import Workspace
from ..spec.limits import portable_name
from ..store.atomic import atomic_path, owner_files  # noqa: F401 - owner_files: the intake asks here
from ..xlsx.package import MAX_FILE_BYTES  # noqa: F401 - the intake's limit before staging is the reader's

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
# Not something we read, but clearly meant as a workbook: rejected with a finding instead of ignored.
LOOKALIKE_SUFFIXES = (".xls", ".xlsb", ".xltx", ".xltm", ".et", ".ett", ".ods", ".csv", ".numbers")
IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
_TEMP_RE = re.compile(r"(^~\$)|(^\.~lock\..*#$)|(^\.~)|(^~.*\.tmp$)|(\.tmp$)|(^\.)", re.IGNORECASE)
_SAFE_NAME_RE = re.compile(r"[^\w.\-]+", re.UNICODE)
# Control characters (CR/LF, ESC, BEL, ...), line and paragraph separators, bidi overrides and the
# lone surrogates of undecodable bytes: never in a mail header, the log or the console.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
NAME_MAX_BYTES = 255  # one path component on ext4, XFS, tmpfs, APFS (NTFS counts 255 UTF-16 units)
_SUFFIX_MAX_BYTES = 16
CHUNK = 1 << 20
_ZEROS = bytes(CHUNK)
_OPEN_FLAGS = (os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_NONBLOCK", 0))


class NotRegularFile(OSError):
    """The path is a link, a FIFO, a socket or a device (maybe swapped in after it was checked)."""


def clean_name(name: str) -> str:
    """A file name fit for a mail header, the log and the console: control characters replaced by '_'."""
    return _CONTROL_RE.sub("_", name)


_STAMP_RE = re.compile(r"^\d{8}-\d{6}_[A-Z][A-Z0-9]*_[0-9a-f]{8,12}_(?=.)")


def shown_name(name: str) -> str:
    """The name a file is called by in mails, the master, status and the brief: the department's own
    name, without the stamp rejected/ prefixes to its copies ("20261207-132447_FAC_9df187bc_") when a
    clerk drops such a copy back."""
    return _STAMP_RE.sub("", name)


def fit_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    data = text.encode("utf-8", "surrogateescape")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


def fit_name(name: str, limit: int = NAME_MAX_BYTES) -> str:
    """A file name of at most `limit` bytes: the stem is shortened, the suffix kept."""
    if len(name.encode("utf-8", "surrogateescape")) <= limit:
        return name
    stem, suffix = os.path.splitext(name)
    suffix = fit_bytes(suffix, _SUFFIX_MAX_BYTES)
    return fit_bytes(stem, limit - len(suffix.encode("utf-8", "surrogateescape"))) + suffix


def file_kind(st: os.stat_result) -> str | None:
    """None for a regular file; else what it is (from os.lstat: a symlink is never followed)."""
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "directory" if stat.S_ISDIR(mode) else "other"


def open_regular(path: Path):
    """Open a regular file for reading without following a link and without blocking on a FIFO
    (O_NOFOLLOW | O_NONBLOCK where the OS has them); anything else raises NotRegularFile."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        if file_kind(os.fstat(fd)) is not None:
            raise NotRegularFile(errno.EINVAL, "not a regular file", str(path))
        if _OPEN_FLAGS & getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


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


def staging_dir(ws: Workspace) -> Path:
    """Local scratch space in the workspace (not the possibly shared inbox)."""
    return ws.root / ".xlflow" / "staging"


def stage_copy(src: Path, staging: Path, name: str | None = None, limit: int | None = None) -> tuple[Path, str]:
    """Copy `src` to staging/<hash>/<name>, hashing on the way; the handle on `src` (maybe in the
    shared folder) is held only for the copy. The staged copy keeps the original file name, cleaned
    and shortened to fit (open_regular: links and special files raise NotRegularFile). A file that
    grows past `limit` bytes while copied raises OSError(EFBIG): the copy stays bounded."""
    staging.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    tmp = staging / f"incoming-{os.getpid()}-{time.monotonic_ns()}"
    try:
        with open_regular(src) as fin, open(tmp, "wb") as fout:
            copied = 0
            while chunk := fin.read(CHUNK):
                copied += len(chunk)
                if limit is not None and copied > limit:
                    raise OSError(errno.EFBIG, "grew past the size limit while copied", str(src))
                digest.update(chunk)
                fout.write(chunk)
        sha = digest.hexdigest()
        staged = staging / sha[:16] / fit_name(portable_name(clean_name(name or src.name)))
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


def guess_department(staged: Path, file_name: str, ws: Workspace, ident: Identity | None = None) -> str | None:
    """Department for the archive name, before validation: check/identity.py's one rule (property,
    defined name, header line; the file name only when the file carries none). A file whose
    stamps disagree is archived as UNKNOWN, under neither department. `ident`: already read."""
    ident = ident or identify_file(staged, ws, file_name=file_name)
    return ident.department if ident.trusted and ident.department and ws.department(ident.department) else None


def _stamp(received: str) -> str:
    return dt.datetime.fromisoformat(received).strftime("%Y%m%d-%H%M%S")


def _safe(name: str) -> str:
    return _SAFE_NAME_RE.sub("_", name).strip("._") or "file"


def _fit_stem(head: str, stem: str) -> str:
    """head + stem, the stem shortened (by bytes, whole characters) so that any suffix still fits in a name."""
    room = NAME_MAX_BYTES - _SUFFIX_MAX_BYTES - len(head.encode("utf-8"))
    return head + fit_bytes(stem, room).rstrip("._")


def output_stem(received: str, department: str | None, sha256: str, file_name: str) -> str:
    """Names in rejected/: when, whose, which content, and the name the submitter used (shortened
    if long: the name stays under 255 bytes with any suffix, the hash part is always kept)."""
    head = f"{_stamp(received)}_{department or 'UNKNOWN'}_{(sha256 or 'nohash')[:8]}_"
    return _fit_stem(head, _safe(Path(file_name).stem))


def archive_name(department: str | None, received: str, sha256: str, file_name: str) -> str:
    """The archive copy's name: deterministic for the same content, department and received time
    (a re-run after a crash finds the copy it made before), shortened like output_stem."""
    stem, suffix = os.path.splitext(file_name)
    head = f"{_stamp(received)}_{department or 'UNKNOWN'}_{sha256[:12]}_"
    return _fit_stem(head, _safe(stem)) + fit_bytes(suffix.lower(), _SUFFIX_MAX_BYTES)


def archive(ws: Workspace, staged: Path, name: str) -> Path:
    """Copy the untouched original into archive/, atomically; a copy already there is kept as is."""
    target = ws.folder("archive") / name
    if not target.exists():
        with atomic_path(target) as tmp:
            shutil.copyfile(staged, tmp)
    return target



def stream_copy(src: Path, folder: Path) -> tuple[Path, str]:
    """Copy `src` into a temp file in `folder`, hashing on the way, in bounded memory (chunks; runs
    of zeros are skipped over, so a sparse file stays sparse). Returns (temp file, sha256): the
    caller names it with keep_as() once the hash is known, or removes it."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".~xlflow-", suffix=".part", dir=folder)
    tmp = Path(name)
    digest = hashlib.sha256()
    try:
        with open_regular(src) as fin, os.fdopen(fd, "wb") as fout:
            while chunk := fin.read(CHUNK):
                digest.update(chunk)
                if chunk == _ZEROS[: len(chunk)]:
                    fout.seek(len(chunk), os.SEEK_CUR)
                else:
                    fout.write(chunk)
            fout.truncate()  # a trailing run of zeros: the size is still right
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, digest.hexdigest()


def keep_as(tmp: Path, target: Path) -> Path:
    """Give a stream_copy() temp file its name; a copy already there (a re-run) is kept as is."""
    if target.exists():
        tmp.unlink(missing_ok=True)
        return target
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; a shared folder needs the usual mode
    os.replace(tmp, target)
    return target
