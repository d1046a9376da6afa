"""`xlflow validate` through click: exit codes, the grouped text report, the JSON shape, feedback copies."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from validate_helpers import fill, filled_workbook, task
from xlflow.cli import main


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    ws, blank, good = filled_workbook(root, [task(1), task(2, percent=100)], "good.xlsx")
    bad = fill(ws, blank, root / "bad.xlsx", {"wbs": {"card": {"update_date": dt.date(2026, 11, 20)},
                                                    "tables": {"tasks": [task(1, status="滞后")]}}})
    return ws, good, bad, root


def run(*args):
    return CliRunner().invoke(main, ["validate", *map(str, args)])


def test_valid_file_with_warnings_exits_0(env):
    ws, good, _, _ = env
    result = run("-w", ws.root, good, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "valid, 1 warning." in result.output and "[任务分解表]" in result.output and "H9" in result.output


def test_invalid_file_exits_1_and_groups_by_sheet(env):
    ws, good, bad, _ = env
    result = run("-w", ws.root, good, bad)
    assert result.exit_code == 1
    assert "未通过" in result.output and "J8" in result.output and "[reason-required]" in result.output


def test_json_shape(env):
    ws, good, bad, _ = env
    result = run("-w", ws.root, bad, "--json", "--lang", "en")
    doc = json.loads(result.output)
    [entry] = doc["files"]
    assert set(entry) == {"path", "department", "valid", "findings"} and entry["department"] == "RD"
    [finding] = entry["findings"]
    assert finding == {"code": "reason-required", "severity": "error", "sheet": "任务分解表", "cell": "J8",
                       "field": "滞后/阻塞原因", "value": None, "message": finding["message"]}  # the reason, empty
    assert '"滞后"' in finding["message"]
    assert "J8" in finding["message"]


def test_annotate_dir_writes_copies(env):
    ws, good, bad, root = env
    result = run("-w", ws.root, bad, "--annotate-dir", root / "fb")
    assert result.exit_code == 1 and (root / "fb" / "bad_feedback.xlsx").exists()


def test_usage_errors_exit_2(env):
    ws = env[0]
    assert run("-w", ws.root).exit_code == 2
    assert run("-w", ws.root, "--lang", "fr", env[1]).exit_code == 2


def test_a_missing_file_is_said_to_be_missing(tmp_path):
    from click.testing import CliRunner

    from xlflow.cli import main
    from xlflow.service.scaffold import init_workspace

    ws = init_workspace(tmp_path / "w", "en", sample=True)
    result = CliRunner().invoke(main, ["validate", "-w", str(ws.root), str(tmp_path / "nope.xlsx"), "--json"])
    assert result.exit_code == 2 and "No such file" in result.output and "nope.xlsx" in result.output


def test_one_date_message_everywhere(tmp_path):
    from click.testing import CliRunner

    from xlflow.cli import main
    from xlflow.service.scaffold import init_workspace

    ws = init_workspace(tmp_path / "w", "en", sample=True)
    for command in (["summary"], ["merge"], ["baseline", "set", "x"]):
        result = CliRunner().invoke(main, [*command, "-w", str(ws.root), "--as-of", "18.12.2026"])
        assert result.exit_code == 2 and "Expected a date as YYYY-MM-DD: 18.12.2026" in result.output, command
