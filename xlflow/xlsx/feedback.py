"""The feedback copy: the submitter's own workbook with every finding's cell highlighted and
commented, and a first sheet "校验结果 Validation" listing the findings with links to the cells.

Departments fix and resubmit this copy, so it must stay a complete, working form: it is loaded
and saved by openpyxl (which keeps data validations that use defined names, sheet protection,
tables, defined names and the hidden lists sheet), the findings sheet is skipped by the reader,
and the copy is stamped xlflow_kind = "feedback-copy". The original is only read, never written.
Every text that came from the department is written as a typed string, never as a formula.

What xlflow changed (each marked cell's own fill and comment, the stamp, the active sheet) is
recorded in hidden columns of the findings sheet: cell text survives Excel, WPS and LibreOffice
re-saves, where custom properties do not always. clean_copy uses it to give back the department's
workbook without xlflow's marks once a fixed copy comes back.
"""
from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.fills import Fill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.xml.functions import fromstring, tostring

from ..findings import Finding, Report
from ..i18n import msg
from ..spec import layout
from ..spec.limits import FORMULA_START, TEXT_LIMIT
from .package import MAX_FILE_BYTES, check_package
from .read import WHOLE_PARSE_BYTES, _all, _Parts, parse_ref, read_properties

if not openpyxl.DEFUSEDXML:  # pragma: no cover - environment guard: we load untrusted files here
    raise ImportError("openpyxl is not using defusedxml; refusing to open workbooks")

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
XLFLOW_FILLS = {ERROR_FILL.fgColor.rgb[-6:], WARNING_FILL.fgColor.rgb[-6:]}
KIND_COPY, KIND_WORKBOOK = "feedback-copy", "department-workbook"
# The record: hidden columns J:P of the findings sheet. Row 1 holds the mark, the original stamp and
# active sheet; each row below, one marked cell: sheet, cell, fill, had comment, author, text, added.
RECORD_COL, RECORD_WIDTH, RECORD_MARK = 10, 7, "xlflow-record/1"
NO_FILL = "none"


def _open(source: Path):
    """The workbook, opened the one guarded way (size and zip limits, defusedxml, no external
    links); None for anything that cannot be opened safely."""
    path = Path(source)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_package(zf, path.name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), keep_links=False)
    except MemoryError:
        raise  # the bounded child (bounded.py) reports it as over its memory limit
    except Exception:  # noqa: BLE001 - untrusted input: unreadable means no copy
        return None


def is_feedback_copy(source: Path) -> bool:
    """Whether `source` carries xlflow's findings sheet or feedback stamp, read from its workbook and
    properties parts only (no openpyxl): only such a file needs clean_copy."""
    path = Path(source)
    try:
        if read_properties(path).get(layout.PROP_KIND) == KIND_COPY:
            return True
        with zipfile.ZipFile(path) as zf:
            check_package(zf, path.name)
            if zf.getinfo("xl/workbook.xml").file_size > WHOLE_PARSE_BYTES:
                return True  # odd enough to leave to the bounded clean_copy
            names = (el.get("name") for el in _all(_Parts(zf, path.name).xml("xl/workbook.xml"), "sheet"))
            return layout.FEEDBACK_SHEET in names
    except Exception:  # noqa: BLE001 - untrusted input: not a copy we can clean
        return False


def annotated_copy(source: Path, report: Report, out_path: Path, lang: str) -> Path | None:
    """Write the annotated copy of `source` to `out_path` (the caller makes it atomic); None when
    the file cannot be opened as a workbook at all (then the findings alone are the feedback)."""
    wb = _open(source)
    if wb is None:  # an unreadable original simply has no annotated copy
        return None
    _unmark(wb)  # a resubmitted feedback copy: start afresh from the department's own workbook
    head = (_kind(wb) or "", wb.active.title if wb.active is not None else "")
    originals: dict[tuple[str, str], list] = {}
    for finding in report.findings:
        cell = _target(wb, finding)
        if cell is None:
            continue
        originals.setdefault((cell.parent.title, cell.coordinate), _original(cell))
        _mark_cell(cell, finding, lang)
    _findings_sheet(wb, Path(source).name, report, lang)
    _write_record(wb, head, originals)
    _stamp(wb, KIND_COPY)
    wb.save(out_path)
    return Path(out_path)


def _target(wb, finding: Finding):
    """The cell a finding points at, when it is a real one that can be marked."""
    if not finding.sheet or not finding.cell or finding.sheet not in wb.sheetnames:
        return None
    pos = parse_ref(finding.cell.split(":")[0])
    if pos is None:
        return None
    cell = wb[finding.sheet].cell(*pos)
    return None if type(cell).__name__ == "MergedCell" else cell


def _mark_cell(cell, finding: Finding, lang: str) -> None:
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
    for col, (key, width) in enumerate(zip(columns, widths, strict=True), start=1):
        head = _text(ws.cell(5, col), msg(f"feedback-col-{key}", lang))
        head.font, head.fill = Font(bold=True), HEADER_FILL
        ws.column_dimensions[head.column_letter].width = width
    ordered = sorted(report.findings, key=lambda f: not f.is_error)  # errors first, each group in reading order
    for row, f in enumerate(ordered, start=6):
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


def _kind(wb) -> str | None:
    return next((str(p.value) for p in wb.custom_doc_props if p.name == layout.PROP_KIND), None)


def _stamp(wb, kind: str | None) -> None:
    """Set xlflow_kind to `kind`; None removes it (a workbook that had no stamp gets none back)."""
    props = wb.custom_doc_props
    for prop in list(props):
        if prop.name == layout.PROP_KIND:
            props.props.remove(prop)
    if kind:
        props.append(StringProperty(name=layout.PROP_KIND, value=kind))



# -- the record of what xlflow changed, and undoing it -------------------------------------------
def _original(cell) -> list[str]:
    """What a cell looked like before xlflow marked it: fill (OOXML, or "none"), had a comment, its author and text."""
    fill = NO_FILL if cell.fill is None or cell.fill == PatternFill() else tostring(cell.fill.to_tree()).decode()
    comment = cell.comment
    return [fill, "1" if comment else "", comment.author or "" if comment else "", comment.text or "" if comment else ""]


def _write_record(wb, head: tuple[str, str], originals: dict[tuple[str, str], list]) -> None:
    ws = wb[layout.FEEDBACK_SHEET]
    for col, value in enumerate((RECORD_MARK, *head), start=RECORD_COL):
        if value:
            _text(ws.cell(1, col), value)
    for row, ((sheet, coord), (fill, had, author, text)) in enumerate(originals.items(), start=2):
        comment = wb[sheet][coord].comment
        written = comment.text if comment else ""
        # the copy appends to an existing comment: what xlflow added is what follows the original text
        added = written[len(text) + 1:] if had and written.startswith(text + "\n") else "" if had else written
        for col, value in enumerate((sheet, coord, fill, had, author, text, added), start=RECORD_COL):
            if value:  # an empty cell reads back as "" (an empty inline string is no valid cell for Excel)
                _text(ws.cell(row, col), value)
    for col in range(RECORD_COL, RECORD_COL + RECORD_WIDTH):
        ws.column_dimensions[ws.cell(1, col).column_letter].hidden = True


def _read_record(ws) -> tuple[tuple[str, str], list[list[str]]] | None:
    def row_values(row: int, width: int) -> list[str]:
        return ["" if (v := ws.cell(row, col).value) is None else str(v) for col in range(RECORD_COL, RECORD_COL + width)]

    mark, kind, active = row_values(1, 3)
    if mark != RECORD_MARK:
        return None
    entries = [row_values(row, RECORD_WIDTH) for row in range(2, ws.max_row + 1)]
    return (kind, active), [e for e in entries if e[0] and e[1]]


def _unmark(wb) -> bool:
    """Undo xlflow's marks in place (findings sheet, fills, comments, stamp, active sheet); False
    when `wb` is no feedback copy. A copy without a record (made before there was one) only loses
    the findings sheet and the stamp."""
    if layout.FEEDBACK_SHEET not in wb.sheetnames and _kind(wb) != KIND_COPY:
        return False
    kind, active = KIND_WORKBOOK, ""
    if layout.FEEDBACK_SHEET in wb.sheetnames:
        record = _read_record(wb[layout.FEEDBACK_SHEET])
        if record is not None:
            (kind, active), entries = record
            for entry in entries:
                _restore(wb, entry)
        del wb[layout.FEEDBACK_SHEET]
    _stamp(wb, KIND_WORKBOOK if kind == KIND_COPY else kind or None)
    _activate(wb, active)
    return True


def _restore(wb, entry: list[str]) -> None:
    """One cell back as it was, unless the user changed the mark themselves (then theirs stays)."""
    sheet, coord, fill, had, author, text, added = entry
    pos = parse_ref(coord)
    if sheet not in wb.sheetnames or pos is None:
        return
    cell = wb[sheet].cell(*pos)
    if type(cell).__name__ == "MergedCell":
        return
    if _is_xlflow_fill(cell.fill) and (restored := _parse_fill(fill)) is not None:
        cell.fill = restored
    cell.comment = _restored_comment(cell.comment, Comment(text, author) if had else None, added)


def _is_xlflow_fill(fill) -> bool:
    colour = getattr(fill, "fgColor", None)
    return (getattr(fill, "patternType", None) == "solid" and colour is not None and colour.type == "rgb"
            and str(colour.rgb)[-6:].upper() in XLFLOW_FILLS)


def _parse_fill(xml: str):
    if xml == NO_FILL:
        return PatternFill()
    try:
        return Fill.from_tree(fromstring(xml)) if xml.startswith("<fill") else None
    except Exception:  # noqa: BLE001 - a damaged record leaves the cell as it is
        return None


def _restored_comment(current, original, added: str):
    """The comment without what xlflow added; a comment the user rewrote is kept as they left it."""
    if current is None:
        return None  # the user deleted it
    cur, extra = _norm(current.text), _norm(added)
    before = _norm(original.text) if original else ""
    if not extra:  # xlflow only took over an existing comment whose text already said it
        return original if original and cur == before else current
    if cur in (extra, _norm(f"{before}\n{extra}")):
        return original
    if extra not in cur:
        return current
    rest = _norm(cur.replace(extra, ""))
    if original and rest == before:
        return original
    return Comment(rest, original.author if original else current.author) if rest else None


def _norm(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _activate(wb, title: str) -> None:
    visible = [i for i, s in enumerate(wb.worksheets) if s.sheet_state == "visible"] or [0]
    index = wb.sheetnames.index(title) if title in wb.sheetnames else visible[0]
    wb.active = index
    for i, sheet in enumerate(wb.worksheets):
        sheet.sheet_view.tabSelected = i == index


def clean_copy(source: Path, out_path: Path) -> bool:
    """Write `source` to `out_path` without anything xlflow added when it is a feedback copy (the
    findings sheet or the stamp): a fixed copy that comes back is stored as the department's own
    workbook. False, and nothing written, for any other file, or one that cannot be opened safely."""
    wb = _open(source)
    if wb is None or not _unmark(wb):
        return False
    try:
        wb.save(out_path)
    except Exception:  # noqa: BLE001 - no half-written clean copy: the caller keeps the original
        Path(out_path).unlink(missing_ok=True)
        return False
    return True
