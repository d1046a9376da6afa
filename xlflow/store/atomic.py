"""Outputs appear complete or not at all: write to a temp file beside the target, then rename."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success it replaces `target`, on error it vanishes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".~xlflow-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a shared folder needs the usual mode
        os.replace(tmp, target)
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
