"""Field types: everything xlflow knows about a type of field, in one class per type.

A spec field (`catalog.Field`) names its type; `field_type(field)` gives the object that
knows how a cell of that type is read (`parse`), what Excel should refuse while it is typed
(`excel_validation`), which input format the department workbook gives it (`input_format`),
how a stored value is shown to a person (`display`) and in the master (`cell_kind`), and
how it is stored in and restored from JSON (`to_json` / `from_json`).

The spec sits below the xlsx reader and the checks, so cells are duck-typed (`value`,
`number_format`), the reading context is a protocol, and findings go out through a callback
(all in contexts.py).
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import ClassVar

from ..findings import WARNING
from ..i18n import msg
from .catalog import Field
from .contexts import Add, CellLike, ParseContext, ValidationContext
from .limits import DATE_MAX, DATE_MIN, SERIAL_MAX, TEXT_LIMIT

TASK_ID_RE = re.compile(r"^([A-Z][A-Z0-9]{1,7})-([A-Z0-9]+(?:[._-][A-Z0-9]+)*)$")
ID_SPLIT_RE = re.compile(r"[,;、/\s]+")
COMBINABLE = frozenset({"raci"})  # lists a cell may combine, "A/R": a department signs off and does the work
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
TEXT_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                          r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


class FieldType:
    """The default behaviour (plain text); each type overrides what differs."""
    name: ClassVar[str] = "text"
    input_format: ClassVar[str] = "text"  # text | wrap | date | number | percent
    cell_kind: ClassVar[str] = "text"  # text | int | pct | date: how the master writes the column
    json_native: ClassVar[bool] = True  # the clean value is already plain JSON
    master_label: ClassVar[bool] = False  # the master shows the label of the code (departments stay codes)

    def list_key(self, field: Field) -> str | None:
        """The dropdown list a person picks from ("status", "department"), or None for typed values."""
        return None

    def parse(self, field: Field, cell: CellLike, ctx: ParseContext, add: Add) -> object:
        """The clean value of a non-blank cell, or None after adding a finding."""
        return parse_text(field, cell.value, add)

    def excel_validation(self, field: Field, ctx: ValidationContext) -> dict:
        """xlsxwriter's data_validation options: the hint, the rule, an error that says what is allowed."""
        limit = field.max_length or TEXT_LIMIT
        return {**_common(field, ctx), "validate": "length", "criteria": "<=", "value": limit,
                "error_message": _clip(msg("gen-error-length", ctx.lang, max=limit), 255)}

    def display(self, value: object, labels: Mapping[str, str] | None = None) -> object:
        """A stored value as a person sees it; `labels` maps codes to labels for list types."""
        return value

    def to_json(self, value: object) -> object:
        return value

    def from_json(self, raw: object) -> object:
        return raw


class LongTextType(FieldType):
    name = "longtext"
    input_format = "wrap"


class PersonType(FieldType):
    name = "person"


class TaskIdType(FieldType):
    """One task ID, e.g. RD-001: upper-cased, full-width folded; Excel checks the department prefix."""
    name = "task_id"

    def parse(self, field: Field, cell: CellLike, ctx: ParseContext, add: Add) -> str | None:
        text = parse_text(field, cell.value, add)
        if text is None:
            return None
        norm = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
        if not TASK_ID_RE.match(norm):
            add("bad-task-id", value=text, prefix=ctx.department or "RD")
            return None
        return norm

    def excel_validation(self, field: Field, ctx: ValidationContext) -> dict:
        prefix = f"{ctx.prefix}-"
        return {**_common(field, ctx), "validate": "custom",
                "value": f'=LEFT({ctx.first_cell},{len(prefix)})="{prefix}"',
                "error_message": _clip(msg("gen-error-task-id", ctx.lang, prefix=prefix), 255)}


class TaskIdsType(FieldType):
    """A list of task IDs in one cell ("RD-001, MK-002"): a tuple, without repeats, in order."""
    name = "task_ids"
    json_native = False

    def parse(self, field: Field, cell: CellLike, ctx: ParseContext, add: Add) -> tuple[str, ...] | None:
        text = parse_text(field, cell.value, add)
        if text is None:
            return None
        out: list[str] = []
        for token in ID_SPLIT_RE.split(unicodedata.normalize("NFKC", text).upper()):
            if not token:
                continue
            if not TASK_ID_RE.match(token):
                add("bad-task-id", value=token, prefix=ctx.department or "RD")
                return None
            if token not in out:
                out.append(token)
        return tuple(out)

    def display(self, value: object, labels: Mapping[str, str] | None = None) -> object:
        return ", ".join(value) if isinstance(value, (list, tuple)) else value

    def to_json(self, value: object) -> object:
        return list(value) if isinstance(value, tuple) else value

    def from_json(self, raw: object) -> object:
        return tuple(raw) if isinstance(raw, list) else raw


class DateType(FieldType):
    """A date cell, an Excel serial number or a typed date ("2026/9/1", "2026年9月1日")."""
    name = "date"
    input_format = "date"
    cell_kind = "date"
    json_native = False

    def parse(self, field: Field, cell: CellLike, ctx: ParseContext, add: Add) -> dt.date | None:
        value = cell.value
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if not 1 <= value <= SERIAL_MAX:
                add("bad-date", value=value)
                return None
            day = serial_to_date(value, ctx.epoch_1904)
        elif isinstance(value, str):
            typed = _text_date(value, add)
            if typed is None:
                return None
            day = typed
        else:
            add("bad-date", value=value)
            return None
        if not DATE_MIN <= day <= DATE_MAX:
            add("date-out-of-range", value=day.isoformat())
            return None
        return day

    def excel_validation(self, field: Field, ctx: ValidationContext) -> dict:
        return {**_common(field, ctx), "validate": "date", "criteria": "between",
                "minimum": DATE_MIN, "maximum": DATE_MAX,
                "error_message": _clip(msg("gen-error-date", ctx.lang), 255)}

    def to_json(self, value: object) -> object:
        return value.isoformat() if isinstance(value, dt.date) else value

    def from_json(self, raw: object) -> object:
        return dt.date.fromisoformat(raw) if isinstance(raw, str) else raw


class IntegerType(FieldType):
    name = "integer"
    input_format = "number"
    cell_kind = "int"
    _validate: ClassVar[str] = "integer"

    def parse(self, field: Field, cell: CellLike, ctx: ParseContext, add: Add) -> float | None:  # int; percent: float
        number = _number(cell.value, cell.number_format)
        if number is None or not number.is_integer():
            add("bad-number", value=cell.value)
            return None
        result = _in_range(field, number, add)
        return None if result is None else int(result)

    def excel_validation(self, field: Field, ctx: ValidationContext) -> dict:
        lo = 0 if field.min is None else field.min
        hi = 10**9 if field.max is None else field.max
        return {**_common(field, ctx), "validate": self._validate, "criteria": "between",
                "minimum": lo, "maximum": hi,
                "error_message": _clip(msg("gen-error-number", ctx.lang, min=lo, max=hi), 255)}


class PercentType(IntegerType):
    """0–100; a cell formatted as % holds a fraction (0.5 shown as 50%) and is read as 50."""
    name = "percent"
    input_format = "percent"
    cell_kind = "pct"
    _validate = "decimal"

    def parse(self, field: Field, cell: CellLike, ctx: ParseContext, add: Add) -> float | None:
        number = _number(cell.value, cell.number_format)
        if number is None:
            add("bad-number", value=cell.value)
            return None
        if 0 < number < 1:  # "50%" typed into a whole-number cell of an older template arrives as 0.5
            add("percent-fraction", WARNING, value=plain(number), guess=plain(round(number * 100, 4)))
        typed, hi = cell.value, field.max or 100  # 70 typed into a cell once formatted by typing "50%": 7000 %
        if "%" in (cell.number_format or "") and isinstance(typed, (int, float)) and 1 < typed <= hi:
            add("percent-cell-format", value=plain(typed), shown=plain(round(number, 4)))
            return None
        return _in_range(field, round(number, 6), add)


class ChoiceType(FieldType):
    """One value of an enum (enums.toml): typed as code or label in either language, kept as the code."""
    name = "choice"
    master_label = True
    _error: ClassVar[str] = "bad-enum"

    def list_key(self, field: Field) -> str | None:
        return field.choices

    def parse(self, field: Field, cell: CellLike, ctx: ParseContext, add: Add) -> str | None:
        text = as_text(cell.value)
        kind = self.list_key(field)
        code = ctx.lookup(kind, text) if kind else None
        if code is None and kind in COMBINABLE:  # "A/R" -> "A/R": codes, each once, in the order typed
            parts = [ctx.lookup(kind, p) for p in ID_SPLIT_RE.split(unicodedata.normalize("NFKC", text)) if p]
            codes = [c for c in parts if c is not None]
            code = "/".join(dict.fromkeys(codes)) if len(parts) > 1 and len(codes) == len(parts) else None
        if code is None:
            sep = "、" if ctx.lang == "zh" else ", "
            add(self._error, value=text, allowed=sep.join(ctx.allowed(kind)) if kind else "")
        return code

    def excel_validation(self, field: Field, ctx: ValidationContext) -> dict:
        kind = self.list_key(field) or ""  # a choice field names its list (the spec check makes sure)
        values = ctx.choices(kind)
        allowed = ("、" if ctx.lang == "zh" else ", ").join(values)
        return {**_common(field, ctx), "validate": "list", "source": f"={ctx.lists[kind]}",
                "error_message": _clip(msg("gen-error-list", ctx.lang, values=allowed), 255)}

    def display(self, value: object, labels: Mapping[str, str] | None = None) -> object:
        if isinstance(value, str) and labels:
            return labels.get(value, value)
        return value


class DepartmentType(ChoiceType):
    """A department of the workspace, typed by code or name; kept as the code."""
    name = "department"
    master_label = False  # the master and the brief name departments by code
    _error = "bad-department"

    def list_key(self, field: Field) -> str | None:
        return "department"


_TYPES: dict[str, FieldType] = {t.name: t() for t in (
    FieldType, LongTextType, PersonType, TaskIdType, TaskIdsType, DateType,
    IntegerType, PercentType, ChoiceType, DepartmentType)}


@lru_cache(maxsize=4096)
def field_type(field: Field) -> FieldType:
    """The type object of a spec field (the loader has already refused unknown types)."""
    return _TYPES[field.type]


# -- shared pieces ---------------------------------------------------------------------------------
def _clip(text: str, limit: int) -> str:
    """Excel limits validation titles to 32 and messages to 255 characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _common(field: Field, ctx: ValidationContext) -> dict:
    return {"input_title": _clip(field.label(ctx.lang), 32), "input_message": _clip(ctx.examples(field.hint(ctx.lang)), 255),
            "error_title": _clip(msg("gen-error-title", ctx.lang), 32), "ignore_blank": True}


def as_text(value: object) -> str:
    """A cell value as the text a person typed: 12.0 -> "12", a midnight datetime -> its date."""
    if type(value) is str:  # most cells: the rest of the chain is for the others
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_text(field: Field, value: object, add: Add) -> str | None:
    """Text without control characters, within the field's length and pattern."""
    text = as_text(value)
    if CONTROL_RE.search(text):
        add("control-chars", value=CONTROL_RE.sub("�", text))
        return None
    limit = field.max_length or TEXT_LIMIT
    if len(text) > limit:
        add("too-long", value=text, length=f"{len(text):,}", max=f"{limit:,}")
        return None
    if field.pattern and not re.fullmatch(field.pattern, text):
        add("bad-format", value=text)
        return None
    return text


def _text_date(value: str, add: Add) -> dt.date | None:
    """A date typed as text; a warning, because Excel will not sort or compute with it."""
    text = unicodedata.normalize("NFKC", value).strip()
    m = TEXT_DATE_RE.match(text)
    if not m:
        add("bad-date", value=value)
        return None
    try:
        day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        add("impossible-date", value=value)
        return None
    if DATE_MIN <= day <= DATE_MAX:
        add("text-date", WARNING, value=value, date=day.isoformat())
    return day


def serial_to_date(serial: float, epoch_1904: bool = False) -> dt.date:
    """An Excel serial day number as a date, in the 1900 (with its phantom 1900-02-29) or 1904 system."""
    days = int(serial)
    if epoch_1904:
        return dt.date(1904, 1, 1) + dt.timedelta(days=days)
    return dt.date(1899, 12, 30 if days >= 61 else 31) + dt.timedelta(days=days)


def _number(value: object, number_format: str | None) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        if "%" in (number_format or ""):
            number *= 100
        return number
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(",", "").replace(" ", "")
        try:
            number = float(text.rstrip("%"))
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        return number  # "50%" typed as text in a percent field means 50, like "50"
    return None


def _in_range(field: Field, number: float, add: Add) -> float | None:
    lo = -math.inf if field.min is None else field.min
    hi = math.inf if field.max is None else field.max
    if not lo <= number <= hi:
        add("out-of-range", value=plain(number), min=plain(field.min), max=plain(field.max))
        return None
    return float(number)


def plain(number: float | None) -> str:
    """A number as a person writes it: 100, not 100.0; "-" for none."""
    return "-" if number is None else str(int(number)) if float(number).is_integer() else str(number)

