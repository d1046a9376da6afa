"""The watcher unattended on Windows: a Task Scheduler task (registered with schtasks), and the
WinSW file for those who want a real Windows service.

The task starts at boot and at logon, restarts after a failure, runs as a named user whether
logged on or not (so it reaches the network shares that user may open: a mapped drive letter
does not exist there, the inbox must be a UNC path) and never stops on its own. Task Scheduler's
"End" (and `schtasks /End`) terminates the process without notice: safe, because every output is
written atomically and the intake's journal lets the next start finish the file in hand.

Why not a pywin32 service: its service host must find pythonservice.exe and pywin32's DLLs, which a
virtualenv does not have, and it fails to start with error 1053. WinSW wraps any command as a
service (a small .exe and the XML written by `winsw_xml`).
"""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from ..config import Workspace
from ..errors import ServiceError, UsageError
from ..store.atomic import write_bytes

TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
RESTART_EVERY = "PT1M"  # after a failure, start again a minute later ...
RESTART_COUNT = 999  # ... as often as it takes (the most Task Scheduler allows)


def task_name(ws: Workspace) -> str:
    return f"xlflow\\{ws.project.code}"


def watch_command(ws: Workspace) -> tuple[str, str]:
    """The program and its arguments: this Python running xlflow, so the task uses the same install."""
    return sys.executable, f'-m xlflow watch -w "{ws.root}" --unattended'


def task_xml(ws: Workspace, user: str) -> str:
    """The task definition (Task Scheduler schema 1.2), for `schtasks /Create /XML`."""
    program, arguments = watch_command(ws)
    e = escape
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="{TASK_NS}">
  <RegistrationInfo>
    <Description>xlflow watch: {e(str(ws.root))}</Description>
    <URI>\\{e(task_name(ws))}</URI>
  </RegistrationInfo>
  <Triggers>
    <BootTrigger><Enabled>true</Enabled><Delay>PT1M</Delay></BootTrigger>
    <LogonTrigger><Enabled>true</Enabled><UserId>{e(user)}</UserId></LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{e(user)}</UserId>
      <LogonType>Password</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings><StopOnIdleEnd>false</StopOnIdleEnd><RestartOnIdle>false</RestartOnIdle></IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Priority>7</Priority>
    <RestartOnFailure><Interval>{RESTART_EVERY}</Interval><Count>{RESTART_COUNT}</Count></RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{e(program)}</Command>
      <Arguments>{e(arguments)}</Arguments>
      <WorkingDirectory>{e(str(ws.root))}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""


def winsw_xml(ws: Workspace, user: str) -> str:
    """WinSW's service file (put it beside WinSW-x64.exe renamed to the same name, then `install`)."""
    program, arguments = watch_command(ws)
    e = escape
    return f"""<service>
  <id>xlflow-{e(ws.project.code)}</id>
  <name>xlflow watch {e(ws.project.code)}</name>
  <description>xlflow watch: {e(str(ws.root))}</description>
  <executable>{e(program)}</executable>
  <arguments>{e(arguments)}</arguments>
  <workingdirectory>{e(str(ws.root))}</workingdirectory>
  <startmode>Automatic</startmode>
  <onfailure action="restart" delay="60 sec"/>
  <stoptimeout>15 sec</stoptimeout>
  <log mode="roll-by-size"><sizeThreshold>1024</sizeThreshold><keepFiles>5</keepFiles></log>
  <serviceaccount><username>{e(user)}</username><prompt>console</prompt></serviceaccount>
</service>
"""


def current_user() -> str:
    domain, name = os.environ.get("USERDOMAIN", ""), os.environ.get("USERNAME", "")
    return f"{domain}\\{name}" if domain and name else name


def require_windows() -> None:
    if os.name != "nt":
        raise UsageError("service-windows-only")


def _schtasks(*args: str, prompt: bool = False) -> subprocess.CompletedProcess:
    """schtasks.exe; with `prompt` it asks for the password itself on the console (never seen by xlflow)."""
    try:
        return subprocess.run(["schtasks", *args], capture_output=not prompt, text=not prompt,
                              timeout=None if prompt else 60)
    except subprocess.TimeoutExpired:
        raise ServiceError("service-schtasks-failed", action=args[0], code="-", output="timeout") from None
    except OSError as exc:
        raise ServiceError("service-schtasks-missing", error=exc.strerror or str(exc)) from None


def write_task(ws: Workspace, user: str) -> Path:
    path = ws.root / ".xlflow" / "service-task.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_bytes(path, task_xml(ws, user).encode("utf-16"))  # what /XML reads: UTF-16 with its BOM


def install(ws: Workspace, user: str) -> str:
    require_windows()
    xml = write_task(ws, user)
    done = _schtasks("/Create", "/TN", task_name(ws), "/XML", str(xml), "/RU", user, "/RP", "*", "/F", prompt=True)
    if done.returncode != 0:
        raise ServiceError("service-schtasks-failed", action="/Create", code=done.returncode, output="")
    return task_name(ws)


def remove(ws: Workspace) -> str:
    require_windows()
    done = _schtasks("/Delete", "/TN", task_name(ws), "/F")
    if done.returncode != 0:
        raise ServiceError("service-schtasks-failed", action="/Delete", code=done.returncode,
                           output=(done.stderr or done.stdout).strip())
    return task_name(ws)


@dataclass(frozen=True)
class TaskStatus:
    name: str
    status: str  # in the system's language, as schtasks says it ("Running", "Ready", "正在运行")
    last_run: str
    last_result: str  # 0 = ran and ended well; 267009 (0x41301) = running now


def status(ws: Workspace) -> TaskStatus | None:
    """The task's state, or None when it is not registered. Columns by position (CSV, verbose):
    their titles are in the system's language."""
    require_windows()
    done = _schtasks("/Query", "/TN", task_name(ws), "/V", "/FO", "CSV", "/NH")
    if done.returncode != 0:
        return None
    return parse_query(done.stdout, task_name(ws))


def parse_query(output: str, name: str) -> TaskStatus | None:
    """schtasks /Query /V /FO CSV /NH: 1 task name, 3 status, 5 last run time, 6 last result."""
    for row in csv.reader(io.StringIO(output)):
        if len(row) > 6 and row[1].lstrip("\\").lower() == name.lower():
            return TaskStatus(name, row[3], row[5], row[6])
    return None


def write_winsw(ws: Workspace, user: str) -> Path:
    path = ws.root / ".xlflow" / f"xlflow-{ws.project.code}.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, winsw_xml(ws, user).encode("utf-8"))
    return path
