"""FastSheet.bulk renders a value first met in a chunk once for all its cells: the workbook must be
byte for byte what rendering every such cell wrote (shared strings in the same order, the same
count of string cells: the golden files hold it), over several chunks and tables sharing memos."""
from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from xlflow.xlsx import fastsheet
from xlflow.xlsx.book import SAFE_OPTIONS
from xlflow.xlsx.fastsheet import Col, FastSheet, FieldValue, Styles, as_text
from xlflow.xlsx.pack import FastWorkbook


def _every_cell(values, memo, render, sheet, plain=None, show=None):
    """The rendering before: every cell whose value the memo lacked at the chunk's start is rendered."""
    if any(isinstance(v, bool) for v in values):
        return [render(v, None) for v in values]
    try:
        tails = list(map(memo.get, values))
    except TypeError:
        return [render(v, None) for v in values]
    for i, tail in enumerate(tails):
        if tail is None:
            tails[i] = render(values[i], memo)
    return tails


class Item:
    def __init__(self, i: int) -> None:
        day = dt.date(2026, 1, 1) + dt.timedelta(days=i % 5)
        self.values = {"name": f"task {i % 7}", "owner": ["Ann", "=SUM(A1)", "<r>x</r>", "", None][i % 5],
                       "ref": f"R-{i // 2}" if i % 5 else f"task {i % 4}",  # plain strings, some repeated
                       "due": day, "percent": [10, 10.0, 50, None][i % 4], "ids": ("A-1", f"B-{i % 3}")}
        self.mixed = [1, 1.0, "1", 2.5][i % 4]  # 1 and 1.0: one memo key, shown apart as text
        self.flag = i % 9 == 0 if i > 30 else None  # booleans in later chunks only
        # shown alike though apart (a tuple and its joined text), shown as nothing, a formula start in some chunks
        self.shown = [("A-1", "B-0"), "A-1, B-0", (), "A-1", ("A-1",), "<b>", f"S-{i}", "", "=x"][i % 9 if i < 45 else 6]
        self.code = ["a", "b", "c", None, "z", "a"][i % 6]  # two codes with one label


def _label(code: object) -> object:
    return {"a": "Same", "b": "Same", "c": "Other"}.get(code, code) if code else None


def _cols() -> list[Col]:
    return [Col("Name", 10, FieldValue("name")), Col("Owner", 10, FieldValue("owner")),
            Col("Due", 10, FieldValue("due"), "date"), Col("Pct", 10, FieldValue("percent"), "pct"),
            Col("IDs", 10, FieldValue("ids"), show=as_text), Col("Mixed", 10, lambda t: t.mixed, show=as_text),
            Col("Mixed n", 10, lambda t: t.mixed, "int"), Col("Flag", 10, lambda t: t.flag),
            Col("Again", 10, FieldValue("name")), Col("Ref", 10, FieldValue("ref")),
            Col("Ref shown", 10, FieldValue("ref"), show=as_text),  # plain strings: indexes found per column
            Col("Shown", 10, lambda t: t.shown, show=as_text), Col("Label", 10, lambda t: t.code, show=_label)]


def _write(path, tails) -> dict[str, bytes]:
    wb = FastWorkbook(str(path), SAFE_OPTIONS)
    styles = Styles(wb)
    first = wb.add_worksheet("One", worksheet_class=FastSheet)
    first.write_string(0, 0, "task 3")  # a string already in the table before any bulk row
    second = wb.add_worksheet("Two", worksheet_class=FastSheet)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastsheet, "_tails", tails)
        patch.setattr(fastsheet, "BULK_CHUNK", 7)
        first.bulk(1, _cols(), [Item(i) for i in range(40)], styles)
        second.bulk(0, _cols()[::-1], [Item(i) for i in range(5, 60)], styles)  # memos shared with the first
    wb.close()
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if not n.startswith("docProps/")}


def test_values_rendered_once_per_chunk_write_the_same_bytes(tmp_path):
    before = _write(tmp_path / "before.xlsx", _every_cell)
    now = _write(tmp_path / "now.xlsx", fastsheet._tails)
    assert list(now) == list(before)
    for name in before:
        assert now[name] == before[name], name
    assert b'count="' in now["xl/sharedStrings.xml"]


def test_a_row_is_made_for_column_letters_only():
    """The row function is compiled from the column letters: nothing else may become its source."""
    assert fastsheet._row_maker(("A", "AB"))("7", '"/>', '" t="b"><v>1</v></c>') == (
        '<row r="7"><c r="A7"/><c r="AB7" t="b"><v>1</v></c></row>')
    assert fastsheet._row_maker(())("3") == '<row r="3"></row>'
    for bad in (("A", "B'"), ("a",), ("A1",), ("Ä",)):
        with pytest.raises(ValueError):
            fastsheet._row_maker(bad)


def test_field_values_read_every_key_of_each_row_or_get_each_key():
    """One pass over the rows when each holds every key; get per key where one lacks a key or is not a dict."""
    full = [{"a": 1, "b": None, "c": "x"}, {"a": 2, "b": "y", "c": None}]
    assert {k: list(v) for k, v in fastsheet._field_values(full, ["a", "c"]).items()} == {"a": [1, 2], "c": ["x", None]}
    lacking = [*full, {"a": 3}]
    assert fastsheet._field_values(lacking, ["a", "b"]) == {"a": [1, 2, 3], "b": [None, "y", None]}
    class Values(dict):  # a mapping that is not exactly a dict
        pass
    assert fastsheet._field_values([Values(a=5)], ["a", "b"]) == {"a": [5], "b": [None]}
    assert fastsheet._field_values(full, ["b"]) == {"b": [None, "y"]}
