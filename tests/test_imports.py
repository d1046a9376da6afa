"""Imports go one way: importing a module pulls in nothing from a higher layer, and each
third-party library stays in its room (click only in the CLI, watchdog only in the watcher)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

LAYERS = [
    ["errors", "i18n", "resources", "atomic", "xlsxpack", "fastsheet"],
    ["findings"],
    ["spec", "config"],
    ["model", "layout", "generate", "read", "scaffold"],
    ["validate", "annotate"],
    ["workdays", "plan", "state"],
    ["master"],
    ["merge"],
    ["mail", "summary", "notify"],
    ["inbox"],
    ["watcher", "demo", "cli"],
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}
ROOMS = {"click": {"cli"}, "watchdog": {"watcher", "cli", "demo"}}


def loaded_after_import(module: str) -> set[str]:
    code = (f"import sys, json; import xlflow.{module}; "
            "print(json.dumps(sorted(m for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", sorted(LAYER_OF))
def test_module_imports_nothing_from_a_higher_layer(module):
    try:
        loaded = loaded_after_import(module)
    except subprocess.CalledProcessError as exc:
        if "No module named" in exc.stderr and f"xlflow.{module}" in exc.stderr:
            pytest.skip(f"xlflow.{module} does not exist")
        raise
    ours = {m.split(".")[1] for m in loaded if m.startswith("xlflow.") and m.count(".") >= 1}
    higher = {m for m in ours if LAYER_OF.get(m, -1) > LAYER_OF[module]}
    assert not higher, f"xlflow.{module} (layer {LAYER_OF[module]}) imports higher layers: {sorted(higher)}"
    for library, allowed in ROOMS.items():
        if module not in allowed:
            assert library not in loaded, f"xlflow.{module} pulls in {library}"


def test_every_module_is_placed_in_a_layer():
    from pathlib import Path

    import xlflow

    modules = {p.stem for p in Path(xlflow.__file__).parent.glob("*.py")} - {"__init__", "__main__"}
    assert modules <= set(LAYER_OF), f"unplaced: {sorted(modules - set(LAYER_OF))}"
