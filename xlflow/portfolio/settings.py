"""portfolio.toml: which workspaces, how departments match across projects, and the thresholds.

[portfolio]
workspaces = ["../x1-launch", "//pmo/share/erp-rollout"]   # relative to this file; DIR… on the
blocker_days = 5          # an open blocker older than this is counted (default 5)
language = "zh"           # of portfolio.xlsx and the brief (default: the first project's)
mail_workspace = "../pmo" # whose [email] settings send the brief with --send (its outbox/ too)

[departments]             # one name for the same department in every project
"R&D" = ["RD", "X1:RD", "研发部"]   # a code, PROJ:CODE, or a department's zh/en name
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import ConfigReader, Workspace, read_toml
from ..i18n import Phrase

DEFAULT_BLOCKER_DAYS = 5


@dataclass(frozen=True)
class PortfolioSettings:
    workspaces: tuple[Path, ...] = ()
    blocker_days: int = DEFAULT_BLOCKER_DAYS
    language: str | None = None
    mail_workspace: Path | None = None
    aliases: dict[str, str] = field(default_factory=dict)  # alias (code, PROJ:CODE, name) -> portfolio name

    def department_name(self, project: str, ws: Workspace | None, code: str) -> str:
        """The portfolio's name for a project's department: by PROJ:CODE, then CODE, then its names."""
        for key in (f"{project}:{code}", code):
            if key in self.aliases:
                return self.aliases[key]
        dept = ws.department(code) if ws is not None else None
        if dept is not None:
            for lang in ("zh", "en"):
                if dept.name(lang) in self.aliases:
                    return self.aliases[dept.name(lang)]
        return code


def load_settings(path: Path | None) -> PortfolioSettings:
    if path is None:
        return PortfolioSettings()
    data, r = read_toml(Path(path).resolve())
    for name in data:
        if name not in ("portfolio", "departments"):
            raise r.fail(name, Phrase("pf-config-unknown-table"))
    p = r.get(data, "portfolio", dict, "portfolio", {})
    for key in p:
        if key not in ("workspaces", "blocker_days", "language", "mail_workspace"):
            raise r.fail(key, Phrase("pf-config-unknown-key"), "portfolio")
    roots = r.get(p, "workspaces", list, "portfolio", [])
    if not all(isinstance(w, str) and w.strip() for w in roots):
        raise r.fail("workspaces", Phrase("pf-config-paths"), "portfolio")
    days = r.get(p, "blocker_days", int, "portfolio", DEFAULT_BLOCKER_DAYS)
    if days < 0:
        raise r.fail("blocker_days", Phrase("config-not-negative"), "portfolio")
    language = r.get(p, "language", str, "portfolio", None)
    if language not in (None, "zh", "en"):
        raise r.fail("language", Phrase("config-expected-one-of", values="zh, en"), "portfolio")
    mail = r.get(p, "mail_workspace", str, "portfolio", "")
    return PortfolioSettings(
        tuple(path.parent / w for w in roots),
        days,
        language,
        path.parent / mail if mail else None,
        _aliases(r, data.get("departments", {})),
    )


def _aliases(r: ConfigReader, table: object) -> dict[str, str]:
    if not isinstance(table, dict):
        raise r.fail("departments", Phrase("pf-config-departments"))
    out: dict[str, str] = {}
    for name, aliases in table.items():
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise r.fail(name, Phrase("pf-config-departments"), "departments")
        for alias in aliases:
            if alias in out and out[alias] != name:
                raise r.fail(name, Phrase("pf-config-alias-twice", alias=alias, other=out[alias]), "departments")
            out[alias] = name
    return out
