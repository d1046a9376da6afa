"""Plain xlsxwriter workbooks for the department forms, and the cell names the writers need.

The writers above this package build sheets through the objects returned here and never
import xlsxwriter themselves. Strings are never turned into formulas, links or numbers:
department text that starts with "=" stays text in every output.
"""
from __future__ import annotations

from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

SAFE_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def new_workbook(path: Path | str) -> xlsxwriter.Workbook:
    return xlsxwriter.Workbook(str(path), SAFE_OPTIONS)


def col_name(col: int) -> str:
    """0-based column index -> "A", "B", … "AA"."""
    return xl_col_to_name(col)


def cell_name(row: int, col: int, row_abs: bool = False, col_abs: bool = False) -> str:
    """0-based row and column -> "B3" ("B$3" with row_abs)."""
    return xl_rowcol_to_cell(row, col, row_abs=row_abs, col_abs=col_abs)
