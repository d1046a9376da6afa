"""What Excel allows, and what xlflow accepts, written once for the reader, the checks and every writer."""
from __future__ import annotations

import datetime as dt

TEXT_LIMIT = 32_767  # characters in one cell
SERIAL_MAX = 2_958_465  # the serial day number of 9999-12-31
DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2100, 12, 31)  # plausible project dates
# Text Excel would read as a formula when the cell is edited again: written with a quote prefix.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
