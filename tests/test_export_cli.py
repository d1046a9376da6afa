"""The export commands end to end on the sample: merged, loaded as the week's state, exported."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import openpyxl
import pytest
from click.testing import CliRunner

from export_helpers import AS_OF, sample_workspace
from xlflow.cli import main
from xlflow.export.columns import TABLES
from xlflow.export.mspdi import NAMESPACE
from xlflow.service.merge import merge_workspace
from xlflow.service.scaffold import init_workspace


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    ws = sample_workspace(tmp_path_factory.mktemp("cli") / "ws", "en")
    plan = merge_workspace(ws, as_of=AS_OF, lang="en").plan
    return ws, plan


def test_mspdi_command_writes_the_merged_plan(merged, tmp_path):
    ws, plan = merged
    out = tmp_path / "plan.xml"
    result = CliRunner().invoke(main, ["export", "mspdi", "-w", str(ws.root), "--as-of", AS_OF.isoformat(),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{len(ws.departments)} departments, {len(plan.tasks)} tasks, {len(plan.links)} predecessor links" in result.output
    root = ET.parse(out).getroot()
    ns = {"p": NAMESPACE}
    wbs = [t.findtext("p:WBS", None, ns) for t in root.iterfind("p:Tasks/p:Task", ns)]
    assert [w for w in wbs if "-" in w and not w.startswith("MS-")] == [t.task_id for t in plan.tasks]


def test_mspdi_default_path_is_in_reports(merged):
    ws, _ = merged
    result = CliRunner().invoke(main, ["export", "mspdi", "-w", str(ws.root), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert (ws.folder("reports") / f"{ws.project.code}-2026-W47.xml").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_tables_command(merged, tmp_path, fmt):
    if fmt == "csv":
        pytest.importorskip("pandas", reason="pandas is not installed: the csv tables need it")
    ws, plan = merged
    result = CliRunner().invoke(main, ["export", "tables", "-w", str(ws.root), "--as-of", AS_OF.isoformat(),
                                       "--format", fmt, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"tasks: {len(plan.tasks)} rows" in result.output
    if fmt == "csv":
        assert sorted(p.name for p in tmp_path.glob("*.csv")) == sorted(f"{n}.csv" for n in TABLES)
    else:
        (book,) = tmp_path.glob("*.xlsx")
        assert openpyxl.load_workbook(book).sheetnames == list(TABLES)


def test_no_merge_yet_is_a_message_not_a_traceback(tmp_path):
    ws = init_workspace(tmp_path / "empty", "en", sample=True)
    result = CliRunner().invoke(main, ["export", "mspdi", "-w", str(ws.root), "--as-of", "2026-11-20"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "merge" in result.output.lower()
