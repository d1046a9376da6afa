"""Modules of a few hundred lines with one job, functions that read top to bottom: a module over
400 lines or a function over 60 fails here, unless its docstring says why it is long ("Long:")."""
from __future__ import annotations

import ast

import pytest

from code_helpers import PACKAGE, code_files

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MODULES = code_files()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_and_functions_stay_small(path):
    text = path.read_text("utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path.name}: split it by job"
    long = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES and "Long:" not in (ast.get_docstring(node) or ""):
                long.append(f"{node.name} ({length} lines, line {node.lineno})")
    assert not long, f"{path.name}: {long}"
