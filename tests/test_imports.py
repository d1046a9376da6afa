"""Imports go one way and each third-party library stays in its room, and no module imports itself
back through others.

Two views of the same rule: importing a module in a fresh interpreter pulls in nothing from a
higher layer (what really happens at load time), and the AST of every module, imports inside
functions included, names nothing from a higher layer and no library outside its room. A third
check builds the graph of module-to-module imports and fails on any circle.
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
    ["store"],  # storage is kernel: the database, the on-disk formats; it knows no check, plan or output
    ["check"],
    ["plan"],
    ["output"],  # what every output uses: the master's writer kit, the department workbook, mails and their templates
    ["features"],  # one folder per feature: its rules, tables, part of the week, master sheet(s) and brief part
    ["week"],  # the week's state, its record, and the assemblers of the master and the brief
    ["chat", "share", "export", "portfolio", "closeout"],  # renderers of the week: channels and views
    ["service"],
    ["watcher", "demo"],
    ["cli", "__main__"],
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}
# Modules that are moving out of their unit, checked at the layer they are moving to until they have
# moved. Keep this short: an entry is a debt with an issue, never a way around the rule.
MOVING: dict[str, str] = {}
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
    "isal": {"xlsx"},
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


def _layer(dotted: str) -> int:
    return LAYER_OF[MOVING.get(dotted, _unit(dotted))]


def _problems(dotted: str, path: Path) -> list[str]:
    me = _unit(dotted)
    problems = []
    for line, name in _imports(dotted, path):
        top, _, rest = name.partition(".")
        if top == "xlflow":
            unit = rest.split(".")[0] if rest else ""
            if unit in LAYER_OF and LAYER_OF[unit] > _layer(dotted):
                problems.append(f"{path.name}:{line} imports {name} (layer {LAYER_OF[unit]} > {_layer(dotted)})")
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


# --- no circle between modules --------------------------------------------------------------------
# Every import counts, including those inside functions and those under `if TYPE_CHECKING:`. An import
# in a function only delays the circle to the first call (the in-function import that "dodged a cycle"
# is how circles hid here); an annotation-only import is still a dependency that a reader and mypy
# follow, and "state.py imports the tables' schemas, the tables import StateDB back for their
# annotations" was exactly the circle of the store. A module depends on another; make the lower one
# not know the higher one (pass a value in, register with it, or move the shared piece down).

def _node(name: str, modules: dict[str, Path]) -> str | None:
    """The module of `modules` an absolute name `xlflow.a.b[.Name]` lands in (a package: its __init__)."""
    parts = name.split(".")[1:]
    while parts:
        for key in (".".join(parts), ".".join([*parts, "__init__"])):
            if key in modules:
                return key
        parts.pop()
    return "__init__" if "__init__" in modules else None


def _graph(modules: dict[str, Path]) -> dict[str, dict[str, int]]:
    """module -> {module it imports: line}, between the modules of `modules` only."""
    graph: dict[str, dict[str, int]] = {}
    for dotted, path in modules.items():
        edges: dict[str, int] = {}
        package = dotted.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = (".".join(["xlflow", *package[: len(package) - node.level + 1]]) if node.level else "")
                module = ".".join(p for p in (base, node.module or "") if p)
                names = [f"{module}.{alias.name}" for alias in node.names]  # a name or a submodule
            for name in names:
                target = _node(name, modules) if name.split(".")[0] == "xlflow" else None
                if target is not None and target != dotted:
                    edges.setdefault(target, node.lineno)
        graph[dotted] = edges
    return graph


def _circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_itself_back_through_others():
    graph = _graph(MODULES)
    report = [" ; ".join(f"{a} -> {b} (line {graph[a][b]})" for a in group for b in graph[a] if b in group)
              for group in _circles(graph)]
    assert not report, "import circles:\n" + "\n".join(report)


def test_the_circle_check_sees_type_checking_and_function_imports(tmp_path):
    (tmp_path / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n")
    (tmp_path / "b.py").write_text("def f():\n    from . import a\n")
    (tmp_path / "c.py").write_text("from xlflow.pkg import d\n")
    (tmp_path / "d.py").write_text("")
    modules = {"x.a": tmp_path / "a.py", "x.b": tmp_path / "b.py", "pkg.c": tmp_path / "c.py",
               "pkg.d": tmp_path / "d.py"}
    assert _circles(_graph(modules)) == [["x.a", "x.b"]]
    assert _graph(modules)["pkg.c"] == {"pkg.d": 1}


def test_every_moving_module_is_still_to_move():
    """An entry of MOVING whose module has moved is stale: delete it, so the rule holds in full."""
    assert not [m for m in MOVING if m not in MODULES]
