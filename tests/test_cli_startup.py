"""Commands start fast: loading the command line imports no workbook, template or table library;
each command imports its service modules when it runs (issue 21). `--help` still lists every command
with its one-line help."""
from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from xlflow.cli import main

HEAVY = ("openpyxl", "xlsxwriter", "jinja2", "pandas", "watchdog", "icalendar", "numpy")


def _imported_after(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys\n{code}\n"
                          f"print('imported:', *(m for m in {HEAVY!r} if m in sys.modules))"],
                         capture_output=True, text=True, check=True)
    return out.stdout.splitlines()[-1].split()[1:]


def test_importing_the_cli_imports_no_heavy_library():
    assert _imported_after("import xlflow.cli") == []


def test_help_and_status_import_no_heavy_library(tmp_path):
    ws = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(ws), "--sample", "--lang", "en"]).exit_code == 0
    for args in (["--help"], ["status", "-w", str(ws)], ["status", "--help"]):
        code = (f"from xlflow.cli import main\nsys.argv = ['xlflow', *{args!r}]\n"
                "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code")
        assert _imported_after(code) == [], args


def test_help_lists_every_command_with_its_one_line_help():
    text = CliRunner().invoke(main, ["--help"], terminal_width=200).output
    listed = {line.split()[0] for line in text.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(main.commands) and len(listed) >= 15
    for name, command in main.commands.items():
        short = command.get_short_help_str(limit=200 - 6 - len(name))
        assert short and short in text, name
