"""The core commands through click's CliRunner, and the installed console script."""
from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from xlflow import __version__
from xlflow.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_version_and_help_on_every_command():
    assert __version__ in run("--version").output
    for name, command in main.commands.items():
        result = run(name, "--help")
        assert result.exit_code == 0, name
        assert "Usage" in result.output
        if any(p.name == "workspace" for p in command.params):
            assert "-w, --workspace" in result.output


def test_init_then_generate_all_writes_one_workbook_per_department(tmp_path):
    ws = tmp_path / "w"
    assert run("init", str(ws), "--sample").exit_code == 0
    result = run("generate", "-w", str(ws), "--all")
    assert result.exit_code == 0, result.output
    assert len(list((ws / "workbooks").glob("*.xlsx"))) == 7


def test_generate_usage_errors_are_messages_not_tracebacks(tmp_path):
    ws = tmp_path / "w"
    run("init", str(ws), "--sample", "--lang", "en")
    result = run("generate", "-w", str(ws), "--lang", "en")
    assert result.exit_code == 2 and "--all" in result.output and "Traceback" not in result.output
    result = run("generate", "-w", str(ws), "-d", "XX", "--lang", "en")
    assert result.exit_code == 2 and "XX" in result.output
    result = run("generate", "-w", str(tmp_path / "none"), "--all", "--lang", "zh")
    assert result.exit_code == 1 and "xlflow init" in result.output


def test_generate_some_departments_in_english(tmp_path):
    ws = tmp_path / "w"
    run("init", str(ws), "--sample")
    result = run("generate", "-w", str(ws), "-d", "rd", "-d", "MK", "--lang", "en", "--out", str(tmp_path / "o"))
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["NPL-2026_MK_Marketing.xlsx", "NPL-2026_RD_RD.xlsx"]


def test_python_dash_m_works(tmp_path):
    out = subprocess.run([sys.executable, "-m", "xlflow", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and __version__ in out.stdout


def test_errors_speak_the_workspace_language(tmp_path):
    """Without --lang (and XLFLOW_LANG/LANG not Chinese), a Chinese workspace's errors were English."""
    ws = tmp_path / "w"
    run("init", str(ws), "--sample")  # a Chinese workspace
    env = {"XLFLOW_LANG": "", "LANG": "C.UTF-8"}
    result = CliRunner(env=env).invoke(main, ["generate", "-w", str(ws), "-d", "XX"])
    assert result.exit_code == 2 and "部门代码 XX" in result.output
    config = ws / "xlflow.toml"
    config.write_text(config.read_text("utf-8").replace("port = 587", 'port = "abc"'), "utf-8")
    result = CliRunner(env=env).invoke(main, ["generate", "-w", str(ws), "--all"])
    assert result.exit_code == 1 and result.output.startswith("错误：配置文件") and "email.port" in result.output
    result = CliRunner(env=env).invoke(main, ["generate", "-w", str(ws), "--all", "--lang", "en"])
    assert result.output.startswith("Error: ")


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """`xlflow status | head -1`: the pipe closes after one line; no "Error: Broken pipe", exit 0."""
    ws = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(ws), "--sample"]).exit_code == 0
    script = ("import subprocess, sys\n"
              f"p = subprocess.Popen([sys.executable, '-m', 'xlflow', 'generate', '-w', {str(ws)!r}, '--all'],"
              " stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
              "p.stdout.readline(); p.stdout.close()\n"
              "err = p.stderr.read().decode(); code = p.wait()\n"
              "print(code); print(err)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120).stdout
    code, _, err = out.partition("\n")
    assert code == "0" and "Broken pipe" not in err and "Error" not in err and "错误" not in err
