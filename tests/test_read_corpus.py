"""63 real-world spreadsheets (Excel, LibreOffice, Google Sheets, Numbers, WPS; some corrupt,
encrypted or hostile): every one gets a clear result within seconds, no traceback. Runs the real
CLI in a subprocess with a time and memory limit; skipped when the corpus is not present."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from validate_helpers import make_workspace

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-world"
UNREADABLE = {"empty-file", "not-a-workbook", "csv-file", "legacy-xls", "encrypted-workbook", "unsupported-format",
              "corrupt-workbook", "too-large", "unsafe-workbook", "cannot-open"}
NOT_OURS = {"not-xlflow-workbook", "no-sheets", "no-form-sheets", "macros-ignored"}


def _limits() -> None:
    import resource  # POSIX: runs as a preexec_fn, which only POSIX has
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="real-world corpus not present")
def test_every_real_world_file_gets_a_clear_finding(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    files = sorted(p for p in CORPUS.iterdir() if p.suffix != ".md")
    proc = subprocess.run([sys.executable, "-m", "xlflow", "validate", "-w", str(ws.root), "--json", "--lang", "en",
                           *map(str, files)], capture_output=True, text=True, timeout=240, preexec_fn=_limits,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    results = {Path(entry["path"]).name: entry for entry in json.loads(proc.stdout)["files"]}
    assert len(results) == len(files)
    for name, entry in results.items():
        found = [f["code"] for f in entry["findings"]]
        assert not entry["valid"] and found, name
        assert set(found) <= UNREADABLE | NOT_OURS, (name, found)
        if set(found) & UNREADABLE:
            assert len(found) == 1 and name in entry["findings"][0]["message"], (name, found)
    expected = {"poi__poc-xmlbomb.xlsx": "unsafe-workbook", "excelize__encryptSHA512.xlsx": "encrypted-workbook",
                "calamine__OOM_alloc.xls": "legacy-xls", "pycalamine__empty_file.xlsx": "empty-file",
                "sheetjs__minimal_112.numbers": "unsupported-format", "calamine__issue_594_dos.ods": "unsupported-format",
                "edr__Test_Issue_12556_corrupt.xls": "legacy-xls", "excelize__BadWorkbook.xlsx": "no-sheets",
                "sheetjs__sheet_visibility_strict.xlsx": "unsupported-format"}
    for name, code in expected.items():
        assert [f["code"] for f in results[name]["findings"]] == [code], name
