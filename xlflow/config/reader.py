"""Typed access to the parsed xlflow.toml that names the key's table and line on every error."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..i18n import Phrase
from ..spec.catalog import Text
from .settings import SECTIONS, WEEKDAYS, known_keys, toml_key


class ConfigReader:
    """Typed access to the parsed TOML that reports the key's dotted path and line on error."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.lines = path, text.splitlines()
        self.problems: list[ConfigError] = []  # noted, to be told all at once (raise_problems)

    def note(self, error: ConfigError) -> None:
        """Keep a problem and go on reading, so that one run reports every wrong key."""
        self.problems.append(error)

    def keep(self, read, fallback=None):
        """read(), or `fallback` with the ConfigError it raised noted."""
        try:
            return read()
        except ConfigError as exc:
            self.note(exc)
            return fallback

    def raise_problems(self) -> None:
        """The one problem noted as it is, or every problem in one message, in the order of the file."""
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            found = sorted(self.problems, key=_line)
            raise ConfigError("config-problems", file=str(self.path), count=len(found), problems=_Problems(found))

    def line_of(self, key: str, section: str | None = None, value: str | None = None) -> int:
        """The line of `key` in `section`; with `value`, the one where it is typed ([[departments]])."""
        start = 0
        if section:
            for i, line in enumerate(self.lines):
                if re.match(rf"^\s*\[\[?{re.escape(section)}\]?\]\s*$", line):
                    start = i
                    break
        found = [i for i in range(start, len(self.lines)) if re.match(rf"^\s*{re.escape(key)}\s*=", self.lines[i])]
        if value:
            typed = '"' + re.split(r"[\x00-\x1f\x7f]", value)[0]  # as it starts in the file, before an escape
            found = [i for i in found if typed in self.lines[i]] or found
        return found[0] + 1 if found else (start + 1 if section else 0)

    def check_keys(self, data: dict) -> None:
        """Refuse keys xlflow does not know (a misspelt `wek_start` would be ignored without a word)."""
        tables = [("", data)]
        for section in SECTIONS:
            value = data.get(section)
            tables += [(section, t) for t in (value if isinstance(value, list) else [value]) if isinstance(t, dict)]
        for section, table in tables:
            for key in table:
                if key not in known_keys(section):
                    line = self.line_of(key, section or None) if section else self.table_line(key)
                    self.note(ConfigError("config-unknown-key", file=str(self.path), line=line,
                                      key=f"{section + '.' if section else ''}{key}",
                                      known=", ".join(sorted(known_keys(section)))))

    def table_line(self, name: str) -> int:
        for i, line in enumerate(self.lines):
            if re.match(rf"^\s*(\[\[?\s*{re.escape(name)}\s*\]?\]|{re.escape(name)}\s*=)", line):
                return i + 1
        return 1

    def fail(self, key: str, problem: Phrase, section: str | None = None, value: str | None = None) -> ConfigError:
        return ConfigError("config-bad-key", file=str(self.path), key=f"{section + '.' if section else ''}{key}",
                           line=self.line_of(key, section, value), problem=problem)

    def get(self, table: dict, key: str, kind: type | tuple, section: str, default=...):
        if key not in table:
            if default is ...:
                raise ConfigError("config-missing-key", file=str(self.path), key=f"{section}.{key}",
                                  line=self.line_of(section.split(".")[0]) or 1)
            return default
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = "/".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise self.fail(key, Phrase("config-expected-type", expected=names, got=repr(value)), section)
        return value

    def text(self, table: dict, key: str, section: str) -> Text:
        value = self.get(table, key, (str, dict), section)
        if isinstance(value, str):
            return Text(value, value)
        given = {lang: v for lang, v in value.items() if lang in ("zh", "en") and isinstance(v, str) and v.strip()}
        if not given or set(value) - {"zh", "en"}:
            typed = next((v for v in value.values() if isinstance(v, str) and v), None)  # finds its [[table]]'s line
            raise self.fail(key, Phrase("config-expected-text"), section, typed)
        return Text(given.get("zh") or given["en"], given.get("en") or given["zh"])  # one language: both

    def weekday(self, table: dict, key: str, section: str, default):
        value = self.get(table, key, str, section, default)
        if value is None or isinstance(value, int):
            return value
        if value.lower() not in WEEKDAYS:
            raise self.fail(key, Phrase("config-expected-one-of", values=", ".join(WEEKDAYS)), section)
        return WEEKDAYS.index(value.lower())

    def time(self, table: dict, key: str, section: str, default: dt.time) -> dt.time:
        value = self.get(table, key, (str, dt.time), section, default)
        if isinstance(value, dt.time):
            return value
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            raise self.fail(key, Phrase("config-expected-time"), section) from None

    def settings(self, data: dict, section: str, **overrides: object):
        """A settings table read into its dataclass: each key's type and default come from the
        dataclass field (its metadata gives another TOML spelling or a special reader)."""
        cls = SECTIONS[section]
        table = self.get(data, section, dict, section, {})
        values = {}
        for f in dataclasses.fields(cls):
            default = overrides.get(f.name, f.default)
            values[f.name] = self.keep(partial(self._field, table, f, section, default), default)
        return cls(**values)

    def _field(self, table: dict, f: dataclasses.Field, section: str, default: Any) -> object:  # Any: the field's type
        key, read = toml_key(f), f.metadata.get("read") or type(default).__name__
        if read == "weekday":
            return self.weekday(table, key, section, default)
        if read == "time":
            return self.time(table, key, section, default)
        if read == "tuple" and f.name in ("holidays", "workdays"):
            return self.dates(table, key, section)
        if read == "tuple":
            return tuple(self.get(table, key, list, section, list(default)))
        return self.get(table, key, type(default), section, default)

    def dates(self, table: dict, key: str, section: str) -> tuple[dt.date, ...]:
        values = self.get(table, key, list, section, [])
        if not all(isinstance(v, dt.date) for v in values):
            raise self.fail(key, Phrase("config-expected-dates"), section)
        return tuple(values)


class _Problems(Phrase):
    """Several config problems as one list, each on its own line, in the message's language."""

    def __init__(self, problems: list[ConfigError]) -> None:
        super().__init__("config-problems")
        self.problems = problems

    def render(self, lang: str) -> str:
        return "\n".join("  - " + p.message(lang) for p in self.problems)


def _line(problem: ConfigError) -> int:
    """Where a problem is in the file (0: not on a line)."""
    line = problem.params.get("line")
    return line if isinstance(line, int) else 0
