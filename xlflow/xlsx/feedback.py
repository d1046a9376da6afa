"""The feedback copy: the submitter's own workbook with every finding's cell highlighted and
commented, and a first sheet "校验结果 Validation" listing the findings with links to the cells.

Departments fix and resubmit this copy, so it must stay a complete, working form: it is loaded
and saved by openpyxl (which keeps data validations that use defined names, sheet protection,
tables, defined names and the hidden lists sheet), the findings sheet is skipped by the reader,
and the copy is stamped xlflow_kind = "feedback-copy". The original is only read, never written.
Every text that came from the department is written as a typed string, never as a formula.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from ..findings import Finding, Report
from ..i18n import msg
from ..spec import layout
from ..spec.limits import FORMULA_START, TEXT_LIMIT
from .read import parse_ref

if not openpyxl.DEFUSEDXML:  # pragma: no cover - environment guard: we load untrusted files here
    raise ImportError("openpyxl is not using defusedxml; refusing to open workbooks")

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")


def annotated_copy(source: Path, report: Report, out_path: Path, lang: str) -> Path | None:
    """Write the annotated copy of `source` to `out_path` (the caller makes it atomic); None when
    the file cannot be opened as a workbook at all (then the findings alone are the feedback)."""
    try:
        data = Path(source).read_bytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), keep_links=False)
    except Exception:  # noqa: BLE001 - an unreadable original simply has no annotated copy
        return None
    if layout.FEEDBACK_SHEET in wb.sheetnames:  # a resubmitted feedback copy: start afresh
        del wb[layout.FEEDBACK_SHEET]
    for finding in report.findings:
        _mark_cell(wb, finding, lang)
    _findings_sheet(wb, Path(source).name, report, lang)
    _stamp(wb)
    wb.save(out_path)
    return Path(out_path)


def _mark_cell(wb, finding: Finding, lang: str) -> None:
    if not finding.sheet or not finding.cell or finding.sheet not in wb.sheetnames:
        return
    pos = parse_ref(finding.cell.split(":")[0])
    if pos is None:
        return
    ws = wb[finding.sheet]
    cell = ws.cell(*pos)
    if type(cell).__name__ == "MergedCell":
        return
    if finding.is_error or cell.fill is None or cell.fill.fgColor.rgb != "00" + ERROR_FILL.fgColor.rgb[-6:]:
        cell.fill = ERROR_FILL if finding.is_error else WARNING_FILL
    text = _clean(f"[{finding.code}] {finding.message(lang)}")
    if cell.comment is not None and text not in cell.comment.text:
        text = _clean(f"{cell.comment.text}\n{text}")
    comment = Comment(text, "xlflow")
    comment.width, comment.height = 320, 140
    cell.comment = comment


def _findings_sheet(wb, file_name: str, report: Report, lang: str) -> None:
    ws = wb.create_sheet(layout.FEEDBACK_SHEET, 0)
    wb.active = 0
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False
    ws.sheet_properties.tabColor = "C00000" if not report.valid else "00B050"
    errors, warns = len(report.errors), len(report.warnings)
    _text(ws.cell(1, 1), msg("feedback-title", lang, file=file_name)).font = Font(bold=True, size=14)
    ws.row_dimensions[1].height = 24  # a 14-point title needs a taller row, or it is clipped at the top
    verdict = (msg("feedback-verdict-valid", lang, warnings=warns) if report.valid
               else msg("feedback-verdict-invalid", lang, errors=errors, warnings=warns))
    _text(ws.cell(2, 1), verdict).font = Font(bold=True, color="C00000" if not report.valid else "00B050")
    _text(ws.cell(3, 1), msg("feedback-note", lang)).font = Font(italic=True, color="7F7F7F")
    columns = ("severity", "sheet", "cell", "field", "value", "message", "code")
    widths = (8, 16, 10, 16, 24, 80, 18)
    for col, (key, width) in enumerate(zip(columns, widths), start=1):
        head = _text(ws.cell(5, col), msg(f"feedback-col-{key}", lang))
        head.font, head.fill = Font(bold=True), HEADER_FILL
        ws.column_dimensions[head.column_letter].width = width
    for row, f in enumerate(report.findings, start=6):
        values = (msg(f"feedback-severity-{f.severity}", lang), f.sheet or "", f.cell or "", f.field or "",
                  "" if f.value is None else str(f.value), f.message(lang), f.code)
        for col, value in enumerate(values, start=1):
            _text(ws.cell(row, col), value).alignment = Alignment(wrap_text=col == 6, vertical="top")
        ws.cell(row, 1).fill = ERROR_FILL if f.is_error else WARNING_FILL
        width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in values[5])  # CJK takes two units
        ws.row_dimensions[row].height = 15 * max(1, -(-width // 76))
        if f.sheet and f.cell and f.sheet in wb.sheetnames:
            link = ws.cell(row, 3)
            target = f.cell.split(":")[0]
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{f.sheet.replace(chr(39), chr(39) * 2)}'!{target}")
            link.font = Font(color="0563C1", underline="single")
    ws.freeze_panes = "A6"


def _text(cell, value: str):
    """Department text as a typed string: never a formula, never a link (formula-start guarded)."""
    value = _clean(value)
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def _clean(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub(" ", text)[:TEXT_LIMIT]


def _stamp(wb) -> None:
    props = wb.custom_doc_props
    for prop in list(props):
        if prop.name == layout.PROP_KIND:
            props.props.remove(prop)
    props.append(StringProperty(name=layout.PROP_KIND, value="feedback-copy"))
