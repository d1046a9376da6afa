"""Shared fixtures: a sample workspace made with `xlflow init --sample`, and its generated workbooks;
the sample project merged as `xlflow demo` merges it, made once a session and copied for each test."""
from __future__ import annotations

import shutil
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


@pytest.fixture(scope="session")
def merged_sample(tmp_path_factory) -> Path:
    """The sample workspace after its two weeks of submissions and the Friday merge (zh), made once
    for the session: never change it, take `merged_sample_ws` (a copy) instead."""
    from export_helpers import AS_OF, sample_workspace
    from xlflow.service.merge import merge_workspace

    root = tmp_path_factory.mktemp("merged-sample") / "ws"
    merge_workspace(sample_workspace(root), as_of=AS_OF, lang="zh")
    return root


@pytest.fixture
def merged_sample_ws(merged_sample: Path, tmp_path: Path) -> Workspace:
    """A copy of the merged sample workspace, the test's own to change."""
    from xlflow.config import load_workspace

    root = tmp_path / "ws"
    shutil.copytree(merged_sample, root)
    return load_workspace(root)
