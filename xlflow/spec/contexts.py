"""What a field type works with: a cell and the workbook being checked (protocols: the spec sits below
the xlsx reader and the checks), the callback that takes its findings, and an Excel validation's context."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol


class CellLike(Protocol):
    """What a parser needs of a cell (xlsx.read.Cell has it)."""
    @property
    def value(self) -> object: ...

    @property
    def number_format(self) -> str | None: ...


class ParseContext(Protocol):
    """What a parser needs of the workbook being checked."""
    lang: str
    department: str | None  # the workbook's department code, for the task-ID hint

    @property
    def epoch_1904(self) -> bool: ...

    def lookup(self, kind: str, text: str) -> str | None:
        """The code of an enum value ("status", …) or a department ("department") for typed text."""

    def allowed(self, kind: str) -> list[str]:
        """The labels a person may choose for `kind`, in the workbook's language."""


Add = Callable[..., None]  # add(code, severity=ERROR, value=None, **params): one finding for this cell


@dataclass(frozen=True)
class ValidationContext:
    """What an Excel data validation needs besides the field: language, where it starts, lists."""
    lang: str
    first_cell: str  # "B5": custom formulas are relative to the range's first cell
    prefix: str  # the department's task-ID prefix, "RD"
    lists: Mapping[str, str]  # list key ("status", "department") -> the defined name of its values
    choices: Callable[[str], list[str]]  # list key -> its labels in `lang`
    examples: Callable[[str], str] = str  # a hint with the sample's examples made the project's
