"""Drive a real LibreOffice (soffice --headless) from the tests.

Caveats handled: a private profile
directory, one soffice at a time (a lock file), a timeout, and success judged
by the output file existing, because soffice exits 0 when it fails to load.
Missing LibreOffice skips the test, except under CI=true, where it fails.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

_USER = os.getuid() if hasattr(os, "getuid") else "win"
PROFILE = Path(tempfile.gettempdir()) / f"xlflow-test-lo-profile-{_USER}"


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is required in CI: apt-get install libreoffice-calc-nogui")
        pytest.skip("LibreOffice is not installed")
    return exe


def convert(src: Path, fmt: str, outdir: Path, timeout: float = 180) -> Path:
    """Open `src` in Calc and save it as `fmt` (e.g. "xlsx", "pdf") into `outdir`; return the new file."""
    exe = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="xlflow-lo-"))
    try:
        copy = work / src.name
        shutil.copy2(src, copy)
        with open(f"{PROFILE}.lock", "w") as lock:
            import fcntl  # POSIX only: LibreOffice tests skip elsewhere before getting here

            fcntl.flock(lock, fcntl.LOCK_EX)
            subprocess.run(
                [exe, f"-env:UserInstallation=file://{PROFILE}", "--headless", "--norestore", "--nolockcheck",
                 "--nodefault", "--nologo", "--convert-to", fmt, "--outdir", str(work / "out"), str(copy)],
                check=False, capture_output=True, timeout=timeout)
        produced = work / "out" / f"{src.stem}.{fmt}"
        if not produced.exists():
            raise AssertionError(f"LibreOffice could not convert {src.name} to {fmt}")
        target = outdir / produced.name
        shutil.move(produced, target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)


UNO_PYTHON = "/usr/bin/python3"  # Debian's python3-uno; a venv cannot import uno
_TYPE_SCRIPT = r'''
import json, os, shutil, subprocess, sys, tempfile, time, uuid
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

def prop(name, value):
    p = PropertyValue(); p.Name, p.Value = name, value; return p

src, out, cells = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
profile, pipe = tempfile.mkdtemp(prefix="xlflow-lo-type-"), "xlflow_type_" + uuid.uuid4().hex[:12]
proc = subprocess.Popen([sys.argv[4], "-env:UserInstallation=" + uno.systemPathToFileUrl(profile), "--headless",
                         "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                         "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
deadline = time.time() + 60
while True:
    try:
        ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe); break
    except NoConnectException:
        if proc.poll() is not None or time.time() > deadline:
            sys.exit("soffice did not start")
        time.sleep(0.1)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
try:
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (prop("Hidden", True),))
    ctrl = doc.getCurrentController()
    dispatch = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    for ref, text in cells.items():
        name, _, coord = ref.rpartition("!")
        sheet = doc.Sheets.getByName(name)
        ctrl.setActiveSheet(sheet)
        ctrl.select(sheet.getCellRangeByName(coord))
        dispatch.executeDispatch(ctrl.getFrame(), ".uno:EnterString", "", 0, (prop("StringName", text),))
    doc.storeToURL(uno.systemPathToFileUrl(out), (prop("FilterName", "Calc MS Excel 2007 XML"), prop("Overwrite", True)))
    doc.close(True)
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    proc.wait(timeout=30)
    shutil.rmtree(profile, ignore_errors=True)
'''


def type_into(src: Path, cells: dict[str, str], out: Path, timeout: float = 180) -> Path:
    """Type `cells` ({"Sheet!B7": "what the user types"}) into `src` in Calc, as at the keyboard
    (.uno:EnterString: Calc parses numbers and dates), and save it as xlsx to `out`. Needs
    python3-uno for /usr/bin/python3; skipped without it, except under CI=true."""
    exe = soffice()
    probe = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True) if Path(UNO_PYTHON).exists() else None
    if probe is None or probe.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("python3-uno is required in CI: apt-get install python3-uno")
        pytest.skip("python3-uno is not installed")
    work = Path(tempfile.mkdtemp(prefix="xlflow-lo-type-"))
    try:
        copy, produced = work / "input.xlsx", work / "output.xlsx"  # ASCII names, a private copy (lock files)
        shutil.copy2(src, copy)
        for _ in range(3):  # headless Calc now and then dies in a timer mid-run: start over
            subprocess.run([UNO_PYTHON, "-c", _TYPE_SCRIPT, str(copy), str(produced),
                            json.dumps(cells, ensure_ascii=False), exe], capture_output=True, timeout=timeout)
            if produced.exists():
                break
        if not produced.exists():
            raise AssertionError(f"LibreOffice could not type into {src.name}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(produced, out)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)
