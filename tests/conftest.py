"""Shared fixtures: a sample workspace made with `xlflow init --sample`, and its generated workbooks."""
from __future__ import annotations

from pathlib import Path

import pytest

from mail_helpers import tls_cert  # noqa: F401 - the fixture (one certificate per session), for every test module
from xlflow.config import Workspace
from xlflow.output.department import generate_workbook, workbook_name
from xlflow.service.scaffold import init_workspace


@pytest.fixture
def sample_ws(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws", "zh", sample=True)


@pytest.fixture
def sample_ws_en(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws_en", "en", sample=True)


@pytest.fixture
def blank_workbook(sample_ws: Workspace, tmp_path: Path):
    """A function: blank_workbook("RD", "zh") -> Path of a freshly generated workbook."""

    def make(dept: str = "RD", lang: str = "zh") -> Path:
        return generate_workbook(sample_ws, dept, lang, tmp_path / "blank" / workbook_name(sample_ws, dept, lang))

    return make
