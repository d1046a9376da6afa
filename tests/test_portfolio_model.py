"""The portfolio from hand-built weeks: a project's row, health, the lateness matrix with the
department mapping, the milestone calendar, cross-project links, the workbook and the brief."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from portclose_helpers import AS_OF, D, change, milestone, move, risk, state, task
from xlflow.errors import ConfigError
from xlflow.portfolio.book import entry_note, write_portfolio
from xlflow.portfolio.brief import brief_html, brief_text
from xlflow.portfolio.build import build_portfolio
from xlflow.portfolio.links import cross_links, digest_of
from xlflow.portfolio.row import project_row
from xlflow.portfolio.settings import PortfolioSettings, load_settings
from xlflow.service.scaffold import init_workspace
from xlflow.store.state import StateDB

X1 = [task("PMO", "PMO-001", "done", 80), task("RD", "RD-001", "delayed", 60, due=D(2026, 11, 18), slip=3),
      task("RD", "RD-002", "blocked", 20, due=D(2026, 12, 1), slip=2), task("RD", "RD-003", "not_started", None,
                                                                          due=D(2026, 12, 9), start=D(2026, 12, 2),
                                                                          preds=("X2:MK-001", "X9:A-1", "X2:MK-404"))]
X2 = [task("MK", "MK-001", "in_progress", 50, due=D(2026, 12, 4)), task("PMO", "PMO-001", "done", 100)]


def x1_state():
    return state("X1", X1, ("PMO", "RD"), missing=("RD",), changes=(change("CR-1"), change("CR-2", status="approved")),
                 moves=(move("RD-001", "unapproved"), move("RD-002", "approved"), move("RD-003", "unapproved")),
                 risks=(risk("RD", "R-1", D(2026, 11, 2)), risk("RD", "R-2", D(2026, 11, 19))),
                 previous_tasks=(task("RD", "RD-002", "blocked"),), previous_date=D(2026, 11, 13),
                 milestones=(milestone("样机", D(2026, 11, 27), "RD"), milestone("启动", D(2026, 9, 4))),
                 data_date=D(2026, 11, 17), projected_end=D(2027, 2, 5), baseline_end=D(2027, 1, 29))


def test_a_row_has_the_weeks_figures():
    row = project_row(x1_state(), blocker_days=5)
    assert (row.tasks, row.done, row.percent) == (4, 1, 45.0)  # done counts 100, no figure 0: (100+60+20+0)/4
    assert (row.overdue, row.trouble) == (1, 2)
    assert (row.slipped, row.slip_days, row.slip_max) == (2, 5, 3)
    assert (row.unapproved, row.pending_changes) == (2, 1)
    assert row.old_blockers == 2  # R-1 raised 18 days ago, RD-002 blocked since the week before; R-2 is new
    assert row.not_submitted == ("RD",) and row.next_milestone.name == "样机"
    assert (row.last_merge, row.merge_age) == (D(2026, 11, 17), 3) and row.health == "red"


def test_health_amber_green_done():
    calm = [task("RD", "R1", "in_progress", 10, due=D(2026, 12, 30))]
    assert project_row(state("A", calm, ("RD",)), 5).health == "green"
    assert project_row(state("A", calm, ("RD",), missing=("RD",)), 5).health == "amber"
    assert project_row(state("A", [task("RD", "R1", "done", 100)], ("RD",)), 5).health == "done"


def test_cross_project_links_are_checked():
    links = cross_links({"X1": digest_of(x1_state()), "X2": digest_of(state("X2", X2, ("MK", "PMO")))}, {"X9"})
    found = {(c.other_project, c.other_task): c.status for c in links}
    assert found == {("X2", "MK-001"): "late", ("X9", "A-1"): "unknown", ("X2", "MK-404"): "broken"}
    assert [c.status for c in links] == ["broken", "unknown", "late"]  # the worst first


def test_settings_map_departments_and_report_lines(tmp_path):
    cfg = tmp_path / "portfolio.toml"
    cfg.write_text('[portfolio]\nworkspaces = ["a", "b"]\nblocker_days = 3\n\n'
                   '[departments]\n"R&D" = ["RD", "X2:DEV"]\nMarketing = ["市场部"]\n', "utf-8")
    s = load_settings(cfg)
    assert s.workspaces == (tmp_path / "a", tmp_path / "b") and s.blocker_days == 3
    assert s.department_name("X2", None, "DEV") == "R&D" and s.department_name("X1", None, "RD") == "R&D"
    assert s.department_name("X1", None, "QA") == "QA"
    cfg.write_text('[portfolio]\nworkspaces = ["a"]\nblocker_days = -2\n', "utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert "portfolio.blocker_days" in err.value.message("en") and "line 3" in err.value.message("en")


def fake_workspaces(tmp_path: Path) -> list[Path]:
    roots = []
    for code in ("X1", "X2"):
        ws = init_workspace(tmp_path / code, "en", sample=True)
        text = (ws.root / "xlflow.toml").read_text("utf-8")
        (ws.root / "xlflow.toml").write_text(text.replace('code = "NPL-2026"', f'code = "{code}"', 1), "utf-8")
        StateDB(ws.state_db)  # an empty state database
        roots.append(ws.root)
    return roots


def loader(ws, as_of, db):
    return {"X1": x1_state(), "X2": state("X2", X2, ("MK", "PMO"))}[ws.project.code]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_workbook_and_brief(tmp_path, lang):
    roots = fake_workspaces(tmp_path) + [tmp_path / "moved-away"]
    settings = PortfolioSettings(aliases={"X2:MK": "RD"})
    p = build_portfolio(roots, settings, AS_OF, load=loader)
    path = write_portfolio(p, tmp_path / "portfolio.xlsx", lang)
    wb = openpyxl.load_workbook(path)
    projects = [r for r in wb.worksheets[0].iter_rows(min_row=4, values_only=True) if r[0]]
    assert [r[0] for r in projects] == ["X1", "X2", "moved-away"]
    assert projects[0][3:8] == (45.0, 4, 1, 1, 2) and projects[2][2] == ("无法读取" if lang == "zh" else "Unreadable")
    assert "xlflow.toml" in projects[2][21]
    matrix = {r[0]: r[1:] for r in wb.worksheets[2].iter_rows(min_row=2, values_only=True) if r[0]}
    assert matrix["RD"] == (2, 0, 1)  # X2's MK is mapped onto RD: late in one project
    assert matrix["PMO"] == (0, 0, 0)
    calendar = [r for r in wb.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert [r[2] for r in calendar] == ["启动", "样机"]
    links = [r for r in wb.worksheets[3].iter_rows(min_row=2, values_only=True)]
    assert [r[4] for r in links] == ["X2:MK-404", "X9:A-1", "X2:MK-001"]
    text, html = brief_text(p, lang), brief_html(p, lang)
    assert "X1" in text and "moved-away" in text and "X2:MK-404" in text
    assert "<li>" in html and "<script" not in html


def test_portfolio_cli_writes_and_reports_unreadable_rows(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from xlflow.cli import main
    from xlflow.portfolio import read

    monkeypatch.setattr(read, "default_loader", loader)
    roots = fake_workspaces(tmp_path)
    out = tmp_path / "pf" / "portfolio.xlsx"
    result = CliRunner().invoke(main, ["portfolio", *map(str, roots), str(tmp_path / "gone"), "--out", str(out),
                                       "--as-of", AS_OF.isoformat(), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "X1: Red, 45.0% done, 4 tasks" in result.output and "gone: not read" in result.output
    assert out.is_file() and (tmp_path / "pf" / f"portfolio-brief-{AS_OF.isoformat()}.html").is_file()
    empty = CliRunner().invoke(main, ["portfolio", "--lang", "en"])
    assert empty.exit_code == 2 and "No workspace to read" in empty.output


def test_the_brief_is_mailed_through_the_mail_workspace(tmp_path, monkeypatch):
    import email
    import email.policy

    from click.testing import CliRunner

    from xlflow.cli import main
    from xlflow.portfolio import read

    monkeypatch.setattr(read, "default_loader", loader)
    roots = fake_workspaces(tmp_path)
    pmo = init_workspace(tmp_path / "pmo", "zh", sample=True)
    cfg = tmp_path / "portfolio.toml"
    cfg.write_text('[portfolio]\nworkspaces = ["X1", "X2"]\nmail_workspace = "pmo"\nlanguage = "zh"\n\n[departments]\n'
                   '"研发" = ["RD"]\n', "utf-8")
    out = tmp_path / "portfolio.xlsx"
    result = CliRunner().invoke(main, ["portfolio", "--config", str(cfg), "--out", str(out), "--as-of",
                                       AS_OF.isoformat(), "--to", "boss@example.com"])
    assert result.exit_code == 0, result.output
    emls = list(pmo.folder("outbox").glob("*.eml"))
    assert len(emls) == 1 and [str(r) for r in roots]
    mail = email.message_from_bytes(emls[0].read_bytes(), policy=email.policy.default)
    assert mail["To"] == "boss@example.com" and "项目组合简报" in mail["Subject"]
    assert "X1" in mail.get_body(("plain",)).get_content()
    assert any(part.get_filename() == "portfolio.xlsx" for part in mail.iter_attachments())


def test_two_workspaces_with_one_code_stay_two_and_a_closed_one_says_so(tmp_path):
    from xlflow.config import load_workspace
    from xlflow.store.closure import Closure, mark_closed

    roots = fake_workspaces(tmp_path)
    twin = tmp_path / "X1-copy"
    shutil.copytree(roots[0], twin)
    mark_closed(load_workspace(twin), Closure(D(2026, 11, 19), "2026-11-19T17:00:00+08:00"))
    p = build_portfolio([roots[0], twin], PortfolioSettings(), AS_OF, load=loader)
    assert [e.code for e in p.entries] == ["X1 (X1)", "X1 (X1-copy)"]
    assert {project for _, project in p.lateness} == {"X1 (X1)", "X1 (X1-copy)"}
    assert p.entries[1].read.closed.closed_on == D(2026, 11, 19) and p.entries[0].read.closed is None
    assert "closed on 2026-11-19" in entry_note(p.entries[1], "en")
