"""`xlflow init` without --lang follows XLFLOW_LANG and the locale; its errors speak the workspace's language."""
from __future__ import annotations

from click.testing import CliRunner

from xlflow.cli import main
from xlflow.config import load_workspace


def _init(tmp_path, name: str, env: dict, *args: str):
    base = {"XLFLOW_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}
    return CliRunner(env={**base, **env}).invoke(main, ["init", str(tmp_path / name), *args])


def test_init_follows_xlflow_lang_then_the_locale(tmp_path):
    assert _init(tmp_path, "a", {"LANG": "en_GB.UTF-8"}).exit_code == 0
    assert load_workspace(tmp_path / "a").lang == "en"
    assert _init(tmp_path, "b", {"LANG": "zh_CN.UTF-8"}).exit_code == 0
    assert load_workspace(tmp_path / "b").lang == "zh"
    assert _init(tmp_path, "c", {"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}).exit_code == 0
    assert load_workspace(tmp_path / "c").lang == "en"
    assert _init(tmp_path, "d", {"LANG": "en_US.UTF-8", "XLFLOW_LANG": "zh"}).exit_code == 0
    assert load_workspace(tmp_path / "d").lang == "zh"
    result = _init(tmp_path, "e", {"LANG": "zh_CN.UTF-8"}, "--lang", "en")
    assert result.exit_code == 0 and load_workspace(tmp_path / "e").lang == "en" and "Next" in result.output


def test_an_existing_english_workspace_is_refused_in_english(tmp_path):
    _init(tmp_path, "a", {"LANG": "en_US.UTF-8"})
    result = _init(tmp_path, "a", {"LANG": "zh_CN.UTF-8"})
    assert result.exit_code == 2 and result.output.startswith("Error: ") and "already exists" in result.output
