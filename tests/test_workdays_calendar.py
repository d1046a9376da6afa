import datetime as dt

import pytest

from xlflow.config import CalendarSettings
from xlflow.errors import UsageError
from xlflow.workdays import Week, WorkCalendar, parse_week, week_of, week_start

D = dt.date


def test_weekends_only_counts_signed_and_adds():
    cal = WorkCalendar()
    fri, mon = D(2026, 11, 13), D(2026, 11, 16)
    assert not cal.is_workday(D(2026, 11, 14))
    assert cal.between(fri, mon) == 1
    assert cal.between(mon, fri) == -1
    assert cal.between(fri, fri) == 0
    assert cal.add(fri, 1) == mon
    assert cal.add(mon, -1) == fri
    assert cal.add(fri, 5) == D(2026, 11, 20)
    assert cal.span(mon, D(2026, 11, 20)) == 5


def test_china_national_day_2026_and_makeup_workday():
    cal = WorkCalendar.from_settings(CalendarSettings(china=True))
    assert not cal.is_workday(D(2026, 10, 1))  # Thursday, National Day
    assert not cal.is_workday(D(2026, 10, 7))
    assert cal.is_workday(D(2026, 10, 10))  # Saturday, make-up working day (调休)
    assert cal.is_workday(D(2026, 9, 20))  # Sunday, make-up working day
    # due the day before the holiday, seen on Friday 9 October: 2 working days late, not 9
    assert cal.between(D(2026, 9, 30), D(2026, 10, 9)) == 2
    assert cal.add(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert cal.add(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert cal.span(D(2026, 10, 1), D(2026, 10, 10)) == 3  # 8th, 9th and the Saturday 10th


def test_config_overrides_win_over_the_chinese_calendar():
    cal = WorkCalendar(holidays=[D(2026, 11, 18)], workdays=[D(2026, 10, 3)], china=True)
    assert not cal.is_workday(D(2026, 11, 18))
    assert cal.is_workday(D(2026, 10, 3))
    assert cal.between(D(2026, 11, 17), D(2026, 11, 19)) == 1


def test_years_outside_the_chinese_data_fall_back_to_weekends():
    cal = WorkCalendar(china=True)
    first, last = cal.china_years
    beyond = D(last + 3, 1, 5)  # data ends; no exception, plain weekends
    monday = beyond - dt.timedelta(days=beyond.weekday())
    assert cal.between(monday, monday + dt.timedelta(days=7)) == 5
    assert cal.is_workday(monday)
    assert not cal.is_workday(monday + dt.timedelta(days=5))


def test_no_chinese_holidays_unless_asked():
    assert WorkCalendar(china=False).is_workday(D(2026, 10, 1))


def test_week_start():
    assert week_start(D(2026, 11, 20), 0) == D(2026, 11, 16)
    assert week_start(D(2026, 11, 16), 0) == D(2026, 11, 16)
    assert week_start(D(2026, 11, 20), 6) == D(2026, 11, 15)  # weeks starting on Sunday


def test_weeks_start_on_the_workspaces_first_weekday_and_take_the_iso_number():
    w = week_of(D(2026, 11, 20))
    assert w == Week(D(2026, 11, 16), D(2026, 11, 22), 2026, 47) and w.label == "2026-W47"
    assert week_of(D(2026, 11, 16)) == week_of(D(2026, 11, 22)) == parse_week("2026-W47") == parse_week("2026w47")
    assert week_of(D(2026, 1, 1)).label == "2026-W01" and week_of(D(2026, 1, 1)).start == D(2025, 12, 29)
    assert week_of(D(2026, 11, 20)).start == week_start(D(2026, 11, 20), 0)
    sunday = week_of(D(2026, 11, 20), first_weekday=6)
    assert (sunday.start, sunday.end, sunday.number) == (D(2026, 11, 15), D(2026, 11, 21), 47)
    assert parse_week("2026-W47", 6) == sunday and parse_week(" 2026-w47 ", 6) == sunday
    for bad in ("2026-47", "W47", "2026-W54", "next week"):
        with pytest.raises(UsageError) as err:
            parse_week(bad)
        assert err.value.key == "summary-bad-week"


def test_a_week_contains_its_days_and_moments():
    w = week_of(D(2026, 11, 20))
    assert w.contains(D(2026, 11, 16)) and w.contains(D(2026, 11, 22))
    assert not w.contains(D(2026, 11, 15)) and not w.contains(D(2026, 11, 23))
    assert w.contains(dt.datetime(2026, 11, 22, 23, 59)) and not w.contains(dt.datetime(2026, 11, 23, 0, 0))
