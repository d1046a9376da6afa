"""The public face of the checks: filled workbook + form specs → Submission.

workbook.py reads a file and finds its forms and department, form.py reads each form's
sheet (cells by their field types, spec/fields.py), rules.py holds the cross-field rules,
report.py renders the result. Callers import from here.
"""
from __future__ import annotations

from .report import report_text
from .workbook import check_file, check_workbook, task_rows

__all__ = ["check_file", "check_workbook", "report_text", "task_rows"]
