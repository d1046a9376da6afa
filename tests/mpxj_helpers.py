"""MPXJ, an independent MS Project reader (Java, through JPype), for the MSPDI export tests.

`mpxj()` starts the JVM once per test process; without java, jpype1 or mpxj the tests skip with
the reason, except under CI=true on Linux, where .ci/run installs them and a missing one is a failure.
Everything read is turned into plain Python values so the tests compare like with like.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import pytest


def mpxj():
    """The JVM, started once (JPype cannot restart it), with MPXJ on its class path."""
    reason = None
    if shutil.which("java") is None:
        reason = "no Java runtime (java) on PATH: apt-get install default-jre-headless"
    else:
        try:
            import jpype
            import mpxj  # noqa: F401 - puts MPXJ's jars on the class path
        except ImportError as exc:
            reason = f"{exc.name} is not installed: pip install -e '.[test]' (mpxj, jpype1)"
    if reason:
        if os.environ.get("CI") == "true" and sys.platform.startswith("linux"):
            pytest.fail(f"MPXJ cannot run under CI: {reason}")
        pytest.skip(f"MPXJ cannot run here: {reason}")
    if not jpype.isJVMStarted():
        jpype.startJVM(convertStrings=True)
    return jpype


def _date(value) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(str(value.toString()))


def read_back(path: Path) -> dict:
    """Tasks (by WBS), resources and the calendar's exceptions as MPXJ reads the file."""
    mpxj()
    from org.mpxj.mspdi import MSPDIReader

    project = MSPDIReader().read(str(path))
    tasks = {}
    for t in project.getTasks():
        tasks[str(t.getWBS())] = {
            "uid": int(t.getUniqueID()), "name": str(t.getName()), "outline_level": int(t.getOutlineLevel()),
            "outline_number": str(t.getOutlineNumber()), "start": _date(t.getStart()), "finish": _date(t.getFinish()),
            "percent": float(t.getPercentageComplete().doubleValue()), "summary": bool(t.getSummary()),
            "milestone": bool(t.getMilestone()),
            "manual": str(t.getTaskMode()) == "MANUALLY_SCHEDULED",
            "predecessors": sorted((str(r.getPredecessorTask().getWBS()), str(r.getType())) for r in t.getPredecessors()),
            "resources": [str(a.getResource().getName()) for a in t.getResourceAssignments() if a.getResource()],
            "baseline_start": _date(t.getBaselineStart()), "baseline_finish": _date(t.getBaselineFinish()),
            "parent": str(t.getParentTask().getWBS()) if t.getParentTask() is not None else None,
        }
    calendar = project.getDefaultCalendar()
    exceptions = [(dt.date.fromisoformat(str(e.getFromDate())), dt.date.fromisoformat(str(e.getToDate())),
                   bool(e.getWorking())) for e in calendar.getCalendarExceptions()]
    return {"project": project, "tasks": tasks, "exceptions": exceptions,
            "resources": sorted(str(r.getName()) for r in project.getResources() if r.getName() is not None)}


def schema_order(cls_name: str) -> list[str]:
    """The XML element names of an MSPDI type in the order of its xs:sequence, from MPXJ's JAXB
    classes (generated from Microsoft's schema): org.mpxj.mspdi.schema.<cls_name>."""
    jpype = mpxj()
    from jakarta.xml.bind.annotation import XmlElement, XmlType

    cls = jpype.JClass("java.lang.Class").forName("org.mpxj.mspdi.schema." + cls_name)
    names = []
    for prop in cls.getAnnotation(XmlType).propOrder():
        annotation = cls.getDeclaredField(prop).getAnnotation(XmlElement)
        names.append(str(annotation.name()) if annotation is not None else str(prop))
    return names


def critical_by_mpxj(read: dict, as_of: dt.date, project_start: dt.date) -> tuple[set[str], dt.date]:
    """MPXJ's MicrosoftScheduler on the open tasks read back from the file.

    xlflow projects each open task to finish no earlier than its due date (nor than as_of when it
    is late) and no earlier than its latest open predecessor's finish plus its own working days.
    The same network for CPM: each open task auto-scheduled with its duration from the file, a
    "finish no earlier than" constraint on max(finish, as_of), finish-to-start links between open
    tasks, on the calendar read back from the file. Returns the tasks MPXJ marks critical (total
    slack 0) and the project's finish.
    """
    mpxj()
    from java.time import LocalDateTime, LocalTime
    from org.mpxj import (
        ConstraintType,
        Duration,
        LocalTimeRange,
        ProjectFile,
        Relation,
        RelationType,
        TaskMode,
        TimeUnit,
    )
    from org.mpxj.cpm import MicrosoftScheduler

    src = read["project"]
    out = ProjectFile()
    cal = out.addDefaultBaseCalendar()
    for e in src.getDefaultCalendar().getCalendarExceptions():
        made = cal.addCalendarException(e.getFromDate(), e.getToDate())
        if e.getWorking():
            made.add(LocalTimeRange(LocalTime.of(8, 0), LocalTime.of(12, 0)))
            made.add(LocalTimeRange(LocalTime.of(13, 0), LocalTime.of(17, 0)))
    out.setDefaultCalendar(cal)
    late = LocalDateTime.of(as_of.year, as_of.month, as_of.day, 17, 0)
    tasks = {}
    for t in src.getTasks():
        if t.getSummary() or t.getMilestone() or t.getFinish() is None or t.getPercentageComplete().doubleValue() >= 100:
            continue
        n = out.addTask()
        n.setName(t.getWBS())
        n.setTaskMode(TaskMode.AUTO_SCHEDULED)
        n.setDuration(t.getDuration())
        n.setActualDuration(Duration.getInstance(0, TimeUnit.DAYS))
        n.setRemainingDuration(t.getDuration())
        n.setConstraintType(ConstraintType.FINISH_NO_EARLIER_THAN)
        n.setConstraintDate(t.getFinish() if t.getFinish().isAfter(late) else late)
        tasks[int(t.getUniqueID())] = (t, n)
    for t, n in tasks.values():
        for r in t.getPredecessors():
            pred = tasks.get(int(r.getPredecessorTask().getUniqueID()))
            if pred is not None:
                n.addPredecessor(Relation.Builder().predecessorTask(pred[1]).type(RelationType.FINISH_START))
    MicrosoftScheduler().schedule(out, LocalDateTime.of(project_start.year, project_start.month, project_start.day, 8, 0))
    critical = {str(t.getName()) for t in out.getTasks() if t.getCritical()}
    finish = max(_date(t.getFinish()) for t in out.getTasks()).date()
    return critical, finish
