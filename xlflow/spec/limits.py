"""What Excel allows, and what xlflow accepts, written once for the reader, the checks and every writer."""
from __future__ import annotations

import datetime as dt

TEXT_LIMIT = 32_767  # characters in one cell
SERIAL_MAX = 2_958_465  # the serial day number of 9999-12-31
DATE_MIN, DATE_MAX = dt.date(2000, 1, 1), dt.date(2100, 12, 31)  # plausible project dates
# Text Excel would read as a formula when the cell is edited again: written with a quote prefix.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
# Names Windows reserves for devices, in any case and with any extension ("con.xlsx" too): a
# folder or file so named can never exist there, so a config or a name that uses one is not portable.
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                              *(f"LPT{i}" for i in range(1, 10))})


def windows_reserved(name: str) -> bool:
    """True when Windows would take `name` for a device (CON, nul.txt, Com1 .xlsx, LPT9...)."""
    return name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED


def portable_name(name: str) -> str:
    """A file or folder name xlflow makes from user text, valid on Windows too: no trailing dots
    or spaces (Windows strips them, so the name would not be found again), never a device name."""
    name = name.rstrip(". ") or "_"
    return f"_{name}" if windows_reserved(name) else name
