"""Every use of xlsxwriter's private API, in one place, checked before a fast workbook is made.

xlsxwriter has no public hook for what the master needs at 50,000 tasks, so these internals
are used (tested with xlsxwriter 3.3; pyproject.toml pins the minor version):

- ``Worksheet._write_rows`` is overridden (BulkRowsSheet) to write pre-rendered rows between
  xlsxwriter's own, using ``_write_row``, ``_write_empty_row``, ``_write_cell``, ``_xml_end_tag``,
  ``fh`` and the cell/row state ``table``, ``row_info``, ``comments``, ``default_row_height``,
  ``original_row_height``: rendering rows ourselves is what makes big tables fast (fastsheet.py).
- ``Worksheet._convert_date_time``: a date in a rendered report row is the number xlsxwriter
  would store for it (report.py).
- ``Worksheet._check_dimensions``: cells written around xlsxwriter must still widen the sheet's
  used range (<dimension>, print area).
- ``Worksheet.str_table._get_shared_string_index``: rendered cells refer to xlsxwriter's own
  shared string table, so the strings are written once with everyone else's; its ``count`` (cells
  referring to a string) is added to for the cells of a value rendered once for all of them, and
  a column's new plain strings are added at once to its ``string_table`` (string -> index, in
  order) and ``unique_count``, as ``_get_shared_string_index`` adds them one by one.
- ``Worksheet.tables[-1]`` keys ``range``, ``a_range``, ``autofilter``: a big table is declared
  over two rows (add_table checks every cell for overlap: 1.2 M look-ups) and then stretched.
- ``Format._get_xf_index``: rendered cells carry the style index of a Format.
- ``Workbook._get_packager`` returns a Packager whose ``_write_shared_strings_file`` writes the
  strings with ``SharedStrings._write_sst_strings`` overridden (one pass over all strings joined,
  ``string_table.string_array``, the escapes ``xmlwriter.re_control_chars_1/2``). In memory
  (option ``in_memory``), its ``_filename`` gives each part as a ``_Part``: a ``StringIO`` (what
  ``XMLwriter._set_xml_writer`` writes to rather than opening a file) that keeps what is written as
  UTF-8 bytes, registered in ``filenames`` as binary so that ``_store_workbook`` zips what its
  ``getvalue()`` gives as it is (without it, each part would be held as text, copied and encoded).
- ``Workbook._store_workbook`` creates the zip through the module global ``ZipFile`` and calls
  only ``write``, ``writestr``, ``compression`` and ``close`` on it. There is no hook for the zip,
  so a copy of that method whose globals bind ``ZipFile`` to our class is put on our subclass:
  only our workbooks are packed differently, nothing in xlsxwriter is patched.

`problems()` looks for each of these (name, arguments, attributes); `require()` raises
XlflowError("xlsx-private-changed") naming what is missing, and fast workbooks call it on creation.
"""
from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from functools import lru_cache
from io import StringIO
from itertools import count, filterfalse, groupby, islice

import xlsxwriter
import xlsxwriter.workbook
from xlsxwriter import xmlwriter
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable
from xlsxwriter.utility import xl_range
from xlsxwriter.worksheet import Worksheet

from ..errors import XlflowError

TESTED = "3.3"
_METHODS: dict[type, dict[str, tuple[str, ...]]] = {  # class -> method -> leading parameters after self
    Worksheet: {"_write_rows": (), "_write_row": ("row", "spans", "row_info"), "_write_empty_row": (),
                "_write_cell": ("row", "col", "cell"), "_xml_end_tag": ("tag",), "_check_dimensions": ("row", "col"),
                "add_table": ("first_row", "first_col", "last_row", "last_col"), "_convert_date_time": ("dt_obj",)},
    SharedStringTable: {"_get_shared_string_index": ("string",)},
    Format: {"_get_xf_index": ()},
    SharedStrings: {"_write_sst_strings": (), "_set_xml_writer": (), "_assemble_xml_file": ()},
    Packager: {"_write_shared_strings_file": (), "_filename": ()},
    xlsxwriter.Workbook: {"_get_packager": (), "_store_workbook": ()},
}
_ATTRIBUTES: dict[type, tuple[str, ...]] = {  # attributes of a fresh instance
    Worksheet: ("table", "row_info", "comments", "default_row_height", "original_row_height", "tables",
                "str_table", "fh"),
    SharedStringTable: ("string_array", "count", "string_table", "unique_count"),
    SharedStrings: ("string_table", "fh"),
    Packager: ("workbook", "filenames", "in_memory"),
}
_ZIP_CALLS = ("ZipFile", "write", "writestr", "compression", "close", "_get_packager", "in_memory", "getvalue")
_TABLE_KEYS = ("range", "a_range")


def problems() -> list[str]:
    """What this module relies on and the installed xlsxwriter lacks (empty when all is there)."""
    out = []
    for cls, methods in _METHODS.items():
        for name, params in methods.items():
            method = getattr(cls, name, None)
            if not callable(method):
                out.append(f"{cls.__name__}.{name}")
                continue
            got = tuple(inspect.signature(method).parameters)[1:1 + len(params)]
            if got != params:
                out.append(f"{cls.__name__}.{name}{params} (found {got})")
    for cls, names in _ATTRIBUTES.items():
        instance = cls()
        out += [f"{cls.__name__}().{n}" for n in names if not hasattr(instance, n)]
    store = getattr(xlsxwriter.Workbook, "_store_workbook", None)
    code_names = set(store.__code__.co_names) if isinstance(store, types.FunctionType) else set()
    out += [f"Workbook._store_workbook uses {n}" for n in _ZIP_CALLS if n not in code_names]
    if "ZipFile" not in vars(xlsxwriter.workbook):
        out.append("xlsxwriter.workbook.ZipFile")
    out += [f"xmlwriter.{n}" for n in ("re_control_chars_1", "re_control_chars_2")
            if not hasattr(getattr(xmlwriter, n, None), "sub")]
    if "StringIO" not in xmlwriter.XMLwriter._set_xml_writer.__code__.co_names:
        out.append("XMLwriter._set_xml_writer(StringIO)")
    return out


@lru_cache(maxsize=1)
def require() -> None:
    """Raise once, clearly, if the installed xlsxwriter no longer has what this module uses."""
    missing = problems()
    if missing:
        raise XlflowError("xlsx-private-changed", version=xlsxwriter.__version__, tested=TESTED,
                          missing=", ".join(missing))


def xf_index(fmt: Format) -> int:
    """The style index a cell refers to (registers the format on first call)."""
    return fmt._get_xf_index()


class BulkRowsSheet(Worksheet):
    """A worksheet that also writes pre-rendered rows: `_bulk` maps a 0-based row to its complete
    <row r=".."> element with its cells. xlsxwriter's own cells on the same row are merged in."""

    def __init__(self) -> None:
        super().__init__()
        self._bulk: dict[int, str] = {}

    def shared_string_index(self) -> Callable[[str], int]:
        """str -> its index in the workbook's shared string table (adding it on first use)."""
        return self.str_table._get_shared_string_index

    def string_cells(self) -> int:
        """The shared string table's count of cells that refer to a string (xlsxwriter: `count`)."""
        count: int = self.str_table.count
        return count

    def shared_string_indexes(self, strings: list[str], cells: int) -> list[int]:
        """Each of the `strings`' index in the shared string table, as shared_string_index gives them
        one by one (new ones added in the order first met), with `cells` string cells counted."""
        table = self.str_table
        known: dict[str, int] = table.string_table
        new = list(dict.fromkeys(filterfalse(known.__contains__, strings)))
        known.update(zip(new, count(table.unique_count)))
        table.unique_count += len(new)
        table.count += cells
        return list(map(known.__getitem__, strings))

    def count_string_cells(self, cells: int) -> None:
        """Count `cells` more cells referring to strings already in the table."""
        self.str_table.count += cells

    def put_row(self, row: int, xml: str, last_col: int) -> None:
        """Row `row` (0-based) as the <row> element `xml` holding cells in columns 0..`last_col`."""
        self._bulk[row] = xml
        self._check_dimensions(row, 0)
        self._check_dimensions(row, last_col)

    def excel_serial(self, value: object) -> float:
        """A date or naive datetime as the number xlsxwriter's write_datetime stores."""
        serial: float = self._convert_date_time(value)
        return serial

    def extend_dimensions(self, row: int, col: int) -> None:
        """Widen the used range to (row, col), as writing a cell there through xlsxwriter would."""
        self._check_dimensions(row, col)

    def stretch_last_table(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        """Give the table added last its real extent (it was declared over fewer rows)."""
        table = self.tables[-1]
        missing = [k for k in _TABLE_KEYS if k not in table]
        if missing:
            raise XlflowError("xlsx-private-changed", version=xlsxwriter.__version__, tested=TESTED,
                              missing=", ".join(f"Worksheet.tables[-1][{k!r}]" for k in missing))
        table["range"] = table["a_range"] = xl_range(first_row, first_col, last_row, last_col)
        if table.get("autofilter"):
            table["autofilter"] = table["a_range"]
        self._check_dimensions(last_row, last_col)

    def _write_rows(self) -> None:
        """Rows in order: xlsxwriter's own cells and our rendered ones. A run of rendered rows that
        nothing else touches (no cell or height of xlsxwriter's) is written as it is, in batches;
        the other rows one by one. No spans (optional in the format)."""
        if not self._bulk:
            return super()._write_rows()
        own = ({r for r, cells in self.table.items() if cells} | {r for r, info in self.row_info.items()
               if info is not None} | set(self.comments).difference(self._bulk))  # a comment's row: written empty
        if self.default_row_height != self.original_row_height:  # every row says its height
            own |= set(self._bulk)
        for is_own, run in groupby(sorted(own.union(self._bulk)), own.__contains__):
            if not is_own:  # popped: a row's XML is freed once it is in the file
                while batch := list(islice(run, 2048)):
                    self.fh.write("".join(map(self._bulk.pop, batch)))
                continue
            for row_num in run:
                self._write_own_row(row_num)

    def _write_own_row(self, row_num: int) -> None:
        """A row with xlsxwriter's cells or height (or only a comment), and our rendered cells if it has some."""
        info = self.row_info.get(row_num)
        cells = self.table.get(row_num)
        xml = self._bulk.pop(row_num, None)
        if not cells and xml is None:
            self._write_empty_row(row_num, None, info)
            return
        self._write_row(row_num, None, info)
        for col_num in sorted(cells or ()):
            self._write_cell(row_num, col_num, cells[col_num])
        if xml:
            self.fh.write(xml[xml.index(">") + 1:-len("</row>")])  # the cells, inside xlsxwriter's <row>
        self._xml_end_tag("row")


_SEPARATOR = "\ufdd0"  # a noncharacter (legal in XML): splits the joined strings after escaping
_OPEN, _CLOSE = '<si><t xml:space="preserve">', "</t></si>"


class _SharedStrings(SharedStrings):
    def _write_sst_strings(self) -> None:
        """Every string escaped as xlsxwriter does (its _xHHHH_ rules, & < >), in a few passes over
        all of them joined; xlsxwriter's own loop for rich strings or a string that holds the
        separator. Every <t> keeps its spaces (xml:space="preserve" is always valid)."""
        strings = self.string_table.string_array
        joined = _SEPARATOR.join(strings)
        if not strings or joined.count(_SEPARATOR) != len(strings) - 1 or any(
                s.endswith("</r>") for s in strings if s.startswith("<r>")):
            return super()._write_sst_strings()
        joined = xmlwriter.re_control_chars_1.sub(r"_x005F\1", joined)
        joined = xmlwriter.re_control_chars_2.sub(lambda m: f"_x{ord(m.group(1)):04X}_", joined)
        joined = joined.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.fh.write(_OPEN + joined.replace(_SEPARATOR, _CLOSE + _OPEN) + _CLOSE)


class _Part(StringIO):
    """A part of an in-memory package: xlsxwriter writes it as text (a StringIO is what it writes
    in-memory parts to) and takes it back once, with getvalue(), to zip it. Each piece of text is
    kept as UTF-8 as it is written, so the part exists once, as the bytes to zip (a StringIO keeps
    the text, getvalue() copies it and xlsxwriter encodes that copy: three times the part). It is
    registered as binary, so xlsxwriter zips what getvalue() gives as it is."""

    def __init__(self) -> None:
        super().__init__()
        self._data = bytearray()

    def write(self, text: str) -> int:
        self._data += text.encode("utf-8")
        return len(text)

    def getvalue(self) -> bytearray:  # type: ignore[override]  # bytes: see the class doc
        return self._data


class _Packager(Packager):
    def _filename(self, xml_filename: str) -> object:
        """In memory, each part is a _Part (xlsxwriter's own would be a StringIO); else a temporary file."""
        if not self.in_memory:
            return super()._filename(xml_filename)
        part = _Part()
        self.filenames.append((part, xml_filename, True))  # "binary": getvalue() gives the bytes to zip
        return part

    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = _SharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


def _store_with(zip_class: type) -> types.FunctionType:
    """xlsxwriter's Workbook._store_workbook, with `ZipFile` in its globals bound to `zip_class`."""
    store = xlsxwriter.Workbook._store_workbook
    scope = dict(store.__globals__, ZipFile=zip_class)
    copy = types.FunctionType(store.__code__, scope, store.__name__, store.__defaults__, store.__closure__)
    copy.__qualname__, copy.__doc__ = store.__qualname__, store.__doc__
    return copy


def packed_workbook(zip_class: type) -> type[xlsxwriter.Workbook]:
    """A Workbook class that writes its shared strings in one pass and zips with `zip_class`
    (which must offer what _store_workbook calls: see the module doc)."""

    class PackedWorkbook(xlsxwriter.Workbook):
        def __init__(self, *args: object, **kwargs: object) -> None:
            require()
            super().__init__(*args, **kwargs)

        def _get_packager(self) -> Packager:
            return _Packager()

        _store_workbook = _store_with(zip_class)

    return PackedWorkbook
