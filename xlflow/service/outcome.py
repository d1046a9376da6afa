"""What became of one inbox file (the line the watcher prints) and the plain-text report beside a
rejected file."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..findings import Report
from ..i18n import msg
from .staging import clean_name


@dataclass
class Outcome:
    """What became of one file: the watcher prints it as one line."""

    path: Path
    result: str  # accepted | rejected | unreadable | duplicate | retry | postponed | gone | done
    department: str | None = None
    errors: int = 0
    warnings: int = 0
    version: int | None = None
    seconds: float = 0.0
    sha256: str | None = None
    note: str = ""
    outputs: list[Path] = field(default_factory=list)
    retry_in: float = 0.0  # for retry/postponed: seconds until the next look
    master: Path | None = None  # the master this file's acceptance re-merged (None: not merged with it)
    warning: str = ""  # for the coordinator, logged once as a warning (e.g. the inbox file cannot be removed)

    @property
    def final(self) -> bool:
        """False while the file should be tried again later."""
        return self.result not in ("retry", "postponed")

    def line(self, lang: str) -> str:
        """One line for the console and the log; a CR/LF, ESC or BEL in the file name (or a note) is cleaned."""
        text = msg("watch-line", lang, file=self.path.name, department=self.department or "?",
                   result=msg(f"watch-result-{self.result}", lang), errors=self.errors, warnings=self.warnings,
                   seconds=f"{self.seconds:.2f}") + (f" — {self.note}" if self.note else "")
        return clean_name(text)


def report_text(name: str, department: str | None, received: str, report: Report, lang: str) -> str:
    """The plain-text report placed beside a rejected file and used as the e-mail body."""
    lines = [msg("watch-report-title", lang, file=clean_name(name), department=department or "?", received=received),
             msg("watch-report-counts", lang, errors=len(report.errors), warnings=len(report.warnings)), "",
             *report.lines(lang)]
    return "\n".join(lines) + "\n"
