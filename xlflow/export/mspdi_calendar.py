"""The project calendar of an MS Project XML file: a standard week (Monday to Friday, 08:00–12:00
and 13:00–17:00) and one exception per run of days the workspace's calendar judges otherwise —
public holidays on weekdays, make-up working days (调休) on weekends, the [calendar] lists.

Element order follows the schema's sequences (Calendar: UID, Name, IsBaseCalendar, WeekDays,
Exceptions; Exception: TimePeriod, Occurrences, Name, Type, DayWorking, WorkingTimes).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from xml.etree.ElementTree import Element, SubElement

from ..workdays import WorkCalendar

CALENDAR_UID = 1
DAY_START, DAY_END = dt.time(8), dt.time(17)
HOURS_PER_DAY = 8
WORKING_TIMES = ((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17)))


def add(parent: Element, tag: str, value: object = None) -> Element:
    """A child element; a value becomes its text (booleans as 1/0)."""
    child = SubElement(parent, tag)
    if value is not None:
        child.text = str(int(value)) if isinstance(value, bool) else str(value)
    return child


@lru_cache(maxsize=8192)  # a plan's dates repeat: 50,000 tasks use a few hundred days
def moment(day: dt.date, at: dt.time) -> str:
    return dt.datetime.combine(day, at).isoformat(timespec="seconds")


def _working_times(parent: Element) -> None:
    times = add(parent, "WorkingTimes")
    for start, end in WORKING_TIMES:
        wt = add(times, "WorkingTime")
        add(wt, "FromTime", start.isoformat(timespec="seconds"))
        add(wt, "ToTime", end.isoformat(timespec="seconds"))


def _weekdays(parent: Element, cal: WorkCalendar) -> None:
    days = add(parent, "WeekDays")
    for day_type in range(1, 8):  # MSPDI: 1 = Sunday … 7 = Saturday
        python_weekday = (day_type - 2) % 7  # Monday = 0
        working = python_weekday not in cal.weekend
        day = add(days, "WeekDay")
        add(day, "DayType", day_type)
        add(day, "DayWorking", working)
        if working:
            _working_times(day)


def exception_runs(cal: WorkCalendar, first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date, bool]]:
    """(from, to, working) for each run of consecutive days in [first, last] whose working state
    differs from the plain weekend rule, merged while the state stays the same."""
    runs: list[tuple[dt.date, dt.date, bool]] = []
    day = first
    while day <= last:
        working = cal.is_workday(day)
        if working == (day.weekday() in cal.weekend):  # differs from the weekend rule
            if runs and runs[-1][1] == day - dt.timedelta(days=1) and runs[-1][2] == working:
                runs[-1] = (runs[-1][0], day, working)
            else:
                runs.append((day, day, working))
        day += dt.timedelta(days=1)
    return runs


def _exceptions(parent: Element, cal: WorkCalendar, first: dt.date, last: dt.date, names: tuple[str, str]) -> None:
    runs = exception_runs(cal, first, last)
    if not runs:
        return
    block = add(parent, "Exceptions")
    for start, end, working in runs:
        ex = add(block, "Exception")
        period = add(ex, "TimePeriod")
        add(period, "FromDate", moment(start, dt.time(0)))
        add(period, "ToDate", moment(end, dt.time(23, 59)))
        add(ex, "Occurrences", 1)
        add(ex, "Name", names[1] if working else names[0])
        add(ex, "Type", 1)  # daily
        add(ex, "DayWorking", working)
        if working:
            _working_times(ex)


def calendars(
    parent: Element, cal: WorkCalendar, first: dt.date, last: dt.date, name: str, exception_names: tuple[str, str]
) -> None:
    """The Calendars element with the project's one base calendar; `exception_names` are the
    names of a day off and of a make-up working day, in the workspace's language."""
    block = add(parent, "Calendars")
    calendar = add(block, "Calendar")
    add(calendar, "UID", CALENDAR_UID)
    add(calendar, "Name", name)
    add(calendar, "IsBaseCalendar", True)
    add(calendar, "BaseCalendarUID", -1)
    _weekdays(calendar, cal)
    _exceptions(calendar, cal, first, last, exception_names)
