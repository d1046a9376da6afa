"""A checked submission as the text a person reads in the terminal."""
from __future__ import annotations

from ..i18n import msg
from .model import Submission


def report_text(sub: Submission, lang: str) -> str:
    """The readable report: a verdict line, then findings grouped by sheet, each with its cell."""
    key = "validate-file-valid" if sub.valid else "validate-file-invalid"
    head = msg(key, lang, path=sub.path, department=sub.department or "?", errors=len(sub.report.errors),
               warnings=len(sub.report.warnings))
    return "\n".join([head, *sub.report.lines(lang)])
