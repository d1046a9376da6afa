"""The sharing list (共享清单): which information each audience sees, in which format, how often.

`[sharing]` in xlflow.toml is kept raw by the config (ws.extra["sharing"]) and read here:

    [[sharing.rows]]
    content = ["own_tasks", "linked_tasks", "milestones"]   # one value or a list
    audience = "departments"      # each department / a code / "coordinators" / an e-mail address
    format = ["xlsx", "ics"]      # xlsx | ics | chat | mail
    frequency = "merge"           # merge | weekly
    department = "RD"             # only for an e-mail audience: whose slice that person gets

Every row stands for the product of its lists. Without a [sharing] table, DEFAULT_ROWS apply.
What a department's slice holds is the union of the contents of the rows naming it; nothing
else of the plan reaches it (share/scope.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..config import Workspace, config_reader
from ..i18n import Phrase

CONTENTS = ("own_tasks", "linked_tasks", "milestones", "actions", "risks", "decisions", "scorecard", "master")
DEPARTMENT_CONTENTS = frozenset(CONTENTS) - {"milestones", "master"}  # relative to one department
FORMATS = ("xlsx", "ics", "chat", "mail")
FREQUENCIES = ("merge", "weekly")
DEPARTMENTS, COORDINATORS = "departments", "coordinators"
SECTION = "sharing"
ROWS = "sharing.rows"  # where a row's keys are typed: [[sharing.rows]]
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+$")

_DEPT_VIEW = ["own_tasks", "linked_tasks", "milestones", "actions", "risks", "decisions", "scorecard"]
DEFAULT_ROWS: tuple[dict, ...] = (
    {"content": _DEPT_VIEW, "audience": DEPARTMENTS, "format": ["xlsx", "ics"], "frequency": "merge"},
    {"content": _DEPT_VIEW, "audience": DEPARTMENTS, "format": ["mail"], "frequency": "weekly"},
    {"content": ["master"], "audience": COORDINATORS, "format": ["xlsx", "ics"], "frequency": "merge"},
    {"content": ["master"], "audience": COORDINATORS, "format": ["mail"], "frequency": "weekly"},
)


@dataclass(frozen=True)
class Rule:
    """One cell of the list: `audience` (a department code, "coordinators" or an e-mail address)
    sees `content` as `format`, at each merge or weekly. `department`: whose slice an e-mail
    audience gets ("" for project-wide contents)."""

    content: str
    audience: str
    format: str
    frequency: str
    department: str = ""


@dataclass(frozen=True)
class SharingList:
    rules: tuple[Rule, ...]
    configured: bool  # False: the default list (no [sharing] in xlflow.toml)

    def contents(self, audience: str) -> frozenset[str]:
        """What `audience` sees (a coordinator-like "master" means everything)."""
        return frozenset(r.content for r in self.rules if r.audience == audience)

    def formats(self, audience: str, frequency: str) -> frozenset[str]:
        return frozenset(r.format for r in self.rules if r.audience == audience and r.frequency == frequency)

    def audiences(self) -> tuple[str, ...]:
        """Every audience, in the order of the list."""
        return tuple(dict.fromkeys(r.audience for r in self.rules))

    def subject(self, audience: str) -> str:
        """The department whose slice `audience` gets: itself, or the one its rows name."""
        return next((r.department for r in self.rules if r.audience == audience and r.department), audience)

    def seen_by(self, code: str) -> dict[str, frozenset[str]]:
        """Who sees something of department `code`'s plan, and what: audience -> contents. The
        other departments see the tasks linked to theirs (and the milestones)."""
        out: dict[str, set[str]] = {}
        for r in self.rules:
            relevant = (
                r.content == "master"
                or (r.content in DEPARTMENT_CONTENTS and self.subject(r.audience) == code)
                or (r.content == "linked_tasks" and r.audience != code)
            )
            if relevant:
                out.setdefault(r.audience, set()).add(r.content)
        return {k: frozenset(v) for k, v in out.items()}


def _values(r, table: dict, key: str, allowed: tuple[str, ...] | None, line_value: str | None = None) -> list[str]:
    value = r.get(table, key, (str, list), ROWS)
    values = [value] if isinstance(value, str) else value
    if not values or not all(isinstance(v, str) for v in values):
        raise r.fail(key, Phrase("share-config-expected-list"), ROWS)
    if allowed is not None:
        for v in values:
            if v not in allowed:
                raise r.fail(key, Phrase("config-expected-one-of", values=", ".join(allowed)), ROWS, v)
    return values


def _audiences(r, ws: Workspace, table: dict) -> list[str]:
    out = []
    codes = [d.code for d in ws.departments]
    for value in _values(r, table, "audience", None):
        if value == DEPARTMENTS:
            out += codes
        elif value == COORDINATORS or value in codes or _EMAIL.match(value):
            out.append(value)
        else:
            raise r.fail(
                "audience", Phrase("share-config-bad-audience", value=value, codes=", ".join(codes)), ROWS, value
            )
    return out


def _rows(r, ws: Workspace, raw: object) -> list[Rule]:
    if not isinstance(raw, dict):
        raise r.fail(SECTION, Phrase("config-expected-type", expected="table", got=repr(raw)))
    unknown = set(raw) - {"rows"}
    if unknown:
        raise r.fail(sorted(unknown)[0], Phrase("share-config-unknown-key", known="rows"), SECTION)
    rows = r.get(raw, "rows", list, SECTION)
    rules = []
    for table in rows:
        if not isinstance(table, dict):
            raise r.fail("rows", Phrase("config-expected-type", expected="table", got=repr(table)), SECTION)
        extra = set(table) - {"content", "audience", "format", "frequency", "department"}
        if extra:
            raise r.fail(
                sorted(extra)[0],
                Phrase("share-config-unknown-key", known="content, audience, format, frequency, department"),
                ROWS,
            )
        contents = _values(r, table, "content", CONTENTS)
        formats = _values(r, table, "format", FORMATS)
        frequencies = _values(r, table, "frequency", FREQUENCIES)
        department = r.get(table, "department", str, ROWS, "")
        if department and ws.department(department) is None:
            raise r.fail("department", Phrase("share-config-bad-department", value=department), ROWS, department)
        for audience in _audiences(r, ws, table):
            if "@" in audience and not department and DEPARTMENT_CONTENTS & set(contents):
                raise r.fail("audience", Phrase("share-config-email-needs-department", value=audience), ROWS, audience)
            rules += [
                Rule(c, audience, f, q, department if "@" in audience else "")
                for c in contents
                for f in formats
                for q in frequencies
            ]
    return rules


def sharing_list(ws: Workspace) -> SharingList:
    """The workspace's sharing list, checked (a wrong key or value names its line), or the default."""
    raw = ws.extra.get(SECTION)
    r = config_reader(ws)
    if raw is None:
        return SharingList(tuple(dict.fromkeys(_rows(r, ws, {"rows": list(DEFAULT_ROWS)}))), configured=False)
    return SharingList(tuple(dict.fromkeys(_rows(r, ws, raw))), configured=True)


def default_toml() -> str:
    """The default list as xlflow.toml text (what `xlflow init` writes)."""

    def show(value):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]" if isinstance(value, list) else f'"{value}"'

    blocks = []
    for row in DEFAULT_ROWS:
        blocks.append("[[sharing.rows]]\n" + "\n".join(f"{k} = {show(v)}" for k, v in row.items()))
    return "\n\n".join(blocks) + "\n"
