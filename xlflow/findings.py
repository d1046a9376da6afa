"""Bad content is data: a Finding names the code, severity, sheet, cell, field and value;
a Report holds a file's findings. The same findings feed the CLI, the JSON, the
annotated feedback copy and the submitter's e-mail."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .i18n import msg

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str = ERROR
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None  # the field's label in the workbook's language
    value: object = None
    params: dict = dataclasses.field(default_factory=dict, hash=False, compare=False)

    def message(self, lang: str) -> str:
        """Text from the catalog key `finding-<code>`; params fill its {placeholders}."""
        return msg(f"finding-{self.code}", lang, field=self.field or "", value=_show(self.value),
                   sheet=self.sheet or "", cell=self.cell or "", **self.params)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_dict(self, lang: str) -> dict:
        return {"code": self.code, "severity": self.severity, "sheet": self.sheet, "cell": self.cell,
                "field": self.field, "value": _json_value(self.value), "message": self.message(lang)}


def _show(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _json_value(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _show(value)


@dataclass
class Report:
    findings: list[Finding] = dataclasses.field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def valid(self) -> bool:
        return not self.errors

    def flatten(self) -> list[tuple[str, str | None]]:
        """(code, cell) pairs, for compact assertions in tests."""
        return [(f.code, f.cell) for f in self.findings]

    def lines(self, lang: str) -> list[str]:
        """Findings grouped by sheet, each with its cell: the body of every report (CLI, rejected/, e-mail)."""
        groups: dict[str | None, list[Finding]] = {}
        for finding in self.findings:
            groups.setdefault(finding.sheet, []).append(finding)
        out = []
        for sheet, findings in groups.items():
            out.append(f"  [{sheet}]" if sheet else "  " + msg("validate-workbook-group", lang))
            for f in findings:
                mark = msg("validate-error-mark" if f.is_error else "validate-warning-mark", lang)
                where = f"{f.cell}: " if f.cell else ""
                out.append(f"    {mark} {where}{f.message(lang)} [{f.code}]")
        return out
