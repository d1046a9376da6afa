"""Whose workbook is this? One rule, for the check and for the intake.

A generated workbook says its department and project three times: in custom document
properties, in workbook-scoped defined names, and in the header line under each form's title
("项目：…（NPL-2026）｜部门：研发部（RD）｜…"). `identify` reads them in this order:

1. the custom document property: written once by generate, invisible in the sheets, kept by
   Excel, WPS and LibreOffice on every save, and never carried along when sheets are copied;
2. the defined name: also kept on save, but editable in the Name Manager and copied with a
   sheet ("Move or Copy" into another workbook), so it can arrive from a different file;
3. the header line of the form sheets: plain text anyone can retype, but the only witness
   left when the sheets' values were pasted into a new workbook.

The order only says which value is reported. When the sources disagree with each other (for
the department or the project), the file is not trusted: the check rejects it with
"conflicting-stamps" and the intake should not file it under either department. Only a file
without any stamp or header line is named by its file name (`identify_file`, source "file-name").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config import Workspace
from ..errors import UnreadableWorkbook
from ..spec import layout
from ..xlsx.read import RawWorkbook, Sheet, read_workbook

SOURCES = ("property", "defined-name", "header")
HEADER_ROWS = range(1, 6)  # the project line sits in row 2; a row inserted above it is tolerated
_SEGMENT_CODE_RE = re.compile(r"\(\s*([A-Za-z0-9][A-Za-z0-9._\-]*)\s*\)\s*$")


@dataclass(frozen=True)
class Identity:
    """The department and project a workbook says it belongs to, and how sure that is."""

    department: str | None
    project: str | None
    source: str | None  # where the department came from: property | defined-name | header | file-name
    conflicts: tuple[tuple[str, str, str], ...] = ()  # (department|project, source, value) when sources disagree
    trusted: bool = True
    spec_version: str | None = None

    def values(self, what: str, source: str) -> str:
        """The conflicting value(s) of `what` from `source`, "/"-joined, or "-"."""
        found = [v for w, s, v in self.conflicts if w == what and s == source]
        return "/".join(found) if found else "-"


def identify(raw: RawWorkbook, ws: Workspace, located_sheets: Mapping[str, Sheet] | Iterable[Sheet]) -> Identity:
    """The workbook's identity from its property, defined name and the header lines of `located_sheets`."""
    sheets = located_sheets.values() if isinstance(located_sheets, Mapping) else located_sheets
    headers = [h for sheet in sheets if (h := header_line(sheet)) is not None]
    dept = _sourced(ws, _stamp(raw.properties, layout.PROP_DEPARTMENT), _stamp(raw.names, layout.NAME_DEPARTMENT),
                    [d for _, d in headers], department=True)
    project = _sourced(ws, _stamp(raw.properties, layout.PROP_PROJECT), _stamp(raw.names, layout.NAME_PROJECT),
                       [p for p, _ in headers], department=False)
    conflicts = _conflicts("department", dept) + _conflicts("project", project)
    source, code = next(((s, v) for s, v in dept if v is not None), (None, None))
    version = _stamp(raw.properties, layout.PROP_SPEC_VERSION) or _stamp(raw.names, layout.NAME_SPEC_VERSION)
    return Identity(code, next((v for _, v in project if v is not None), None), source, conflicts,
                    trusted=not conflicts, spec_version=version)


def identify_file(path: Path | str, ws: Workspace, file_name: str | None = None) -> Identity:
    """For callers that have not parsed the file (the intake naming its archive copy): the same rule,
    read under the reader's limits (read_workbook: size, zip and row caps); the file name (`file_name`,
    the name it was sent under, else the path's) only when the file carries no stamp and no header."""
    from ..spec.catalog import load_catalog
    from .locate import locate_forms

    path = Path(path)
    try:
        raw = read_workbook(path)
    except UnreadableWorkbook:
        raw = None
    if raw is not None:
        found = identify(raw, ws, locate_forms(raw, load_catalog(), ws))
        if found.source is not None or found.project is not None or found.conflicts:
            return found
    code = department_from_name(file_name or path.name, ws)
    return Identity(code, None, "file-name" if code else None)


def header_line(sheet: Sheet) -> tuple[str, str] | None:
    """(project code, department code) from a form's project line, '项目：…（NPL-2026）｜部门：…（RD）｜周期：…'."""
    for row in HEADER_ROWS:
        text = sheet.value(row, 1)
        if not isinstance(text, str) or ("|" not in text and "｜" not in text):
            continue
        segments = [s.strip() for s in unicodedata.normalize("NFKC", text).split("|")]
        if len(segments) < 2:
            continue
        found = [_SEGMENT_CODE_RE.search(s) for s in segments[:2]]
        if found[0] and found[1]:
            return found[0].group(1), found[1].group(1).upper()
    return None


def department_from_name(file_name: str, ws: Workspace) -> str | None:
    """A department code or name appearing as a word of the file name (e.g. NPL-2026_RD_研发部.xlsx)."""
    for token in re.split(r"[\W_]+", Path(file_name).stem):
        if token and (code := ws.find_department(token)):
            return code
    return None


def _stamp(values: Mapping[str, str], key: str) -> str | None:
    value = values.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _sourced(ws: Workspace, prop: str | None, name: str | None, headers: list[str],
             department: bool) -> list[tuple[str, str | None]]:
    """(source, value) in the stated order; department values as codes when the workspace knows them.
    Every distinct header value is kept: sheets pasted together from two workbooks disagree."""
    def norm(v: str | None) -> str | None:
        if v is None or not department:
            return v
        return ws.find_department(v) or v.upper()

    out = [("property", norm(prop)), ("defined-name", norm(name))]
    out += [("header", v) for v in dict.fromkeys(norm(h) for h in headers)] or [("header", None)]
    return out


def _conflicts(what: str, sourced: list[tuple[str, str | None]]) -> tuple[tuple[str, str, str], ...]:
    present = [(s, v) for s, v in sourced if v is not None]
    if len({v for _, v in present}) <= 1:
        return ()
    return tuple((what, s, v) for s, v in present)
