"""`xlflow demo`: every stage of the product, in order, on the bundled sample project.

The sample is dated: it is the week of 2026-11-16, so the demo fixes "today"
to 2026-11-20 (the Friday the departments submitted) and gives the same
result whenever it runs.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from .check.validate import check_file, report_text
from .config import configured_language
from .i18n import LANGS, msg
from .output.department import generate_workbook, workbook_name
from .resources import samples_dir
from .service.merge import merge_workspace
from .service.scaffold import init_workspace
from .service.weekly import send_weekly_brief
from .share.log import list_lines
from .watcher import process_inbox

AS_OF = dt.date(2026, 11, 20)
WEEKS = {"week46": dt.date(2026, 11, 13), "week47": AS_OF}


def sample_language() -> str:
    """The demo's language when --lang is not given: XLFLOW_LANG if set to zh or en, else the
    bundled sample's own (its xlflow.toml) — never the system locale (LANG), so the demo's
    output matches the sample's workbooks."""
    chosen = os.environ.get("XLFLOW_LANG", "").strip().lower()
    return chosen if chosen in LANGS else configured_language(samples_dir()) or "zh"


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
        generate_workbook(ws, dept.code, lang, out / workbook_name(ws, dept.code, lang),
                          sharing=list_lines(ws, lang, dept.code))
    say(msg("demo-generated", lang, count=len(ws.departments), out=out))

    samples = root / "sample-submissions"
    for week in WEEKS:
        shutil.copytree(samples_dir() / "submissions" / week, samples / week)
    say(msg("demo-samples", lang, path=samples))

    say(msg("demo-step", lang, n=3, what=msg("demo-validate", lang)))
    checked = [check_file(path, ws) for path in sorted((samples / "week47").glob("*.xlsx"))]
    for sub in checked:
        say(msg("demo-validate-line", lang, file=sub.path.name, errors=len(sub.report.errors),
                warnings=len(sub.report.warnings),
                verdict=msg("demo-valid" if sub.valid else "demo-invalid", lang)))
    rejected = next((sub for sub in checked if not sub.valid), None)
    if rejected is not None:
        say(msg("demo-rejected-findings", lang, file=rejected.path.name))
        say(report_text(rejected, lang))

    for n, (week, as_of) in enumerate(WEEKS.items(), start=4):
        say(msg("demo-step", lang, n=n, what=msg("demo-watch", lang, week=week[4:], as_of=as_of)))
        for path in sorted((samples / week).glob("*.xlsx")):
            shutil.copy2(path, ws.folder("inbox") / path.name)
        received = dt.datetime.combine(as_of, dt.time(15, 0)).astimezone()  # the sample's Friday afternoon
        for outcome in process_inbox(ws, as_of, lang, received_at=received):
            say("  " + outcome.line(lang))
    say(msg("demo-feedback", lang, outbox=ws.folder("outbox"), rejected=ws.folder("rejected")))

    say(msg("demo-step", lang, n=6, what=msg("demo-merge", lang)))
    result = merge_workspace(ws, as_of=AS_OF, lang=lang)
    for line in result.summary(lang):
        say(line)

    say(msg("demo-step", lang, n=7, what=msg("demo-summary", lang)))
    brief = send_weekly_brief(ws, AS_OF, send=False, lang=lang)
    say(msg("summary-written", lang, html=brief.html, text=brief.text))
    say(msg("mail-not-sent", lang, eml=brief.delivery.eml))
    say(msg("demo-done", lang, root=root))
    return root
