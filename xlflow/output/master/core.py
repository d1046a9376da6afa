"""The master writer's core: the workbook, its styles, and what every sheet module uses (sheet setup,
heading, tables, colours, column lookup by key).

Department text is untrusted: big tables go through fastsheet.FastSheet.bulk(), which writes it
only as string cells, never formulas. Status and health colours are conditional formats on the
label columns, so changing a status in Excel recolours it. A sheet finds a column by its key
(`column`), never by its position, so adding a column to a list cannot shift a colour or a bar.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, overload

from ...config import Workspace
from ...i18n import msg
from ...plan.model import MasterPlan
from ...spec import layout
from ...spec.catalog import Catalog, Field, load_catalog
from ...spec.fields import field_type
from ...spec.master import MasterSpec, load_master_spec
from ...xlsx.book import SAFE_OPTIONS
from ...xlsx.fastsheet import (
    FONT,
    Col,
    FastSheet,
    FieldValue,
    Styles,
    as_date,
    as_number,
    as_text,
)
from ...xlsx.pack import FastWorkbook

HEADER_ROW = 3  # 0-based row of a sheet's first table header: title, subtitle, blank line above it


@dataclass(frozen=True)
class LayerData:
    """What the master writer shows of the coordinator's layer (xlflow/features/coordinator/): per sheet
    id, row key -> column key -> value, and the headers of the columns the coordinator added."""
    values: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    extras: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class WriteResult:
    path: Path  # where the master actually is
    locked: bool = False  # the target was open elsewhere; `path` is a timestamped file beside it
    target: Path | None = None
    headers: dict[str, list[str]] = field(default_factory=dict)  # sheet key -> the headers xlflow wrote
    open_by: tuple[Path, ...] = ()  # the owner/lock files that said the target was open
    removed: int = 0  # coordinator values listed on the Removed sheet
    changed: bool = False  # the target was saved by someone during the merge; `path` is beside it


class MasterWriter:
    """One master workbook being written; the sheet modules add their sheet through it."""

    def __init__(self, plan: MasterPlan, ws: Workspace, path: Path, lang: str,
                 catalog: Catalog | None = None, layer: LayerData | None = None,
                 master_spec: MasterSpec | None = None) -> None:
        self.plan, self.ws, self.lang = plan, ws, lang
        self.catalog = catalog or load_catalog()
        self.master_spec = master_spec or load_master_spec()
        self.layer = layer or LayerData()  # the coordinator's values to show again (features/coordinator/columns.py)
        self.layer_shown: dict[str, set[str]] = {}  # sheet id -> row keys its coordinator columns showed
        self.headers: dict[str, list[str]] = {}  # sheet key -> every header xlflow wrote on it
        self.removed = 0  # coordinator values on rows no longer shown (the Removed sheet sets it)
        self.status = self.catalog.enums["status"]
        self.health = self.catalog.enums["health"]
        # in memory: no temporary file per part (63 created, written, read back, deleted); each part is
        # kept once, as the UTF-8 bytes to zip (xlsx/private.py _Part): +3 MiB peak at 6,000 tasks
        self.wb = FastWorkbook(str(path), {**SAFE_OPTIONS, "in_memory": True})
        self.styles = Styles(self.wb)
        self.coordinator_header = self.wb.add_format(
            {**FONT, "bold": True, "font_color": "#000000", "bg_color": "#F4B183", "text_wrap": True,
             "valign": "vcenter", "border": 1, "border_color": "#BFBFBF"})
        self._tables = 0
        self._widths: dict[tuple[str, int], float] = {}
        self._key = ""
        self._shows: dict[str, Callable[[object], str | None]] = {}
        self.generation: int | None = None  # stamped: which merge wrote it (features/coordinator/generations.py)
        # the features' parts of the week that their sheets show, set by write_master (xlflow/week/master/)
        self.scorecard: Any = None  # features.scorecard.Scorecard: the Scorecard sheet is written when there is one
        self.control: Any = None  # features.control.moves.Control: the plan against its baselines
        self.changes: tuple[Any, ...] = ()  # features.control.requests.ChangeRequest: the change register

    def t(self, key: str, **params: object) -> str:
        return msg(key, self.lang, **params)

    def check(self, code: int | None, what: str) -> None:
        """xlsxwriter reports refusals as return codes: a refusal here is a bug, so stop."""
        if code not in (0, None):
            raise RuntimeError(f"xlsxwriter refused {what} (code {code})")

    def write(self, sheets: Iterable[Callable[[MasterWriter], None]]) -> None:
        """Document properties, then each sheet in order, then the file."""
        self.wb.set_properties({"title": f"{self.ws.project.name(self.lang)} — {self.t('master-title')}",
                                "subject": self.ws.project.code, "comments": "xlflow"})
        for name, value in ((layout.PROP_KIND, "master"), (layout.PROP_PROJECT, self.ws.project.code),
                            (layout.PROP_LANG, self.lang)):
            self.wb.set_custom_property(name, value, "text")
        if self.generation is not None:  # a property and a defined name: each survives re-saves elsewhere
            self.wb.set_custom_property(layout.PROP_GENERATION, str(self.generation), "text")
            self.wb.define_name(layout.NAME_PROJECT, f'="{self.ws.project.code}"')
            self.wb.define_name(layout.NAME_GENERATION, f'="{self.generation}"')
        for sheet in sheets:
            sheet(self)
        self.wb.close()

    # ---- sheets, headings, tables ----

    def sheet(self, key: str) -> FastSheet:
        sheet = self.wb.add_worksheet(self.t(f"master-sheet-{key}"), worksheet_class=FastSheet)
        self._key = key
        sheet.hide_gridlines(2)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(0.4, 0.4, 0.6, 0.6)
        sheet.set_footer(f"&L{self.ws.project.name(self.lang)}&C&A&R&P / &N")
        return sheet

    def heading(self, sheet: FastSheet, title: str, subtitle: str | None = None) -> None:
        self.check(sheet.write_string(0, 0, title, self.styles["title"]), "title")
        sheet.set_row(0, 24)
        if subtitle:
            self.check(sheet.write_string(1, 0, subtitle, self.styles["subtitle"]), "subtitle")

    def when(self, value: dt.datetime | None) -> dt.datetime | None:
        """An instant as the workspace's wall time ([project] timezone), as every output shows it."""
        return None if value is None else self.ws.local(value).replace(tzinfo=None)

    def time_header(self, key: str) -> str:
        """A time column's header, naming the time zone when one is configured ("Received (Europe/Berlin)")."""
        zone = self.ws.project.timezone
        return self.t(key) + (self.t("master-time-zone", zone=zone) if zone else "")

    def subtitle(self) -> str:
        p = self.ws.project
        return self.t("master-subtitle", project=p.name(self.lang), code=p.code, as_of=self.plan.as_of.isoformat())

    def block(self, sheet: FastSheet, row: int, key: str, **params: object) -> None:
        """A block title above a table on a sheet that holds several."""
        self.check(sheet.write_string(row, 0, self.t(key, **params), self.styles["block"]), "block")

    def table(self, sheet: FastSheet, row: int, cols: list[Col], items: list, *, first_col: int = 0,
              freeze: tuple[int, int] | None = None, print_rows: bool = True, table: bool = True) -> int:
        """A header row and one row per item, as an Excel table with widths; returns the last row used."""
        _check_keys(cols)
        headers = _unique([c.header for c in cols])
        self.headers.setdefault(self._key, []).extend(  # xlflow's own: a coordinator's column is read back
            h for h, c in zip(headers, cols, strict=True) if not c.key.startswith("coordinator:"))
        count = sheet.bulk(row + 1, cols, items, self.styles, first_col)
        last = row + max(count, 1)
        if table:
            self._tables += 1
            sheet.add_big_table(row, first_col, last, first_col + len(cols) - 1, {
                "name": f"{self._key}_{self._tables}",
                "style": "Table Style Light 9",
                "columns": [{"header": h, "header_format": self._header_format(c)} for h, c in zip(headers, cols, strict=True)],
            })
        else:
            for i, h in enumerate(headers):
                self.check(sheet.write_string(row, first_col + i, h, self._header_format(cols[i])), "header")
            sheet.autofilter(row, first_col, last, first_col + len(cols) - 1)
        sheet.set_row(row, 32)
        for i, c in enumerate(cols):  # tables stacked on one sheet share columns: the widest wins
            col = first_col + i
            width = max(c.width, self._widths.get((sheet.name, col), 0))
            self._widths[(sheet.name, col)] = width
            sheet.set_column(col, col, width)
        if freeze:
            sheet.freeze_panes(*freeze)
        if print_rows:
            sheet.repeat_rows(row)
        return last

    def _header_format(self, col: Col):
        """The coordinator's columns (features/coordinator/columns.py) have their own header colour."""
        return self.coordinator_header if col.key.startswith("coordinator:") else self.styles["header"]

    # ---- columns ----

    def field_cols(self, fields: Iterable[Field]) -> list[Col]:
        """Columns for spec fields of the items' `values`: labels, widths, display and key from the spec."""
        return [Col(f.label(self.lang), max(f.width, 8), FieldValue(f.key), _kind(f), self._show(f), key=f.key)
                for f in fields]

    def _show(self, f: Field) -> Callable[[object], object]:
        """What a master cell shows for a stored value: enum labels; departments stay codes."""
        kind = field_type(f)
        key = kind.list_key(f)
        if kind.master_label and key is not None:  # (a type shown by its label has a list)
            return self.shows(key)
        return {"pct": as_number, "date": as_date}.get(kind.cell_kind, as_text)  # int, text: as_text ("A-1, A-2")

    def shows(self, enum_key: str) -> Callable[[object], str | None]:
        """code -> label in the master's language, for a Col's `show` (one per enum: columns share a memo)."""
        if enum_key not in self._shows:
            labels = {c.code: c.label(self.lang) for c in self.catalog.enums[enum_key].values}
            self._shows[enum_key] = partial(label_of, labels)
        return self._shows[enum_key]

    @overload
    def label(self, enum_key: str, code: str) -> str: ...

    @overload
    def label(self, enum_key: str, code: object) -> str | None: ...

    def label(self, enum_key: str, code: object) -> str | None:
        """A code's label in the master's language (None for no code)."""
        if code is None:
            return None
        return self.catalog.enums[enum_key].label_of(str(code), self.lang)

    # ---- colours ----

    def colour_by(self, sheet: FastSheet, first_row: int, last_row: int, col: int, enum_key: str) -> None:
        """One conditional format per value of the enum on a label column: the legend in the colours of enums.toml."""
        enum = self.catalog.enums[enum_key]
        for choice in enum.values:
            if not choice.colour:
                continue
            label = choice.label(self.lang).replace('"', '""')
            self.check(sheet.conditional_format(first_row, col, last_row, col, {
                "type": "cell", "criteria": "==", "value": f'"{label}"',
                "format": self.styles.fill(choice.colour)}), "conditional format")

    def colour_values(self, sheet: FastSheet, first_row: int, last_row: int, col: int,
                      colours: dict[str, str]) -> None:
        for text, colour in colours.items():
            self.check(sheet.conditional_format(first_row, col, last_row, col, {
                "type": "cell", "criteria": "==", "value": '"' + text.replace('"', '""') + '"',
                "format": self.styles.fill(colour)}), "conditional format")


def column(cols: list[Col], key: str) -> int:
    """The 0-based position of the column with this key in `cols`."""
    found = [i for i, c in enumerate(cols) if c.key == key]
    if len(found) != 1:
        raise LookupError(f"{len(found)} columns with key {key!r} in {[c.key for c in cols]}")
    return found[0]


def _check_keys(cols: list[Col]) -> None:
    keys = [c.key for c in cols if c.key]
    if len(keys) != len(set(keys)):
        raise LookupError(f"column keys repeat in one table: {keys}")


def renamed(f: Field) -> Field:
    """Minutes card fields as action-item columns: 'date' becomes the meeting date."""
    return replace(f, key=f.key if f.key.startswith("meeting") else f"meeting_{f.key}")


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = h or "-"
        n = seen.get(h.casefold(), 0)
        seen[h.casefold()] = n + 1
        out.append(h if n == 0 else f"{h} ({n + 1})")
    return out


def _kind(f: Field) -> str:
    return field_type(f).cell_kind


def label_of(labels: dict[str, str], code: object) -> str | None:
    """A code's label, the code itself when the labels lack it, None for no code."""
    if code is None or code == "":
        return None
    return labels.get(str(code), str(code))


def as_datetime(value: dt.date) -> dt.datetime:
    return dt.datetime.combine(value, dt.time())
