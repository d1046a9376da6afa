"""Issue 18 item 14: a missing accepted/<CODE>.xlsx no longer drops its department from the master
without a word: the merge takes the department's current version from the archive, as for a changed
one, and says so (merge, status)."""
from __future__ import annotations

import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from watch_helpers import make_ws, sample
from xlflow.cli import main
from xlflow.i18n import msg


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_deleted_accepted_workbook_is_merged_from_the_archive_and_said(tmp_path, lang):
    ws = make_ws(tmp_path / "ws", lang=lang)
    for dept in ("RD", "MK"):
        shutil.copyfile(sample(dept, 46), ws.folder("inbox") / f"{dept}.xlsx")
    assert CliRunner().invoke(main, ["watch", "-w", str(ws.root), "--once"]).exit_code == 0
    gone = ws.folder("accepted") / "RD.xlsx"
    gone.unlink()

    out = CliRunner().invoke(main, ["merge", "-w", str(ws.root)])
    assert out.exit_code == 0, out.output
    problem = msg("accepted-mismatch-missing", lang, path=str(gone), version=1)
    assert problem in out.output
    archived = next(ws.folder("archive").glob("*_RD_*.xlsx"))
    assert str(archived) in out.output
    master = next(ws.folder("master").glob("*.xlsx"))
    ids = {c.value for sheet in openpyxl.load_workbook(master, read_only=True) for row in sheet.iter_rows()
           for c in row if isinstance(c.value, str) and c.value.startswith("RD-0")}
    assert "RD-001" in ids  # the department is still in the master

    status = CliRunner().invoke(main, ["status", "-w", str(ws.root)])
    assert status.exit_code == 0 and problem in status.output, status.output
