"""The package's own code, as installed: shipped data folders (samples/, workbook_templates/) hold
scripts too (build_samples.py), but they are data for the demo, not modules of xlflow."""
from __future__ import annotations

from pathlib import Path

import xlflow

PACKAGE = Path(xlflow.__file__).parent
SHIPPED_DATA = {"samples", "workbook_templates"}


def code_files() -> list[Path]:
    """Every .py file of the package, shipped data folders left out."""
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if p.relative_to(PACKAGE).parts[0] not in SHIPPED_DATA)
