"""Outputs appear complete or not at all: write to a temp file beside the target, then rename."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: Path | str, expect: Fingerprint | None = None,
                copy_to: Path | None = None) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success it replaces `target`, on error it vanishes.

    With `expect` (what was read at `target` earlier), `target` is replaced only if it is still that
    file (replace_if_unchanged): otherwise TargetChanged, and whatever is there stays. `copy_to`
    gets a copy of exactly what was written (not of what is at `target` a moment later)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".~xlflow-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a shared folder needs the usual mode
        if expect is None:
            _copy(tmp, copy_to)
            os.replace(tmp, target)
        else:
            replace_if_unchanged(tmp, target, expect, copy_to)
    finally:
        tmp.unlink(missing_ok=True)


def owner_files(path: Path | str) -> list[Path]:
    """Lock files that say `path` is open in Excel, WPS or LibreOffice right now (any system)."""
    path = Path(path)
    name = path.name
    candidates = {f"~${name}", f"~${name[2:]}", f".~lock.{name}#"}  # Excel truncates long names
    # lexists: False (not an error) for a lock name too long to exist beside a long file name
    return sorted(path.parent / c for c in candidates if os.path.lexists(path.parent / c))


def write_bytes(target: Path | str, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


@dataclass(frozen=True)
class Fingerprint:
    """Which file was at a path: inode, size, modification time and content hash (absent: all None)."""
    inode: int | None = None
    size: int | None = None
    mtime_ns: int | None = None
    sha256: str | None = None

    @property
    def absent(self) -> bool:
        return self.inode is None


ABSENT = Fingerprint()


class TargetChanged(Exception):
    """The file at a target is no longer the one read before: someone saved it meanwhile. It was
    left in place (or, if yet another save took its place, kept at `kept`)."""

    def __init__(self, target: Path, kept: Path | None = None) -> None:
        super().__init__(str(target))
        self.target, self.kept = target, kept


def fingerprint(path: Path | str) -> Fingerprint:
    """The file at `path` now (stat first, then the hash: a save during hashing changes the stat)."""
    try:
        st = os.stat(path)
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        return ABSENT
    return Fingerprint(st.st_ino, st.st_size, st.st_mtime_ns, digest.hexdigest())


def link_or_copy(src: Path | str, target: Path | str) -> None:
    """`target` as a hard link to `src` (no second copy of the bytes), else an atomic copy where links
    are not possible (another file system, a share); OSError when neither can be made."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, target)
    except OSError:
        with atomic_path(target) as tmp:
            shutil.copyfile(src, tmp)


def _copy(src: Path, copy_to: Path | None) -> None:
    if copy_to is None:
        return
    try:
        with atomic_path(copy_to) as tmp, open(src, "rb") as f, open(tmp, "wb") as out:
            while block := f.read(1 << 20):
                out.write(block)
    except OSError:
        pass  # a missing copy is told apart by its absence


def replace_if_unchanged(tmp: Path, target: Path, expect: Fingerprint, copy_to: Path | None = None) -> None:
    """Put `tmp` at `target` only if `target` is still the file `expect` describes; never lose a
    file saved there meanwhile (an editor saves by renaming its temp file over the target).

    The file at `target` is first moved aside (one atomic rename: whatever is there is caught),
    compared, and `tmp` is then linked in, which fails rather than overwrite a save that landed
    in between. Where hard links are not supported: a rename that does not overwrite (Windows),
    or a last check just before the replace."""
    aside = None
    if not expect.absent:
        aside = target.with_name(f".~xlflow-aside-{os.getpid()}-{target.name}")
        try:
            os.rename(target, aside)
        except FileNotFoundError:
            raise TargetChanged(target) from None
        if fingerprint(aside) != expect:
            raise TargetChanged(target, _put_back(aside, target))
    try:
        _place(tmp, target, copy_to)
    except FileExistsError:  # a save landed while the old file was aside: it stays
        if aside is not None:
            aside.unlink(missing_ok=True)  # the file read before: its content is read back already
        raise TargetChanged(target) from None
    if aside is not None:
        aside.unlink(missing_ok=True)


def _place(src: Path, target: Path, copy_to: Path | None = None) -> None:
    """Give `src` the name `target` unless something has that name (FileExistsError); `copy_to`
    gets a copy of `src` once it is in place (from `src`: a save over `target` since is not copied)."""
    try:
        os.link(src, target)
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some shares)
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        _copy(src, copy_to)
        if os.name == "nt":
            os.rename(src, target)  # does not overwrite on Windows
        else:
            os.replace(src, target)
        return
    _copy(src, copy_to)
    os.unlink(src)


def _put_back(aside: Path, target: Path) -> Path | None:
    """A newer save moved aside goes back to its name; if yet another save has that name now,
    it is kept beside it under a visible name, returned."""
    try:
        _place(aside, target)
        return None
    except FileExistsError:
        kept = target.with_name(f"{target.stem}-saved-{os.getpid()}-{aside.stat().st_mtime_ns}{target.suffix}")
        os.replace(aside, kept)
        return kept


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's, or cannot tell: leave it
    return True


def restore_aside(target: Path | str) -> Path | None:
    """A file replace_if_unchanged moved aside and never put back (the process was killed between the
    two renames) goes back to `target` when nothing is there: the newest such file, by modification
    time, whose process is gone. Returns the name it had, or None."""
    target = Path(target)
    if os.path.lexists(target):
        return None
    pattern = re.compile(rf"^\.~xlflow-aside-(\d+)-{re.escape(target.name)}$")
    try:
        found = [(p, int(m.group(1))) for p in target.parent.iterdir() if (m := pattern.match(p.name))]
    except OSError:
        return None
    left = sorted((p for p, pid in found if not _alive(pid)), key=lambda p: p.stat().st_mtime_ns)
    if not left:
        return None
    try:
        _place(left[-1], target)
    except OSError:
        return None
    return left[-1]
