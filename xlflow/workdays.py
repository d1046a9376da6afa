"""Working days: weekends, the workspace's holidays and make-up days, and mainland China's calendar.

Health, "days late" and the critical path count working days, not calendar days:
a task due the Friday before the National Day week is not 9 days late on the
following Friday. Counts go through a cumulative table built once per range,
so 50,000 tasks cost 50,000 look-ups, not 50,000 walks over the calendar.

The reporting week lives here too (`week_start`, `week_of`, `parse_week`): a workspace's week
starts on its own first weekday ([project] week_start) and takes the ISO number of its fourth
day, so the brief, the reminders, the status and the plan agree on "this week".
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from dataclasses import dataclass

from .config import CalendarSettings
from .errors import UsageError

WEEKEND = (5, 6)  # Saturday, Sunday
_DAY = dt.timedelta(days=1)


def _china_days() -> tuple[dict[dt.date, object], dict[dt.date, object], tuple[int, int]]:
    """The holiday and make-up-workday tables of `chinesecalendar`, and the years they cover.

    Outside those years the package raises; there we fall back to weekends plus the config.
    """
    try:
        from chinese_calendar import constants
    except ImportError:  # the package is a dependency, but a workspace must not die without it
        return {}, {}, (0, -1)
    years = [d.year for d in constants.holidays] + [d.year for d in constants.workdays]
    return constants.holidays, constants.workdays, (min(years), max(years))


class WorkCalendar:
    """Which days are working days, and how many lie between two dates."""

    def __init__(self, holidays=(), workdays=(), china: bool = False, weekend: tuple[int, ...] = WEEKEND) -> None:
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)  # make-up working days on a weekend (调休)
        self.weekend = frozenset(weekend)
        self.china = china
        if china:
            self._cn_holidays, self._cn_workdays, self._cn_years = _china_days()
        else:
            self._cn_holidays, self._cn_workdays, self._cn_years = {}, {}, (0, -1)
        self._base = 0  # ordinal of the first day in the cumulative table
        self._cum: list[int] = []  # _cum[i] = working days in [base, base + i]

    @classmethod
    def from_settings(cls, settings: CalendarSettings) -> WorkCalendar:
        return cls(settings.holidays, settings.workdays, settings.china)

    @property
    def china_years(self) -> tuple[int, int] | None:
        """The years for which the Chinese public-holiday data is known, if the calendar uses it."""
        return self._cn_years if self.china and self._cn_years[0] <= self._cn_years[1] else None

    def is_workday(self, day: dt.date) -> bool:
        """The config wins over the Chinese calendar, which wins over the plain weekend rule."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if self.china and self._cn_years[0] <= day.year <= self._cn_years[1]:
            if day in self._cn_workdays:
                return True
            if day in self._cn_holidays:
                return False
        return day.weekday() not in self.weekend

    def _ensure(self, first: int, last: int) -> None:
        """Grow the cumulative table to cover ordinals first..last, with a year of margin."""
        if self._cum and self._base <= first and last < self._base + len(self._cum):
            return
        lo = min(first, self._base) if self._cum else first
        hi = max(last, self._base + len(self._cum) - 1) if self._cum else last
        lo, hi = lo - 366, hi + 366
        cum, total = [], 0
        for ordinal in range(lo, hi + 1):
            total += self.is_workday(dt.date.fromordinal(ordinal))
            cum.append(total)
        self._base, self._cum = lo, cum

    def _count_to(self, ordinal: int) -> int:
        return self._cum[ordinal - self._base]

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is earlier.

        between(due, as_of) is how many working days a task is late; between(as_of, due)
        how many remain. Friday -> next Monday is 1.
        """
        a, b = start.toordinal(), end.toordinal()
        base, cum = self._base, self._cum
        if not (0 <= a - base < len(cum) and 0 <= b - base < len(cum)):  # called per task: no calls when covered
            self._ensure(min(a, b), max(a, b))
            base, cum = self._base, self._cum
        return cum[b - base] - cum[a - base]

    def span(self, start: dt.date, end: dt.date) -> int:
        """Working days in [start, end], both included: a task's duration."""
        if end < start:
            return 0
        return self.between(start - _DAY, end)  # (a timedelta made per call cost more than the rest)

    def add(self, day: dt.date, n: int) -> dt.date:
        """The working day n working days after `day` (before it for negative n); n == 0 returns `day`.

        The cumulative count rises by one exactly on working days, so the answer is the first
        index where it reaches the target count.
        """
        if n == 0:
            return day
        o = day.toordinal()
        reach = abs(n) * 2 + 30
        while True:
            self._ensure(o - reach, o + reach)
            target = self._count_to(o) + n if n > 0 else self._count_to(o - 1) + n + 1
            i = bisect_left(self._cum, target)
            if 0 < i < len(self._cum) - 1 and self._cum[i] == target:
                return dt.date.fromordinal(self._base + i)
            if reach > 40_000:  # more than a century without a working day: the calendar is wrong
                raise ValueError("no working days in the calendar")
            reach *= 2


def week_start(day: dt.date, first_weekday: int) -> dt.date:
    """The first day of the week containing `day` (first_weekday 0 = Monday)."""
    return day - dt.timedelta(days=(day.weekday() - first_weekday) % 7)


@dataclass(frozen=True)
class Week:
    """Seven days from the workspace's first weekday, numbered like the ISO week they mostly cover."""

    start: dt.date
    end: dt.date
    year: int
    number: int

    @property
    def label(self) -> str:
        """"2026-W47": the week in file names and in schedule marks."""
        return f"{self.year}-W{self.number:02d}"

    def contains(self, moment: dt.date | dt.datetime) -> bool:
        """Whether a day (or the day of a moment, in its own wall time) falls in the week."""
        day = moment.date() if isinstance(moment, dt.datetime) else moment
        return self.start <= day <= self.end


def week_of(day: dt.date, first_weekday: int = 0) -> Week:
    """The week (starting on `first_weekday`, 0 = Monday) that holds `day`."""
    start = week_start(day, first_weekday)
    year, number, _ = (start + dt.timedelta(days=3)).isocalendar()
    return Week(start, start + dt.timedelta(days=6), year, number)


def parse_week(text: str, first_weekday: int = 0) -> Week:
    """'2026-W47' (or '2026W47', '2026-w47') -> that week; anything else is a UsageError."""
    cleaned = text.strip().upper().replace(" ", "")
    try:
        year, _, number = cleaned.replace("-W", "W").partition("W")
        monday = dt.date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise UsageError("summary-bad-week", value=text) from None
    return week_of(monday - dt.timedelta(days=(0 - first_weekday) % 7), first_weekday)


def as_date(value: object) -> dt.date | None:
    """A date from a cell or a stored record: a date, a datetime's day, an ISO text's; else None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def day_text(value: object) -> str:
    """A day as the reports print it: ISO, or "—" when there is none."""
    return value.isoformat() if isinstance(value, dt.date) else "—"
