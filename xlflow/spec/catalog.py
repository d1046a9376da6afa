"""The form specs (workbook_templates/*.toml) as frozen dataclasses: the one source of truth.

Generation writes dropdowns, hints and validations from them; validation reads
and checks cells with them; the merge takes its columns from them. An unknown
key or type in a spec file fails loudly at load time (SpecError, naming file and key).
"""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from ..errors import SpecError
from ..i18n import Phrase
from ..resources import data_dir, read_toml

FIELD_TYPES = {
    "text", "longtext", "date", "integer", "percent", "choice",
    "department", "person", "task_id", "task_ids",
}
_FIELD_KEYS = {
    "key", "label", "type", "required", "width", "hint", "choices", "min", "max",
    "max_length", "pattern", "per_department",
}
_FORM_KEYS = {"id", "order", "title", "sheet", "purpose", "fields", "legacy"}
_TABLE_KEYS = {"id", "title", "rows", "fields", "rules", "optional"}  # rules: names of check/rules.py's cross-field rules
# optional: a table added in a later spec version; a workbook without it is read as if it were empty


@dataclass(frozen=True)
class Text:
    zh: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @classmethod
    def of(cls, raw: dict, where: str) -> Text:
        if not isinstance(raw, dict) or set(raw) != {"zh", "en"}:
            raise _broken(where, "spec-problem-text", value=repr(raw))
        return cls(raw["zh"], raw["en"])


def _broken(where: str, problem: str, /, **params: object) -> SpecError:
    """A SpecError for `where` ("04_wbs.toml:tasks.status.label": file, then key)."""
    file, _, key = where.partition(":")
    return SpecError("spec-error", file=file, key=key or "-", problem=Phrase(problem, **params))


def normalise(value: str) -> str:
    """Fold full-width characters and case, trim spaces: how people's input is compared."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


@dataclass(frozen=True)
class Choice:
    code: str
    label: Text
    colour: str | None = None
    meaning: Text | None = None


@dataclass(frozen=True)
class Enum:
    key: str
    label: Text
    values: tuple[Choice, ...]

    def lookup(self, raw: str) -> str | None:
        """The code for a code, Chinese label or English label, ignoring case and spaces."""
        wanted = normalise(raw)
        for choice in self.values:
            if wanted in (normalise(choice.code), normalise(choice.label.zh), normalise(choice.label.en)):
                return choice.code
        return None

    def label_of(self, code: str, lang: str) -> str:
        for choice in self.values:
            if choice.code == code:
                return choice.label(lang)
        return code

    def colour_of(self, code: str) -> str | None:
        return next((c.colour for c in self.values if c.code == code), None)

    def labels(self, lang: str) -> list[str]:
        return [c.label(lang) for c in self.values]


@dataclass(frozen=True)
class Field:
    key: str
    label: Text
    type: str
    hint: Text
    width: float = 14
    required: bool = False
    choices: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    per_department: bool = False
    department: str | None = None  # set on the copies a per_department field expands into

    @property
    def is_input_list(self) -> bool:
        return self.type in ("choice", "department")


@dataclass(frozen=True)
class Table:
    id: str
    title: Text
    rows: int
    fields: tuple[Field, ...]
    rules: tuple[str, ...] = ()  # the cross-field rules that apply to the table's rows, by name
    optional: bool = False  # older workbooks lack it: no "table missing" finding

    def columns(self, departments: list[tuple[str, Text]]) -> tuple[Field, ...]:
        """The table's columns, with each per-department field repeated once per department (made once
        per table and departments: the check of every file asks again, a RACI matrix has a column each)."""
        if not any(f.per_department for f in self.fields):
            return self.fields
        return _columns(self, tuple(departments))


@lru_cache(maxsize=64)
def _columns(table: Table, departments: tuple[tuple[str, Text], ...]) -> tuple[Field, ...]:
    out: list[Field] = []
    for f in table.fields:
        if not f.per_department:
            out.append(f)
            continue
        for code, name in departments:
            label = Text(f.label.zh.format(department=name.zh), f.label.en.format(department=name.en))
            out.append(replace(f, key=f"{f.key}:{code}", label=label, department=code, per_department=False))
    return tuple(out)


@dataclass(frozen=True)
class Legacy:
    """An older layout of a form that is still read, never generated: its label/value `fields`
    stand for one row of `table` (the minutes form's one-meeting card, form version 1.0)."""

    table: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Form:
    id: str
    order: int
    title: Text
    sheet: Text
    purpose: Text
    fields: tuple[Field, ...] = ()  # card fields: one label/value row each
    tables: tuple[Table, ...] = ()
    legacy: Legacy | None = None

    def table(self, table_id: str) -> Table:
        return next(t for t in self.tables if t.id == table_id)


@dataclass(frozen=True)
class Catalog:
    version: str
    min_compatible: str
    forms: tuple[Form, ...]
    enums: dict[str, Enum] = field(hash=False)

    def form(self, form_id: str) -> Form:
        return next(f for f in self.forms if f.id == form_id)

    def enum_of(self, f: Field) -> Enum | None:
        return self.enums.get(f.choices) if f.choices else None


def _unknown(raw: dict, known: set[str], where: str) -> None:
    unknown = set(raw) - known
    if unknown:
        raise _broken(where, "spec-problem-unknown-key", keys=", ".join(sorted(unknown)))


def _field(raw: dict, where: str, enums: dict[str, Enum]) -> Field:
    _unknown(raw, _FIELD_KEYS, where)
    if raw.get("type") not in FIELD_TYPES:
        raise _broken(f"{where}.type", "spec-problem-type", type=repr(raw.get("type")),
                      types=", ".join(sorted(FIELD_TYPES)))
    if raw["type"] == "choice" and raw.get("choices") not in enums:
        raise _broken(f"{where}.choices", "spec-problem-choices", choices=repr(raw.get("choices")))
    if raw.get("pattern"):
        try:
            re.compile(raw["pattern"])
        except re.error as exc:
            raise _broken(f"{where}.pattern", "spec-problem-pattern", error=str(exc)) from None
    return Field(
        key=raw["key"], label=Text.of(raw["label"], f"{where}.label"), type=raw["type"],
        hint=Text.of(raw["hint"], f"{where}.hint"), width=raw.get("width", 14),
        required=raw.get("required", False), choices=raw.get("choices"),
        min=raw.get("min"), max=raw.get("max"), max_length=raw.get("max_length"),
        pattern=raw.get("pattern"), per_department=raw.get("per_department", False),
    )


def _enums(raw: dict) -> dict[str, Enum]:
    out = {}
    for key, body in raw.items():
        values = tuple(
            Choice(v["code"], Text(v["zh"], v["en"]), v.get("colour"),
                   Text.of(v["meaning"], f"enums.{key}") if "meaning" in v else None)
            for v in body["values"]
        )
        out[key] = Enum(key, Text.of(body["label"], f"enums.{key}.label"), values)
    return out


def _toml(path: Path) -> dict:
    try:
        return read_toml(path)
    except tomllib.TOMLDecodeError as exc:
        raise _broken(path.name, "spec-problem-syntax", error=str(exc)) from None


def _table(t: dict, where: str, enums: dict[str, Enum]) -> Table:
    where = f"{where}:{t.get('id')}"
    _unknown(t, _TABLE_KEYS, where)
    return Table(t["id"], Text.of(t["title"], f"{where}.title"), t["rows"],
                 tuple(_field(f, f"{where}.{f.get('key')}", enums) for f in t["fields"]),
                 tuple(t.get("rules", ())), bool(t.get("optional", False)))


def _form(path: Path, enums: dict[str, Enum]) -> Form:
    """One form spec file; a missing key is a SpecError too (the file is named, the key is the missing one)."""
    try:
        return _form_of(_toml(path), path.name, enums)
    except KeyError as exc:
        raise _broken(path.name, "spec-problem-missing-key", name=str(exc.args[0])) from None


def _form_of(raw: dict, where: str, enums: dict[str, Enum]) -> Form:
    head = raw["form"]
    _unknown(raw, {"form", "tables"}, where)
    _unknown(head, _FORM_KEYS, f"{where}:form")
    tables = tuple(_table(t, where, enums) for t in raw.get("tables", []))
    return Form(
        id=head["id"], order=head["order"], title=Text.of(head["title"], f"{where}.title"),
        sheet=Text.of(head["sheet"], f"{where}.sheet"), purpose=Text.of(head["purpose"], f"{where}.purpose"),
        fields=tuple(_field(f, f"{where}:{f.get('key')}", enums) for f in head.get("fields", [])),
        tables=tables, legacy=_legacy(head.get("legacy"), where, enums, tables),
    )


def _legacy(raw: dict | None, where: str, enums: dict[str, Enum], tables: tuple[Table, ...]) -> Legacy | None:
    if raw is None:
        return None
    _unknown(raw, {"table", "fields"}, f"{where}:legacy")
    if raw["table"] not in {t.id for t in tables}:
        raise _broken(f"{where}:legacy.table", "spec-problem-missing-key", name=str(raw["table"]))
    return Legacy(raw["table"], tuple(_field(f, f"{where}:legacy.{f.get('key')}", enums) for f in raw["fields"]))


@lru_cache(maxsize=4)
def load_catalog(directory: Path | None = None) -> Catalog:
    root = directory or data_dir()
    try:
        enums = _enums(_toml(root / "enums.toml"))
    except KeyError as exc:
        raise _broken("enums.toml", "spec-problem-missing-key", name=str(exc.args[0])) from None
    meta = _toml(root / "catalog.toml")
    if not {"version", "min_compatible"} <= set(meta):
        missing = sorted({"version", "min_compatible"} - set(meta))[0]
        raise _broken("catalog.toml", "spec-problem-missing-key", name=missing)
    forms = sorted((_form(p, enums) for p in root.glob("[0-9][0-9]_*.toml")), key=lambda f: f.order)
    return Catalog(meta["version"], meta["min_compatible"], tuple(forms), enums)
