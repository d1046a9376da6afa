"""The feedback copy within bounded time and memory: a budget checked before openpyxl sees the
file, and the copy made in a child process with a memory limit, a CPU limit and a timeout.

Why both. openpyxl builds an object for every cell element (a styled empty one included),
expands every merged range and every ranged hyperlink into one object per covered cell, and
reads every sheet, the hidden lists sheet that the reader skips included: a 1 MB workbook whose
`_lists` sheet held 191 MB of XML (compression ratio 176, under the reader's ratio limit) took
275 s and 5.5 GB. The budget counts, streaming the zip parts in bounded memory, what openpyxl
would build (cell and row elements, merged and hyperlinked areas, bytes of XML) and refuses the
copy above it, with a reason the submitter's mail can give. What the budget does not model (a
library's next surprise) is stopped by the child's limits: its address space and CPU time are
capped with setrlimit where the OS has it (on Windows its memory by a Job Object: xlsx/winjob),
and the parent kills it after COPY_SECONDS in any case. The watcher itself never loads the file with openpyxl, so it is never killed for it and
goes on with the next file. Above the bounds the feedback goes without the annotated copy and
the mail says why.

The child is this module (`python -m xlflow.xlsx.bounded`): it reads its job as JSON on stdin
(the findings already rendered) and prints one JSON line; it dies with its parent (Linux: its
death signal; Windows: the job is killed when its handle closes).
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnreadableWorkbook
from ..findings import Finding, Report
from .package import check_package

COPY_MAX_CELLS = 1_000_000  # cell + row elements, merged and hyperlinked cells; a 20,000-task WBS has ~300,000
COPY_MAX_XML_BYTES = 100 * 2**20  # uncompressed parts openpyxl parses; a 20,000-task workbook has ~12 MB
COPY_SECONDS = 120  # wall clock and CPU; a 20,000-task workbook takes ~5 s
COPY_MEMORY_BYTES = 2 * 2**30  # the child's address space; a 20,000-task workbook peaks at ~170 MB
_CHUNK = 4 * 2**20
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:c|row)[\s/>]")
_AREA = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?(?:mergeCell|hyperlink)\s[^>]*?\bref="\$?([A-Z]{1,3})\$?([0-9]{1,7})'
                   rb'(?::\$?([A-Z]{1,3})\$?([0-9]{1,7}))?"')


@dataclass(frozen=True)
class CopyResult:
    """The copy at `path`, or None and why: skipped = "unreadable" (not a workbook openpyxl can open),
    "too-large" (over the budget), "limits" (stopped by the child's time or memory limit); `detail`
    is a message key and its parameters for the submitter's mail."""

    path: Path | None
    skipped: str = ""
    detail: tuple[str, dict] | None = None


def copy_budget(path: Path, max_cells: int = COPY_MAX_CELLS,
                max_xml: int = COPY_MAX_XML_BYTES) -> tuple[str, dict] | None:
    """None when openpyxl may load `path`; else (message key, params) saying what is over the budget.
    Raises UnreadableWorkbook for what the reader's own zip checks refuse."""
    with zipfile.ZipFile(path) as zf:
        check_package(zf, path.name)
        infos = [i for i in zf.infolist() if not i.filename.startswith("xl/media/") and not i.filename.endswith(".bin")]
        xml = sum(i.file_size for i in infos)
        if xml > max_xml:
            return "copy-over-xml", {"mb": xml // 2**20, "limit": max_xml // 2**20}
        cells = 0
        for info in infos:
            if info.filename.endswith(".xml"):  # every part: a worksheet may sit anywhere its rels say
                with zf.open(info) as fh:
                    cells += _count(fh, max_cells - cells)
                if cells > max_cells:
                    return "copy-over-cells", {"limit": f"{max_cells:,}"}
    return None


def _count(fh, budget: int) -> int:
    """Cell and row elements plus merged and hyperlinked areas of one sheet part, read in chunks;
    stops early once over `budget`. A chunk is cut before its last '<' so no tag is split."""
    total, carry = 0, b""
    while total <= budget:
        block = fh.read(_CHUNK)
        data = carry + block
        cut = data.rfind(b"<") if block else len(data)
        if cut <= 0 or len(data) - cut > 65_536:
            cut = len(data)
        head, carry = data[:cut], data[cut:]
        total += len(_ELEMENT.findall(head))
        for m in _AREA.finditer(head):
            first, last = (m[1], int(m[2])), (m[3] or m[1], int(m[4] or m[2]))
            total += (abs(_col(last[0]) - _col(first[0])) + 1) * (abs(last[1] - first[1]) + 1) - 1
        if not block:
            break
    return total


def _col(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col


# -- the parent side -----------------------------------------------------------------------------
def annotate(source: Path, report: Report, out_path: Path, lang: str) -> CopyResult:
    """The annotated feedback copy of `source` (feedback.annotated_copy) written to `out_path`, bounded."""
    findings = [{"code": f.code, "severity": f.severity, "sheet": f.sheet, "cell": f.cell, "field": f.field,
                 "value": None if f.value is None else str(f.value), "text": f.message(lang)} for f in report.findings]
    return _run({"job": "annotate", "source": str(source), "out": str(out_path), "lang": lang, "findings": findings})


def clean(source: Path, out_path: Path) -> CopyResult:
    """feedback.clean_copy of `source` to `out_path`, bounded; path None when nothing was written."""
    return _run({"job": "clean", "source": str(source), "out": str(out_path)})


def _run(job: dict) -> CopyResult:
    job.update(parent=os.getpid(), seconds=COPY_SECONDS, memory=COPY_MEMORY_BYTES, cells=COPY_MAX_CELLS,
               xml=COPY_MAX_XML_BYTES)
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
    try:
        done = _child_run(job, env)
    except subprocess.TimeoutExpired:
        return _gone(job, "limits", ("copy-over-time", {"seconds": COPY_SECONDS}))
    except OSError as exc:
        return _gone(job, "limits", ("copy-failed", {"error": exc.strerror or type(exc).__name__}))
    lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if done.returncode == 0 and lines else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):  # killed by its memory or CPU limit, or crashed
        if done.returncode == -getattr(signal, "SIGXCPU", 0):
            return _gone(job, "limits", ("copy-over-time", {"seconds": COPY_SECONDS}))
        return _gone(job, "limits", ("copy-over-memory", {"mb": _memory_limit(job["memory"]) // 2**20}))
    if answer.get("skipped"):
        detail = answer.get("detail")
        return _gone(job, str(answer["skipped"]), (detail[0], detail[1]) if isinstance(detail, list) else None)
    return CopyResult(Path(job["out"]))


def _child_run(job: dict, env: dict) -> subprocess.CompletedProcess:
    """Run the child; on Windows inside a Job Object with the memory limit (xlsx/winjob)."""
    proc = subprocess.Popen([sys.executable, "-m", "xlflow.xlsx.bounded"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    handle = None
    if os.name == "nt":
        from . import winjob

        handle = winjob.contain(proc, job["memory"])
    try:
        out, err = proc.communicate(json.dumps(job).encode("utf-8"), timeout=COPY_SECONDS + 5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    finally:
        if handle is not None:
            winjob.release(handle)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _memory_limit(want: int) -> int:
    """The child's address-space limit: ours, or the lower one this process runs under (inherited)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return want
    soft = resource.getrlimit(resource.RLIMIT_AS)[0]
    return want if soft == resource.RLIM_INFINITY else min(want, soft)


def _gone(job: dict, skipped: str, detail: tuple[str, dict] | None) -> CopyResult:
    if job["job"] == "clean":
        Path(job["out"]).unlink(missing_ok=True)
    return CopyResult(None, skipped, detail)


# -- the child side ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Told(Finding):
    """A finding whose message the parent has already rendered."""

    text: str = ""

    def message(self, lang: str) -> str:
        return self.text


def _limit(job: dict) -> None:
    """Die with the parent; cap address space and CPU time where the OS can (not on Windows)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != job["parent"]:
        sys.exit(3)  # the parent is gone already
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: the parent's timeout is the bound
        return
    for kind, want in ((resource.RLIMIT_AS, job["memory"]), (resource.RLIMIT_CPU, job["seconds"])):
        soft, hard = resource.getrlimit(kind)
        limit = min(x for x in (want, soft, hard) if x != resource.RLIM_INFINITY)
        resource.setrlimit(kind, (limit, hard))


def _child(job: dict) -> dict:
    from .feedback import annotated_copy, clean_copy

    source, out = Path(job["source"]), Path(job["out"])
    try:
        over = copy_budget(source, job["cells"], job["xml"])
    except (UnreadableWorkbook, zipfile.BadZipFile, OSError):
        return {"skipped": "unreadable"}
    if over is not None:
        return {"skipped": "too-large", "detail": list(over)}
    if job["job"] == "clean":
        return {} if clean_copy(source, out) else {"skipped": "unreadable"}
    report = Report([_Told(**f) for f in job["findings"]])
    return {} if annotated_copy(source, report, out, job["lang"]) is not None else {"skipped": "unreadable"}


def main() -> int:
    job = json.loads(sys.stdin.buffer.read())
    _limit(job)
    try:
        answer = _child(job)
    except MemoryError:
        return 4  # the parent says: stopped by the memory limit
    sys.stdout.write(json.dumps(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
