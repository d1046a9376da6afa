"""Files shipped with xlflow: inside the installed package, or beside it in a source checkout."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def data_dir() -> Path:
    """workbook_templates/: the form specs, enumerations and message catalog."""
    return _shipped("workbook_templates")


def samples_dir() -> Path:
    """samples/: the sample workspace config and submissions."""
    return _shipped("samples")
