"""One workspace, read for the portfolio without changing anything in it.

No lock is taken, nothing is created: the configuration is parsed from its text, the state
database is opened through store/readonly (a `mode=ro` URI, `immutable` when no watcher is
writing), and the week is the stored one (week.build.load_week) without the scorecard, which
would read every archived version. A database made by an older xlflow (tables missing) is
copied with SQLite's backup API into a temporary folder and read there, upgraded; the
workspace's own file is never touched.

Anything that stops the read — the folder moved, the config broken, the database locked,
corrupt or too new — becomes a `Unreadable` with its reason, and the portfolio shows it as a row.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..check.cache import cache_read_only
from ..config import CONFIG_NAME, Workspace, load_workspace
from ..errors import DatabaseTooNew, XlflowError
from ..i18n import Phrase
from ..store.closure import Closure, closure
from ..store.readonly import ReadOnlyStateDB
from ..store.state import SCHEMA_VERSION, StateDB
from ..week.build import load_week
from ..week.state import WeekState

LoadWeek = Callable[..., WeekState]  # (ws, as_of, db) -> WeekState
LOCK_WAIT = 5.0  # seconds to wait for a database another program is writing


@dataclass(frozen=True)
class ProjectRead:
    root: Path
    ws: Workspace | None
    state: WeekState | None
    problem: Phrase | None = None  # why it could not be read (then state is None)
    stale: bool = False  # read as of the database's last checkpoint (held exclusively by another program)
    closed: Closure | None = None


def default_loader(ws: Workspace, as_of: dt.date, db: StateDB) -> WeekState:
    return load_week(ws, as_of, db, scorecard=False)  # the scorecard would read every archived version


def read_project(root: Path, as_of: dt.date, load: LoadWeek = default_loader) -> ProjectRead:
    root = Path(root)
    if not (root / CONFIG_NAME).is_file():
        return ProjectRead(root, None, None, Phrase("pf-unreadable-missing", path=str(root)))
    try:
        ws = load_workspace(root)
    except XlflowError as exc:
        return ProjectRead(root, None, None, Phrase("pf-unreadable-config", error=_short(exc.message("en"))))
    if not ws.state_db.is_file():
        return ProjectRead(root, ws, None, Phrase("pf-unreadable-no-db"))
    try:
        state, stale = _state(ws, as_of, load)
    except DatabaseTooNew as exc:
        return ProjectRead(root, ws, None, Phrase("pf-unreadable-too-new", found=exc.params.get("found", "?")))
    except sqlite3.OperationalError as exc:
        key = "pf-unreadable-locked" if "locked" in str(exc) else "pf-unreadable-db"
        return ProjectRead(root, ws, None, Phrase(key, error=_short(str(exc))))
    except sqlite3.DatabaseError as exc:
        return ProjectRead(root, ws, None, Phrase("pf-unreadable-corrupt", error=_short(str(exc))))
    except XlflowError as exc:
        return ProjectRead(root, ws, None, Phrase("pf-unreadable-other", error=_short(exc.message("en"))))
    except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged record, a file gone mid-read
        return ProjectRead(root, ws, None, Phrase("pf-unreadable-other", error=_short(f"{type(exc).__name__}: {exc}")))
    return ProjectRead(root, ws, state, stale=stale, closed=closure(ws))


def _state(ws: Workspace, as_of: dt.date, load: LoadWeek) -> tuple[WeekState, bool]:
    with cache_read_only():  # an older workspace's week may parse its workbooks: never cached there
        return _read_state(ws, as_of, load)


def _read_state(ws: Workspace, as_of: dt.date, load: LoadWeek) -> tuple[WeekState, bool]:
    db = ReadOnlyStateDB(ws.state_db, LOCK_WAIT)
    try:
        if db.version < SCHEMA_VERSION:
            raise sqlite3.OperationalError("no such column: an older schema")  # read an upgraded copy
        state = load(ws, as_of, db)
        if db.immutable and not db.stale and not db.quiet():  # a writer started while it was read
            db = ReadOnlyStateDB(ws.state_db, LOCK_WAIT)
            state = load(ws, as_of, db)
        return state, db.stale
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc) and "no such column" not in str(exc):
            raise
    with tempfile.TemporaryDirectory(prefix="xlflow-portfolio-") as tmp:  # an older schema: read an upgraded copy
        copy = Path(tmp) / "xlflow.sqlite"
        src, dst = sqlite3.connect(db._uri(), uri=True), sqlite3.connect(copy)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return load(ws, as_of, StateDB(copy)), db.stale


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
