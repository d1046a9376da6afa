"""Excel's number formats and serial dates, as the workbook reader needs them.

The reader once took these four helpers from openpyxl, so every process that reads a workbook
imported a whole spreadsheet library, and numpy with it: half the start-up of a merge's worker
process (Windows starts each afresh). They are small; tests/test_numfmt.py holds them to openpyxl's
answers (every serial day, the built-in formats, thousands of format codes).

- BUILTIN_FORMATS: the code of each built-in number format id (ECMA-376 18.8.30), spelled as
  openpyxl spells them (a cell's number_format is one of these).
- is_date_format(code): whether a format shows a date or time: a d, m, h, y or s in its first
  section that is not quoted text, a [colour] or [locale] group, or escaped (\\d) or a spacer (_d).
- from_serial(serial, epoch): a serial day (>= 1) as a datetime, to the millisecond. In the 1900
  date system Excel counts a 29 February 1900 that never was: the days before 1 March are one more.
- unescape(text): OOXML's _xHHHH_ escapes in text as the characters they stand for.
"""
from __future__ import annotations

import datetime as dt
import re

EPOCH_1900 = dt.datetime(1899, 12, 30)  # the 1900 date system's day 0, counting its phantom leap day
EPOCH_1904 = dt.datetime(1904, 1, 1)

BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)', 6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)', 8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
    14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM",
    20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)", 38: "#,##0_);[Red](#,##0)", 39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',  # (sic: openpyxl's, without the ;)
    45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}

# Quoted text, and a bracketed group other than elapsed hours, minutes or seconds ([h], [mm], [ss]).
_NOT_DATE_PARTS = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_LETTER = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
_SECONDS_A_DAY = 86400


def is_date_format(code: str | None) -> bool:
    if code is None:
        return False
    first = _NOT_DATE_PARTS.sub("", code.split(";")[0])
    return _DATE_LETTER.search(first) is not None


def from_serial(serial: float, epoch: dt.datetime) -> dt.datetime:
    day, fraction = divmod(serial, 1)
    time = dt.timedelta(milliseconds=round(fraction * _SECONDS_A_DAY * 1000))
    if 0 < serial < 60 and epoch == EPOCH_1900:
        day += 1
    return epoch + dt.timedelta(days=day) + time


def unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
