"""Three sample projects: each portfolio row equals that project's own brief for the same day
(`xlflow summary` of the same workspace), read with the week pipeline's load_week."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from portclose_helpers import demo_workspace
from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.portfolio.build import build_portfolio
from xlflow.portfolio.settings import PortfolioSettings
from xlflow.resources import samples_dir
from xlflow.service.merge import merge_workspace
from xlflow.service.scaffold import init_workspace
from xlflow.service.weekly import send_weekly_brief
from xlflow.watcher import process_inbox

DAY = dt.date(2026, 12, 2)
HEADLINE = re.compile(r"(\d+) tasks, ([\d.]+)% complete on average, (\d+) delayed/blocked, (\d+) overdue, "
                      r"(\d+) departments? not submitted")


def set_code(root: Path, code: str) -> None:
    config = root / "xlflow.toml"
    config.write_text(re.sub(r'(?m)^code = "[^"]*"', f'code = "{code}"', config.read_text("utf-8"), count=1), "utf-8")


def week46_only(root: Path) -> Path:
    """The sample project as it stood after week 46: its first submissions, merged on 2026-11-13."""
    ws = init_workspace(root, "zh", sample=True)
    day = dt.date(2026, 11, 13)
    for path in sorted((samples_dir() / "submissions" / "week46").glob("*.xlsx")):
        shutil.copy2(path, ws.folder("inbox") / path.name)
    received = dt.datetime.combine(day, dt.time(15, 0)).astimezone()
    list(process_inbox(ws, day, "zh", received_at=received))
    merge_workspace(ws, as_of=day, lang="zh")
    set_code(root, "NPL-C")  # after its files came in: they are stamped with the sample's code
    return root


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> list[Path]:
    base = tmp_path_factory.mktemp("pf")
    a = demo_workspace(base / "a", base / "cache")  # week 47 as the demo leaves it
    b = demo_workspace(base / "b", base / "cache")
    merge_workspace(load_workspace(b), as_of=DAY, lang="en")  # merged again on the portfolio's day
    set_code(b, "NPL-B")
    return [a, b, week46_only(base / "c")]


def test_rows_equal_each_projects_brief(projects):
    p = build_portfolio(projects, PortfolioSettings(), DAY)
    assert [e.code for e in p.entries] == ["NPL-2026", "NPL-B", "NPL-C"]
    assert len({(e.row.tasks, e.row.percent, e.row.last_merge) for e in p.entries}) == 3  # three different weeks
    for entry, root in zip(p.entries, projects, strict=True):
        row = entry.row
        out = CliRunner().invoke(main, ["summary", "-w", str(root), "--as-of", DAY.isoformat(), "--lang", "en"])
        assert out.exit_code == 0, out.output
        total, percent, trouble, overdue, missing = HEADLINE.search(out.output).groups()
        assert (row.tasks, row.percent, row.trouble, row.overdue, len(row.not_submitted)) == \
            (int(total), float(percent), int(trouble), int(overdue), int(missing)), entry.code
        brief = send_weekly_brief(load_workspace(root), DAY, send=False, lang="en").brief
        assert set(row.not_submitted) == {m.code for m in brief.missing}
        if brief.control is not None:
            assert row.slipped == brief.control.slipped
            assert row.unapproved == len(brief.control.unapproved) + 0
            assert (row.projected_end, row.baseline_end) == (brief.control.projected_end, brief.control.baseline_end)


def test_portfolio_command_over_the_three(projects, tmp_path):
    out = tmp_path / "portfolio.xlsx"
    result = CliRunner().invoke(main, ["portfolio", *map(str, projects), "--out", str(out), "--as-of",
                                       DAY.isoformat(), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert result.output.count("完成") >= 3 and out.is_file()
