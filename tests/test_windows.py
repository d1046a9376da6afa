"""Windows API semantics, tested in the Windows lane (.ci/windows/run.sh: the Windows CPython under
Wine) and, where the same code path exists, on Linux too. Marked `windows`: the lane runs these."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.errors import ConfigError, WatchBusy
from xlflow.resources import samples_dir
from xlflow.service import wintask
from xlflow.service.merge import merge_workspace
from xlflow.service.scaffold import init_workspace
from xlflow.spec.limits import portable_name, windows_reserved
from xlflow.store import lock
from xlflow.store.lock import mapped_drive, workspace_lock
from xlflow.watcher import process_inbox

pytestmark = pytest.mark.windows
WINDOWS = os.name == "nt"
AS_OF = dt.date(2026, 11, 20)
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONIOENCODING"}


@pytest.fixture
def ws(tmp_path):
    return init_workspace(tmp_path / "ws", "en", sample=True)


def _python(code: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=CHILD_ENV, **kw)


def _wait_line(proc: subprocess.Popen, want: bytes) -> None:
    line = proc.stdout.readline()
    assert want in line, (line, proc.stderr.read() if proc.poll() is not None else b"")


# --- 1. one watcher per workspace: two processes ---------------------------------------------

HOLDER = """
import sys, os
from xlflow.config import load_workspace
from xlflow.store.lock import workspace_lock
with workspace_lock(load_workspace(sys.argv[1])):
    print("held", flush=True)
    while not os.path.exists(sys.argv[2]):
        __import__("time").sleep(0.05)
"""


@pytest.mark.parametrize("stale", ["", "1234567890123", "7"])
def test_a_second_watcher_is_refused_while_another_process_holds_the_lock(ws, tmp_path, stale):
    """The stale text a killed watcher leaves (empty, longer or shorter than a PID) changes nothing."""
    path = ws.root / ".xlflow" / "watch.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stale)
    release = tmp_path / "release"
    holder = _python(HOLDER, str(ws.root), str(release))
    try:
        _wait_line(holder, b"held")
        with pytest.raises(WatchBusy), workspace_lock(ws):
            pass
        assert path.read_text() == str(holder.pid)  # readable while held: the locked byte is elsewhere
        second = subprocess.run([sys.executable, "-m", "xlflow", "watch", "--once", "-w", str(ws.root)],
                                capture_output=True, env=CHILD_ENV, stdin=subprocess.DEVNULL)
        assert second.returncode == 1 and b"already processing" in second.stderr
    finally:
        release.touch()
        holder.wait(60)
    with workspace_lock(ws):  # released with its holder
        assert path.read_text() == str(os.getpid())


# --- 2, 3. streams ---------------------------------------------------------------------------

def test_a_reader_that_stops_early_is_not_an_error(ws):
    """`xlflow status | more` where the reader is gone: Windows says EINVAL, POSIX a broken pipe."""
    proc = subprocess.Popen([sys.executable, "-m", "xlflow", "status", "-w", str(ws.root)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=CHILD_ENV)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(120) == 0 and err == b""


def _legacy_code_page_env() -> dict:
    if WINDOWS:
        return CHILD_ENV  # a pipe gets the ANSI code page (cp1252 on an English Windows)
    return {**CHILD_ENV, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


def test_help_to_a_pipe_under_a_legacy_code_page_is_utf8():
    done = subprocess.run([sys.executable, "-m", "xlflow", "--help"], capture_output=True,
                          env=_legacy_code_page_env(), stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert "跨部门协作项目" in done.stdout.decode("utf-8")
    probe = subprocess.run([sys.executable, "-c", "import sys; print(sys.stdout.encoding)"], capture_output=True,
                           env=_legacy_code_page_env(), stdin=subprocess.DEVNULL)
    assert probe.stdout.strip().lower() not in (b"utf-8", b"utf8")  # the test does test a legacy code page


# --- 4. reserved names -----------------------------------------------------------------------

@pytest.mark.parametrize("code", ["CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "LPT9"])
def test_a_reserved_department_code_is_refused_on_every_system(ws, code):
    config = ws.root / "xlflow.toml"
    text = config.read_text("utf-8")
    config.write_text(text.replace('code = "MK"', f'code = "{code}"'), "utf-8")
    with pytest.raises(ConfigError) as err:
        load_workspace(ws.root)
    assert "Windows reserves" in err.value.message("en") and code in err.value.message("en")


@pytest.mark.parametrize("name, want", [("CON", "_CON"), ("con.xlsx", "_con.xlsx"), ("Com1 .txt", "_Com1 .txt"),
                                        ("lpt9", "_lpt9"), ("report. ", "report"), ("plan..", "plan"),
                                        ("...", "_"), ("CONSOLE.xlsx", "CONSOLE.xlsx"), ("COM10", "COM10")])
def test_names_made_from_user_text_are_valid_on_windows(name, want):
    assert portable_name(name) == want
    assert not windows_reserved(want)


def test_a_reserved_name_really_is_no_file_on_windows(tmp_path):
    if not WINDOWS:
        pytest.skip("device names are a Windows rule (refused everywhere for portability; this checks the rule)")
    (tmp_path / portable_name("nul.xlsx")).write_bytes(b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["_nul.xlsx"]
    (tmp_path / "nul.xlsx").write_bytes(b"x")  # goes to the device: no file appears
    assert [p.name for p in tmp_path.iterdir()] == ["_nul.xlsx"]


# --- 5. the feedback copy's memory bound: a Job Object -----------------------------------------

def _under_wine() -> bool:
    import ctypes

    return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")


def test_the_copy_child_runs_in_a_job_with_the_memory_limit():
    if not WINDOWS:
        pytest.skip("Job Objects are Windows; POSIX bounds the child with setrlimit (test_intake_limits)")
    from xlflow.xlsx import winjob

    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()\ntry:\n bytearray(600*2**20)\n"
                              "except MemoryError:\n sys.exit(4)"], stdin=subprocess.PIPE, env=CHILD_ENV)
    job = winjob.contain(child, 200 * 2**20)
    try:
        assert job  # the job made, its limit set and the child in it: each call returned success
        child.communicate(b"go\n", timeout=60)
        limit = winjob.memory_limit(job)
    finally:
        winjob.release(job)
    if _under_wine() and (limit == 0 or child.returncode == 0):
        pytest.skip("Wine 8.0 accepts the job and its limit but neither reports nor enforces it (Windows does)")
    assert limit == 200 * 2**20 and child.returncode == 4


# --- 6. a mapped drive letter is a network share ------------------------------------------------

def test_drive_types_decide_what_is_a_mapped_share():
    remote = lambda root: lock.DRIVE_REMOTE  # noqa: E731
    fixed = lambda root: 3  # noqa: E731 - DRIVE_FIXED
    assert mapped_drive(Path("s:/projects/inbox"), remote) == "S:"
    assert mapped_drive(Path("C:/projects/inbox"), fixed) is None
    assert mapped_drive(Path("//server/share/inbox"), remote) is None  # UNC: no letter (and a share anyway)
    if not WINDOWS:
        assert mapped_drive(Path("/srv/inbox")) is None


def _remote_drive() -> str:
    drive = os.environ.get("XLFLOW_WIN_REMOTE_DRIVE", "")
    if not (WINDOWS and drive):
        pytest.skip("needs a network drive letter on Windows (the lane maps S: as one: XLFLOW_WIN_REMOTE_DRIVE)")
    return drive


def test_a_real_network_drive_is_polled_and_refused_unattended(ws):
    drive = _remote_drive()
    inbox = Path(drive + "\\") / f"inbox-{os.getpid()}"
    inbox.mkdir(exist_ok=True)
    assert mapped_drive(inbox) == drive.upper() and lock.on_network_share(inbox)
    assert mapped_drive(ws.root) is None
    config = ws.root / "xlflow.toml"
    text = config.read_text("utf-8").replace('inbox = "inbox"', f"inbox = '{inbox}'", 1)
    assert str(inbox) in text
    config.write_text(text, "utf-8")
    done = subprocess.run([sys.executable, "-m", "xlflow", "watch", "--once", "--unattended", "-w", str(ws.root)],
                          capture_output=True, env=CHILD_ENV, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and b"\\\\server\\share" in done.stdout + done.stderr


def test_an_unattended_watcher_refuses_a_mapped_inbox(ws, monkeypatch):
    monkeypatch.setattr(lock, "mapped_drive", lambda path, drive_type=None: "S:" if path == ws.folder("inbox") else None)
    result = CliRunner().invoke(main, ["watch", "--once", "--unattended", "-w", str(ws.root)])
    assert result.exit_code == 2 and "\\\\server\\share" in result.output and "S:" in result.output


# --- 7. tzdata ---------------------------------------------------------------------------------

def test_time_zones_work_without_pandas():
    from zoneinfo import ZoneInfo

    assert ZoneInfo("Asia/Shanghai").utcoffset(dt.datetime(2026, 11, 20)) == dt.timedelta(hours=8)
    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    if pyproject.exists():
        assert "\"tzdata; sys_platform == 'win32'\"" in pyproject.read_text("utf-8")


# --- 8. a clean stop ------------------------------------------------------------------------------

def test_ctrl_break_or_sigterm_stops_the_watcher_cleanly(ws):
    """Windows: Ctrl-Break to the watcher's process group; POSIX: SIGTERM. It logs that it stops."""
    flags = subprocess.CREATE_NEW_PROCESS_GROUP if WINDOWS else 0
    proc = subprocess.Popen([sys.executable, "-m", "xlflow", "watch", "--poll", "0.5", "-w", str(ws.root)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=CHILD_ENV, creationflags=flags)
    log = ws.root / "logs" / "watch.log"
    try:
        for _ in range(600):
            if log.exists() and "Watching" in log.read_text("utf-8", "replace"):
                break
            time.sleep(0.1)
        assert proc.poll() is None and "Watching" in log.read_text("utf-8")  # its handlers are in place
        try:
            proc.send_signal(signal.CTRL_BREAK_EVENT if WINDOWS else signal.SIGTERM)
        except OSError:
            if WINDOWS and _under_wine():
                pytest.skip("Wine 8.0 gives a process without a console no Ctrl-Break (GenerateConsoleCtrlEvent)")
            raise
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out.decode("utf-8", "replace")
    assert "Stopping" in log.read_text("utf-8")


# --- 11. xlflow service ------------------------------------------------------------------------

TASK = "{http://schemas.microsoft.com/windows/2004/02/mit/task}"


def test_the_task_xml_starts_at_boot_and_logon_restarts_and_runs_logged_off(ws):
    root = ET.fromstring(wintask.task_xml(ws, "CORP\\xlflow").encode("utf-16"))
    triggers = root.find(f"{TASK}Triggers")
    assert {t.tag.removeprefix(TASK) for t in triggers} == {"BootTrigger", "LogonTrigger"}
    principal = root.find(f"{TASK}Principals/{TASK}Principal")
    assert principal.findtext(f"{TASK}UserId") == "CORP\\xlflow"
    assert principal.findtext(f"{TASK}LogonType") == "Password"  # whether logged on or not
    settings = root.find(f"{TASK}Settings")
    assert settings.findtext(f"{TASK}ExecutionTimeLimit") == "PT0S"  # never stopped for running long
    assert settings.findtext(f"{TASK}RestartOnFailure/{TASK}Interval") == "PT1M"
    assert int(settings.findtext(f"{TASK}RestartOnFailure/{TASK}Count")) >= 3
    assert settings.findtext(f"{TASK}DisallowStartIfOnBatteries") == "false"
    exec_ = root.find(f"{TASK}Actions/{TASK}Exec")
    assert exec_.findtext(f"{TASK}Command") == sys.executable
    assert exec_.findtext(f"{TASK}Arguments") == f'-m xlflow watch -w "{ws.root}" --unattended'
    assert exec_.findtext(f"{TASK}WorkingDirectory") == str(ws.root)


def test_service_files_are_written_and_well_formed(ws):
    result = CliRunner().invoke(main, ["service", "files", "-w", str(ws.root), "--user", "CORP\\x&y"])
    assert result.exit_code == 0, result.output
    task = ws.root / ".xlflow" / "service-task.xml"
    assert task.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")  # UTF-16 with its BOM, what schtasks reads
    ET.fromstring(task.read_bytes())
    winsw = ET.fromstring((ws.root / ".xlflow" / f"xlflow-{ws.project.code}.xml").read_bytes())
    assert winsw.findtext("serviceaccount/username") == "CORP\\x&y"
    assert winsw.find("onfailure").get("action") == "restart"


def test_schtasks_query_is_read_by_column_not_by_title():
    out = ('"PC1","\\xlflow\\NPL-2026","N/A","正在运行","交互方式/后台方式","2026/11/20 9:00:01","267009","CORP\\x"\n')
    st = wintask.parse_query(out, "xlflow\\NPL-2026")
    assert (st.status, st.last_run, st.last_result) == ("正在运行", "2026/11/20 9:00:01", "267009")
    assert wintask.parse_query(out, "xlflow\\OTHER") is None


def test_service_commands_say_they_are_for_windows_elsewhere(ws):
    if WINDOWS:
        pytest.skip("on Windows they run schtasks (test_service_status_under_windows)")
    for command in ("install", "remove", "status"):
        result = CliRunner().invoke(main, ["service", command, "-w", str(ws.root)])
        assert result.exit_code == 2 and "for Windows" in result.output


def test_service_status_under_windows(ws):
    """What Wine's schtasks allows: a query of a task that is not there answers "not registered"."""
    if not WINDOWS:
        pytest.skip("schtasks is Windows")
    if _under_wine():
        pytest.skip("Wine 8.0's schtasks does not answer /Query (it waits forever): needs a real Windows PC")
    result = subprocess.run([sys.executable, "-m", "xlflow", "service", "status", "-w", str(ws.root)],
                            capture_output=True, env=CHILD_ENV, stdin=subprocess.DEVNULL)
    assert result.returncode in (0, 1), result.stderr
    assert b"not registered" in result.stdout or b"schtasks" in result.stderr


# --- 12. the master held open the way Excel holds it --------------------------------------------

HOLD_OPEN = """
import ctypes, os, sys, time
from ctypes import wintypes
k32 = ctypes.WinDLL("kernel32", use_last_error=True)
k32.CreateFileW.restype = wintypes.HANDLE
k32.CreateFileW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID,
                            wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
# Excel's own: read and write access, others may read; not write, delete or rename (no FILE_SHARE_DELETE)
h = k32.CreateFileW(sys.argv[1], 0xC0000000, 0x1, None, 3, 0x80, None)
if h in (None, wintypes.HANDLE(-1).value):
    print("failed", ctypes.get_last_error(), flush=True)
    sys.exit(1)
print("held", flush=True)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
k32.CloseHandle(h)
"""


def test_a_master_open_in_excel_is_left_alone_and_the_new_one_written_beside(ws, tmp_path):
    if not WINDOWS:
        pytest.skip("share modes are Windows; elsewhere the owner file says it is open (test_coordinator_layer)")
    for path in sorted((samples_dir() / "submissions" / "week47").glob("*.xlsx")):
        shutil.copy2(path, ws.folder("inbox") / path.name)
    process_inbox(ws, AS_OF, "en")
    master = merge_workspace(ws, as_of=AS_OF, lang="en").master_path
    before = master.read_bytes()
    release = tmp_path / "release"
    holder = _python(HOLD_OPEN, str(master), str(release))
    try:
        _wait_line(holder, b"held")
        result = merge_workspace(ws, as_of=AS_OF, lang="en")
    finally:
        release.touch()
        holder.wait(60)
    assert result.locked and result.master_path != master and result.master_path.parent == master.parent
    assert master.read_bytes() == before
    assert any(str(result.master_path) in line for line in result.summary("en"))
