"""`xlflow init`: a workspace folder with its config and the folder layout."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ..config import CONFIG_NAME, Workspace, ensure_folders, load_workspace
from ..errors import UsageError
from ..resources import data_dir, samples_dir
from ..store.atomic import write_bytes
from .dropfolders import open_inbox


def init_workspace(root: Path, lang: str = "zh", sample: bool = False, force: bool = False,
                   today: dt.date | None = None, department_folders: bool = False) -> Workspace:
    """xlflow.toml (the starter or the sample project) and the folders; with `department_folders`,
    [paths] per_department_folders = true and inbox/<CODE>/ for each department."""
    root = Path(root)
    target = root / CONFIG_NAME
    if target.exists() and not force:
        raise UsageError("init-exists", path=str(target))
    root.mkdir(parents=True, exist_ok=True)
    if sample:
        text = (samples_dir() / CONFIG_NAME).read_text("utf-8")
        text = re.sub(r'(?m)^language = "\w+"', f'language = "{lang}"', text)
    else:
        today = today or dt.date.today()
        text = (data_dir() / "starter.toml").read_text("utf-8")
        for key, value in {"start": today.isoformat(), "end": (today + dt.timedelta(days=90)).isoformat(),
                           "lang": lang, "china": "true" if lang == "zh" else "false"}.items():
            text = text.replace("{" + key + "}", value)
    if department_folders:
        text = _with_department_folders(text)
    write_bytes(target, text.encode("utf-8"))
    ws = load_workspace(root)
    ensure_folders(ws)
    if ws.folder("inbox").is_dir():  # an inbox on a share that is down is claimed by the first watch
        open_inbox(ws)  # the marker, and inbox/<CODE>/ when per_department_folders is on
    return ws


def _with_department_folders(text: str) -> str:
    """The config text with [paths] per_department_folders = true (set, or added under the inbox key)."""
    if re.search(r"(?m)^per_department_folders\s*=", text):
        return re.sub(r"(?m)^per_department_folders\s*=\s*\w+", "per_department_folders = true", text)
    return re.sub(r"(?m)^(inbox\s*=.*)$", r"\1\nper_department_folders = true", text, count=1)
