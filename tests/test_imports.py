"""Imports go one way and each third-party library stays in its room.

Two views of the same rule: importing a module in a fresh interpreter pulls in nothing from a
higher layer (what really happens at load time), and the AST of every module, imports inside
functions included, names nothing from a higher layer and no library outside its room.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from code_helpers import PACKAGE, code_files

# A unit is a top-level module or a package; a unit may import its own layer and the ones before it.
LAYERS = [
    ["errors", "i18n", "resources", "textfile"],
    ["findings"],
    ["spec"],
    ["config"],
    ["workdays"],
    ["xlsx"],
    ["check"],
    ["plan"],
    ["store"],
    ["output"],
    ["week"],
    ["chat", "share", "export", "portfolio", "closeout"],  # renderers of the week: channels and views
    ["service"],
    ["watcher", "demo"],
    ["cli", "__main__"],
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}
# library -> the units allowed to import it
ROOMS = {
    "xlsxwriter": {"xlsx"},
    "openpyxl": {"xlsx"},
    "defusedxml": {"xlsx"},
    "jinja2": {"output"},
    "markupsafe": {"output"},
    "watchdog": {"watcher"},
    "click": {"cli"},
    "pandas": {"export"},
    "icalendar": {"share"},
    "chinese_calendar": {"workdays"},
}


def _modules() -> dict[str, Path]:
    """Dotted name under xlflow -> file, for every module of the package."""
    out = {}
    for path in code_files():
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        out[".".join(parts)] = path
    return out


def _unit(dotted: str) -> str:
    return dotted.split(".")[0]


def _imports(dotted: str, path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, at any depth."""
    package = dotted.split(".")[:-1] if not dotted.endswith("__init__") else dotted.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["xlflow", *package[: len(package) - node.level + 1]]
                name = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import x: each name may be a module
                    out += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
                    continue
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return out


def _problems(dotted: str, path: Path) -> list[str]:
    me = _unit(dotted)
    problems = []
    for line, name in _imports(dotted, path):
        top, _, rest = name.partition(".")
        if top == "xlflow":
            unit = rest.split(".")[0] if rest else ""
            if unit in LAYER_OF and LAYER_OF[unit] > LAYER_OF[me]:
                problems.append(f"{path.name}:{line} imports {name} (layer {LAYER_OF[unit]} > {LAYER_OF[me]})")
        elif top in ROOMS and me not in ROOMS[top]:
            problems.append(f"{path.name}:{line} imports {top}, which belongs to {sorted(ROOMS[top]) or 'no unit'}")
    return problems


MODULES = _modules()


@pytest.mark.parametrize("dotted", sorted(MODULES))
def test_no_import_goes_up_a_layer_or_out_of_its_room(dotted):
    assert not _problems(dotted, MODULES[dotted])


def test_every_unit_is_placed_in_a_layer():
    units = {_unit(d) for d in MODULES} - {"__init__"}
    assert units <= set(LAYER_OF), f"unplaced: {sorted(units - set(LAYER_OF))}"


def test_the_checker_sees_imports_inside_functions(tmp_path):
    """The AST walk must catch what a load-time check cannot: an import inside a function."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from ..service import intake\n    import click\n")
    problems = _problems("xlsx.probe", probe)
    assert len(problems) == 2, problems


def _present(unit: str) -> bool:
    return (PACKAGE / unit).is_dir() or (PACKAGE / f"{unit}.py").is_file()


@pytest.mark.parametrize("unit", [u for layer in LAYERS for u in layer if u != "__main__" and _present(u)])
def test_loading_a_unit_pulls_in_no_higher_layer_and_no_foreign_library(unit):
    code = (f"import sys, json; import xlflow.{unit}; "
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    ours = {m.split(".")[1] for m in loaded if m.startswith("xlflow.")}
    higher = {u for u in ours if LAYER_OF.get(u, -1) > LAYER_OF[unit]}
    assert not higher, f"xlflow.{unit} loads higher layers: {sorted(higher)}"
    for library, allowed in ROOMS.items():
        if library in loaded and not any(LAYER_OF[a] <= LAYER_OF[unit] for a in allowed):
            pytest.fail(f"xlflow.{unit} pulls in {library}")
