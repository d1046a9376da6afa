"""Drive a real LibreOffice (soffice --headless) from the tests.

Caveats handled (see the LibreOffice notes in the README): a private profile
directory, one soffice at a time (a lock file), a timeout, and success judged
by the output file existing, because soffice exits 0 when it fails to load.
Missing LibreOffice skips the test, except under CI=true, where it fails.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PROFILE = Path(tempfile.gettempdir()) / f"xlflow-test-lo-profile-{os.getuid()}"


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
