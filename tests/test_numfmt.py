"""The reader's own Excel rules (xlsx/numfmt.py) give openpyxl's answers, which it once took from
openpyxl: every serial day in both date systems, times of day, the built-in formats, thousands of
format codes and the _xHHHH_ escapes. A reader that imports no spreadsheet library reads every cell
as before."""
from __future__ import annotations

import random
import subprocess
import sys

from openpyxl.styles.numbers import BUILTIN_FORMATS as OPENPYXL_FORMATS, is_date_format as openpyxl_is_date
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel
from openpyxl.utils.escape import unescape as openpyxl_unescape

from xlflow.spec.limits import SERIAL_MAX
from xlflow.xlsx.numfmt import BUILTIN_FORMATS, EPOCH_1900, EPOCH_1904, from_serial, is_date_format, unescape


def test_built_in_formats_and_epochs_are_openpyxls():
    assert BUILTIN_FORMATS == OPENPYXL_FORMATS
    assert (EPOCH_1900, EPOCH_1904) == (WINDOWS_EPOCH, MAC_EPOCH)


def _outcome(convert, *args) -> object:
    """The datetime, or the error (a serial past 9999-12-31 in the 1904 system: the reader says why)."""
    try:
        return convert(*args)
    except OverflowError as exc:
        return f"{type(exc).__name__}: {exc}"


def test_every_serial_day_and_times_of_day_read_as_openpyxl_reads_them():
    for ours, theirs in ((EPOCH_1900, WINDOWS_EPOCH), (EPOCH_1904, MAC_EPOCH)):
        for day in [*range(1, SERIAL_MAX + 1, 7), *range(1, 400), *range(SERIAL_MAX - 1500, SERIAL_MAX + 1)]:
            assert _outcome(from_serial, day, ours) == _outcome(from_excel, day, theirs), day
    rng = random.Random(21)
    fractions = [i / 1440 for i in range(1440)] + [i / 86400 for i in range(0, 86400, 7)]
    fractions += [rng.random() for _ in range(20_000)] + [0.5 / 86_400_000 * k for k in range(1, 2000, 2)]
    for fraction in fractions:
        for day in (1, 59, 60, 61, 45_000, SERIAL_MAX - 1):
            serial = day + fraction
            assert from_serial(serial, EPOCH_1900) == from_excel(serial, WINDOWS_EPOCH), serial
            assert _outcome(from_serial, serial, EPOCH_1904) == _outcome(from_excel, serial, MAC_EPOCH), serial


def test_format_codes_are_dates_exactly_when_openpyxl_says_so():
    codes = [*OPENPYXL_FORMATS.values(), None, "", "yyyy-mm-dd", "yyyy\"年\"m\"月\"d\"日\"", "[$-804]yyyy/m/d",
             "[Red]0.00", "[h]:mm", "[mm]:ss", "[ss].00", "0.00_d", "0\\d", '"days" 0', "mmm;@", "General;[Blue]d",
             "[DBNum1][$-804]yyyy\"年\"m\"月\"", "0%", "#,##0 \"h\"", "[<=9999999]###-####;(###) ###-####"]
    tokens = ['"', "d", "m", "y", "h", "s", "D", "M", "S", "Y", "H", "[", "]", "[h]", "[mm]", "[ss]", "[Red]",
              "[$-409]", "_", "\\", ";", "0", "#", ".", ",", "%", "@", " ", "e", "a", "AM/PM", '"x"', "[s", "年"]
    rng = random.Random(21)
    codes += ["".join(rng.choice(tokens) for _ in range(rng.randint(1, 12))) for _ in range(20_000)]
    for code in codes:
        assert is_date_format(code) == openpyxl_is_date(code), code


def test_escapes_unescape_as_openpyxl_does():
    for text in ["plain", "_x000a_", "a_x000D__x000a_b", "_x005F_x0041_", "_x00e9_", "_xZZZZ_", "_x12_", "_X000A_",
                 "x_x4E2D__x6587_y", "__x0041__"]:
        assert unescape(text) == openpyxl_unescape(text), text


def test_reading_and_checking_a_workbook_imports_no_spreadsheet_library():
    code = ("import sys; import xlflow.check.pool, xlflow.check.validate, xlflow.xlsx.read; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('openpyxl', 'numpy', 'xlsxwriter')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
