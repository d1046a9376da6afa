"""Issue 18 item 10: config changes mid-project. A coordinator runs the sample project for weeks 46
and 47 (real workbooks through the real intake), then a department leaves: removed from xlflow.toml
by hand, the merge says so; retired with `xlflow department retire`, its history stays readable and
the past weeks' briefs stay byte-identical. A changed time zone does not re-judge past lateness."""
from __future__ import annotations

import datetime as dt
import re

from click.testing import CliRunner

from guard_e2e_helpers import run
from past_helpers import DUE46, DUE47, W46, W47, drop as _drop
from watch_helpers import make_ws
from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.service.merge import merge_workspace
from xlflow.service.weekly import send_weekly_brief
from xlflow.watcher import process_inbox
from xlflow.week.build import load_week


def _weeks(tmp_path):
    ws = make_ws(tmp_path / "ws")
    _drop(ws, "RD", DUE46, W46)
    _drop(ws, "MK", DUE46, W46)
    run(ws, W46)
    _drop(ws, "MK", DUE47, W47)
    run(ws, W47)
    return ws


def _briefs(ws, out) -> list[bytes]:
    """Weeks 46 and 47's briefs, as `xlflow summary` writes them (html and text)."""
    found = []
    for day in (W46, W47):
        result = send_weekly_brief(ws, day, send=False, lang="en", out_dir=out / day.isoformat())
        found += [result.html.read_bytes(), result.text.read_bytes()]
    return found


def _without(ws, code: str):
    """xlflow.toml with the department's [[departments]] table deleted, as a coordinator edits it."""
    config = ws.root / "xlflow.toml"
    text = config.read_text("utf-8")
    edited = re.sub(rf'\[\[departments\]\]\ncode = "{code}"\n(?:[^\[\n][^\n]*\n|\n)*', "", text)
    assert edited != text
    config.write_text(edited, "utf-8")
    return load_workspace(ws.root)


def test_a_department_removed_by_hand_is_said_by_the_merge(tmp_path):
    ws = _without(_weeks(tmp_path), "MK")
    result = merge_workspace(ws, lang="en")
    assert any("department MK has accepted versions (v2) but is no longer in" in line for line in result.summary("en"))


def test_a_retired_department_keeps_its_history_and_past_briefs(tmp_path):
    ws = _weeks(tmp_path)
    before = _briefs(ws, tmp_path / "before")
    out = CliRunner().invoke(main, ["department", "retire", "MK", "-w", str(ws.root), "--lang", "en"])
    assert out.exit_code == 0, out.output
    assert 'delete the [[departments]] table with code = "MK"' in out.output
    assert not (ws.folder("accepted") / "MK.xlsx").exists()
    assert (ws.folder("accepted") / "retired" / "MK.xlsx").is_file()
    early = merge_workspace(ws, lang="en")  # before its table leaves xlflow.toml: left out, not "missing"
    assert not [t for t in early.plan.tasks if t.department == "MK"] and not early.mismatches
    assert not any("missing" in line for line in early.summary("en")), early.summary("en")
    ws = _without(ws, "MK")
    result = merge_workspace(ws, lang="en")
    assert not [t for t in result.plan.tasks if t.department == "MK"]
    assert not any("no longer in" in line for line in result.summary("en"))
    assert _briefs(ws, tmp_path / "after") == before  # byte for byte
    history = CliRunner().invoke(main, ["history", "MK", "-w", str(ws.root), "--lang", "en"])
    assert history.exit_code == 0 and history.output.count("v") >= 2, history.output
    again = CliRunner().invoke(main, ["department", "retire", "MK", "-w", str(ws.root), "--lang", "en"])
    assert again.exit_code == 2 and "already retired" in again.output


def test_the_lead_department_cannot_be_retired(tmp_path):
    ws = make_ws(tmp_path / "ws")
    out = CliRunner().invoke(main, ["department", "retire", ws.project.lead_department, "-w", str(ws.root),
                                    "--lang", "en"])
    assert out.exit_code == 2 and "lead department" in out.output
    unknown = CliRunner().invoke(main, ["department", "retire", "ZZ", "-w", str(ws.root), "--lang", "en"])
    assert unknown.exit_code == 2 and "There is no department ZZ" in unknown.output


def test_a_changed_time_zone_does_not_rejudge_past_lateness(tmp_path):
    ws = make_ws(tmp_path / "ws")
    config = ws.root / "xlflow.toml"
    config.write_text(config.read_text("utf-8").replace('# timezone = "Asia/Shanghai"', 'timezone = "Asia/Shanghai"'),
                      "utf-8")
    ws = load_workspace(ws.root)
    _drop(ws, "RD", DUE46, W46)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    process_inbox(ws, W46, lang="en", received_at=dt.datetime(2026, 11, 13, 17, 0, tzinfo=shanghai))  # 16:00 passed
    late = load_week(ws, W46, scorecard=False).late_submissions
    assert [(s.department, s.received) for s in late] == [("RD", dt.datetime(2026, 11, 13, 17, 0))]
    config.write_text(config.read_text("utf-8").replace('timezone = "Asia/Shanghai"', 'timezone = "Europe/London"'),
                      "utf-8")  # 09:00 on that Friday in London: on time, if it were judged again
    moved = load_workspace(ws.root)
    assert load_week(moved, W46, scorecard=False).late_submissions == late


def test_a_department_already_removed_by_hand_is_put_back_before_retiring(tmp_path):
    ws = _without(_weeks(tmp_path), "MK")
    out = CliRunner().invoke(main, ["department", "retire", "MK", "-w", str(ws.root), "--lang", "en"])
    assert out.exit_code == 2 and "put its [[departments]] table" in out.output
    assert (ws.folder("accepted") / "MK.xlsx").is_file()  # nothing was done
