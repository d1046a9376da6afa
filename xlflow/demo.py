"""`xlflow demo`: every stage of the product, in order, on the bundled sample project.

The sample is dated: it is the week of 2026-11-16, so the demo fixes "today"
to 2026-11-20 (the Friday the departments submitted) and gives the same
result whenever it runs.
"""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Callable

from .generate import generate_workbook, workbook_name
from .i18n import msg
from .resources import samples_dir
from .scaffold import init_workspace

AS_OF = dt.date(2026, 11, 20)


def run_demo(root: Path, lang: str, say: Callable[[str], None]) -> Path:
    root = Path(root).resolve()
    if (root / "xlflow.toml").exists():
        shutil.rmtree(root)
    say(msg("demo-step", lang, n=1, what=msg("demo-init", lang)))
    ws = init_workspace(root, lang, sample=True)
    say(msg("demo-workspace", lang, root=root))

    say(msg("demo-step", lang, n=2, what=msg("demo-generate", lang)))
    out = root / "workbooks"
    for dept in ws.departments:
        generate_workbook(ws, dept.code, lang, out / workbook_name(ws, dept.code, lang))
    say(msg("demo-generated", lang, count=len(ws.departments), out=out))

    submissions = samples_dir() / "submissions"
    for week in ("week46", "week47"):
        shutil.copytree(submissions / week, root / "sample-submissions" / week)
    say(msg("demo-samples", lang, path=root / "sample-submissions"))
    return root
