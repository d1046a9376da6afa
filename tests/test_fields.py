"""The field types on their own (spec/fields.py): parse a cell, show a value, store and restore it,
and what the department workbook and the master take from them."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

import pytest

from xlflow.spec.catalog import FIELD_TYPES, Field, Text, load_catalog
from xlflow.spec.fields import ValidationContext, field_type, serial_to_date
from xlflow.spec.limits import TEXT_LIMIT
from xlflow.store.jsonvalues import json_default

ENUM = {"进行中": "in_progress", "in progress": "in_progress", "done": "done", "已完成": "done"}
DEPTS = {"研发部": "RD", "rd": "RD", "r&d": "RD"}


@dataclass
class Cell:
    value: object
    number_format: str | None = "General"


@dataclass
class Ctx:
    lang: str = "zh"
    department: str | None = "RD"
    epoch_1904: bool = False

    def lookup(self, kind: str, text: str) -> str | None:
        return (DEPTS if kind == "department" else ENUM).get(text.strip().casefold())

    def allowed(self, kind: str) -> list[str]:
        return ["研发部"] if kind == "department" else ["进行中", "已完成"]


@dataclass
class Findings:
    found: list[tuple[str, str, dict]] = field(default_factory=list)

    def __call__(self, code: str, severity: str = "error", value: object = None, **params: object) -> None:
        self.found.append((code, severity, {"value": value, **params}))

    @property
    def codes(self) -> list[str]:
        return [c for c, _, _ in self.found]


def make(type_: str, **kw: object) -> Field:
    return Field(key="k", label=Text("字段", "Field"), type=type_, hint=Text("提示", "Hint"), **kw)


def parse(f: Field, value: object, number_format: str = "General", ctx: Ctx | None = None):
    add = Findings()
    return field_type(f).parse(f, Cell(value, number_format), ctx or Ctx(), add), add


def test_every_spec_type_has_a_field_type():
    assert {field_type(make(t)).name for t in FIELD_TYPES} == FIELD_TYPES


@pytest.mark.parametrize("type_", ["text", "longtext", "person"])
def test_text_types(type_):
    f = make(type_, max_length=5)
    assert parse(f, "  abc ")[0] == "abc"
    assert parse(f, 12.0)[0] == "12"  # a number typed into a text cell reads as typed
    value, add = parse(f, "abcdef")
    assert value is None and add.codes == ["too-long"]
    value, add = parse(f, "a\x01b")
    assert value is None and add.codes == ["control-chars"]
    assert parse(make(type_, pattern=r"\d+"), "x1")[1].codes == ["bad-format"]
    assert parse(make(type_), "x" * TEXT_LIMIT)[0] is not None


def test_task_id_folds_and_checks():
    f = make("task_id")
    assert parse(f, "ｒｄ－００１".replace("－", "-"))[0] == "RD-001"
    assert parse(f, " rd-1 ")[0] == "RD-1"
    value, add = parse(f, "RD001", ctx=Ctx(department="MK"))
    assert value is None and add.found[0][0] == "bad-task-id" and add.found[0][2]["prefix"] == "MK"


def test_task_ids_are_a_tuple_without_repeats():
    f = make("task_ids")
    assert parse(f, "rd-1, MK-2；RD-1 /PMO-3".replace("；", ";"))[0] == ("RD-1", "MK-2", "PMO-3")
    assert parse(f, "RD-1、MK-2")[0] == ("RD-1", "MK-2")
    value, add = parse(f, "RD-1, nonsense")
    assert value is None and add.codes == ["bad-task-id"]


def test_dates_from_cells_serials_and_text():
    f = make("date")
    assert parse(f, dt.date(2026, 9, 1))[0] == dt.date(2026, 9, 1)
    assert parse(f, dt.datetime(2026, 9, 1, 15, 30))[0] == dt.date(2026, 9, 1)
    assert parse(f, 46266)[0] == dt.date(2026, 9, 1)
    assert parse(f, 44804, ctx=Ctx(epoch_1904=True))[0] == dt.date(2026, 9, 1)
    value, add = parse(f, "2026年9月1日")
    assert value == dt.date(2026, 9, 1) and add.found[0][:2] == ("text-date", "warning")
    assert parse(f, "2026-02-30")[1].codes == ["impossible-date"]
    assert parse(f, "soon")[1].codes == ["bad-date"]
    assert parse(f, 10**8)[1].codes == ["bad-date"]
    assert parse(f, dt.date(1999, 12, 31))[1].codes == ["date-out-of-range"]
    assert parse(f, True)[1].codes == ["bad-date"]


def test_serial_numbers_in_both_date_systems():
    assert serial_to_date(1) == dt.date(1900, 1, 1)
    assert serial_to_date(61) == dt.date(1900, 3, 1)  # after the phantom 1900-02-29
    assert serial_to_date(0, epoch_1904=True) == dt.date(1904, 1, 1)


def test_integer_and_percent():
    i = make("integer", min=0, max=10)
    assert parse(i, 3.0)[0] == 3 and isinstance(parse(i, 3.0)[0], int)
    assert parse(i, "1,0")[0] == 10
    assert parse(i, 2.5)[1].codes == ["bad-number"]
    assert parse(i, 11)[1].codes == ["out-of-range"]
    assert parse(i, True)[1].codes == ["bad-number"]
    p = make("percent", min=0, max=100)
    assert parse(p, 50)[0] == 50
    assert parse(p, "50%")[0] == 50
    assert parse(p, 0.5, number_format="0%")[0] == 50  # a %-formatted cell holds the fraction
    value, add = parse(p, 0.5)
    assert value == 0.5 and add.found[0][:2] == ("percent-fraction", "warning") and add.found[0][2]["guess"] == "50"
    assert parse(p, "NaN")[1].codes == ["bad-number"]


def test_choice_and_department_keep_the_code():
    c = make("choice", choices="status")
    assert parse(c, "进行中")[0] == "in_progress"
    value, add = parse(c, "maybe", ctx=Ctx(lang="en"))
    assert value is None and add.found[0][0] == "bad-enum" and add.found[0][2]["allowed"] == "进行中, 已完成"
    d = make("department")
    assert parse(d, "R&D")[0] == "RD"
    value, add = parse(d, "HR")
    assert value is None and add.found[0][0] == "bad-department" and add.found[0][2]["allowed"] == "研发部"


def test_display():
    labels = {"in_progress": "进行中"}
    assert field_type(make("choice", choices="status")).display("in_progress", labels) == "进行中"
    assert field_type(make("choice", choices="status")).display("other", labels) == "other"
    assert field_type(make("department")).display("RD", {"RD": "研发部"}) == "研发部"
    assert field_type(make("task_ids")).display(("RD-1", "MK-2")) == "RD-1, MK-2"
    assert field_type(make("date")).display(dt.date(2026, 9, 1)) == dt.date(2026, 9, 1)
    assert field_type(make("percent")).display(50.0) == 50.0


@pytest.mark.parametrize("type_, value", [
    ("text", "abc"), ("longtext", "a\nb"), ("person", "王磊"), ("task_id", "RD-001"),
    ("task_ids", ("RD-001", "MK-002")), ("date", dt.date(2026, 9, 1)), ("integer", 3),
    ("percent", 50.0), ("choice", "done"), ("department", "RD"),
])
def test_json_round_trip(type_, value):
    kind = field_type(make(type_, choices="status" if type_ == "choice" else None))
    stored = json.loads(json.dumps(kind.to_json(value)))
    assert kind.from_json(stored) == value and type(kind.from_json(stored)) is type(value)
    # the cache writes with json_default: the type restores that form too
    assert kind.from_json(json.loads(json.dumps(value, default=json_default))) == value
    assert kind.json_native == (type_ not in ("date", "task_ids"))


def test_input_format_and_master_kind():
    formats = {t: field_type(make(t)).input_format for t in FIELD_TYPES}
    assert formats == {"text": "text", "longtext": "wrap", "person": "text", "task_id": "text", "task_ids": "text",
                       "date": "date", "integer": "number", "percent": "percent", "choice": "text",
                       "department": "text"}
    kinds = {t: field_type(make(t)).cell_kind for t in FIELD_TYPES}
    assert kinds == {**{t: "text" for t in FIELD_TYPES}, "date": "date", "percent": "pct", "integer": "int"}


def test_excel_validation():
    ctx = ValidationContext("en", "B5", "RD", {"status": "list_status", "department": "list_department"},
                            lambda key: ["In progress", "Done"] if key == "status" else ["R&D"])
    v = field_type(make("choice", choices="status")).excel_validation(make("choice", choices="status"), ctx)
    assert v["validate"] == "list" and v["source"] == "=list_status" and "In progress, Done" in v["error_message"]
    assert field_type(make("department")).excel_validation(make("department"), ctx)["source"] == "=list_department"
    v = field_type(make("task_id")).excel_validation(make("task_id"), ctx)
    assert v["value"] == '=LEFT(B5,3)="RD-"'
    v = field_type(make("percent")).excel_validation(make("percent", min=0, max=100), ctx)
    assert (v["validate"], v["minimum"], v["maximum"]) == ("decimal", 0, 100)
    assert field_type(make("integer")).excel_validation(make("integer"), ctx)["validate"] == "integer"
    assert field_type(make("date")).excel_validation(make("date"), ctx)["validate"] == "date"
    v = field_type(make("text")).excel_validation(make("text", max_length=40), ctx)
    assert (v["validate"], v["value"]) == ("length", 40)
    long = replace(make("text"), label=Text("长" * 40, "L" * 40), hint=Text("提" * 300, "H" * 300))
    v = field_type(long).excel_validation(long, ctx)
    assert len(v["input_title"]) == 32 and len(v["input_message"]) == 255


def test_the_shipped_specs_use_only_known_types():
    for form in load_catalog().forms:
        for f in [*form.fields, *(f for t in form.tables for f in t.fields)]:
            assert field_type(f).name == f.type
