"""Helpers for the watcher tests: a workspace with tiny settle times, sample submissions,
distinct-but-valid copies, slow writers, and a watcher running in a thread."""
from __future__ import annotations

import re
import shutil
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from xlflow.config import Workspace, load_workspace
from xlflow.resources import samples_dir
from xlflow.service.scaffold import init_workspace
from xlflow.store.inboxmark import MARKER_NAME
from xlflow.store.state import StateDB

WATCH = {"settle_seconds": 0.3, "rescan_seconds": 1.0, "owner_file_max_wait": 2.0, "max_attempts": 3}
SAMPLE_DEPTS = ("PMO", "RD", "MK", "SA", "MF", "CS", "FN")


def make_ws(root: Path, lang: str = "en", schedule: bool = False, **watch: object) -> Workspace:
    """The sample workspace with watcher timings small enough for tests; without `schedule`,
    no weekly brief or reminder is due (the sample sends them on Fridays)."""
    init_workspace(root, lang, sample=True)
    config = root / "xlflow.toml"
    text = config.read_text("utf-8")
    if not schedule:
        text = re.sub(r"(?m)^(send_weekday|reminder_weekday) = .*$", "", text)
    for key, value in {**WATCH, **watch}.items():
        literal = str(value).lower() if isinstance(value, bool) else str(value)
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {literal}", text)
    config.write_text(text, "utf-8")
    return load_workspace(root)


def sample(dept: str, week: int = 47) -> Path:
    """A department's sample submission (week 47: CS has mistakes; week 46: all valid)."""
    folder = samples_dir() / "submissions" / f"week{week}"
    return next(folder.glob(f"*_{dept}_*.xlsx"))


def variant(src: Path, dst: Path, tag: str) -> Path:
    """A copy with the same workbook content but different bytes (a zip comment), so a different hash."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.parent / f".~tmp-{dst.name}"
    shutil.copyfile(src, tmp)
    with zipfile.ZipFile(tmp, "a") as zf:
        zf.comment = f"variant {tag}".encode()
    tmp.replace(dst)
    return dst


def write_slowly(src: Path, dst: Path, chunks: int = 6, pause: float = 0.25) -> None:
    """Write `src` into `dst` in chunks with pauses, like a copy over a slow share."""
    data = src.read_bytes()
    step = len(data) // chunks + 1
    with open(dst, "wb") as fh:
        for i in range(0, len(data), step):
            fh.write(data[i:i + step])
            fh.flush()
            time.sleep(pause)


def wait_until(check: Callable[[], object], timeout: float = 20.0, step: float = 0.05) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


def results(ws: Workspace) -> list[tuple[str, str | None, str]]:
    """(file, department, result) of every recorded submission, in order."""
    return [(s.file_name, s.department, s.result) for s in StateDB(ws.state_db).submissions()]


def dropped(folder: Path) -> list[Path]:
    """The files in an inbox folder, without the workspace's own marker (store/inboxmark.py)."""
    return [p for p in folder.iterdir() if p.name != MARKER_NAME]


def inbox_names(ws: Workspace) -> list[str]:
    """The inbox's file names, without the workspace's own marker."""
    return sorted(p.name for p in dropped(ws.folder("inbox")))


@contextmanager
def running(ws: Workspace, poll: float | None = None, schedule: bool = False, **kw) -> Iterator[object]:
    """A real Watcher (real observer) on the workspace, in a thread; stopped and joined at the end."""
    from xlflow.watcher import Watcher, setup_logging

    kw.setdefault("log", setup_logging(ws, console=False))
    watcher = Watcher(ws, poll=poll, **kw)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            watcher.run(schedule=schedule)
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: watcher.observer is not None)
        yield watcher
    finally:
        watcher.stop()
        thread.join(timeout=30)
    assert not thread.is_alive(), "the watcher did not stop"
    assert not errors, errors
