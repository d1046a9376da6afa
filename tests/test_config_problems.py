"""A config in one language is accepted, and every problem of xlflow.toml is told at once."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.errors import ConfigError
from xlflow.service.scaffold import init_workspace


def _rewrite(ws, *pairs: tuple[str, str]) -> None:
    path = ws.root / "xlflow.toml"
    text = path.read_text("utf-8")
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, "utf-8")


def test_an_english_only_or_chinese_only_name_falls_back_to_the_one_given(tmp_path):
    ws = init_workspace(tmp_path / "w", "en")
    _rewrite(ws, ('name = { zh = "新项目", en = "New project" }', 'name = { en = "Office move" }'),
             ('name = { zh = "研发部", en = "R&D" }', 'name = { zh = "研发部" }'))
    ws = load_workspace(ws.root)
    assert (ws.project.name("zh"), ws.project.name("en")) == ("Office move", "Office move")
    assert (ws.department("RD").name("en"), ws.department("RD").name("zh")) == ("研发部", "研发部")


def test_every_problem_is_reported_at_once_each_with_its_line(tmp_path):
    ws = init_workspace(tmp_path / "w", "en")
    _rewrite(ws, ("port = 587", 'port = "abc"'), ("settle_seconds = 2", "settle_seconds = -1"),
             ('security = "starttls"', 'security = "tls"'), ('week_start = "monday"', 'wek_start = "monday"'),
             ('name = { zh = "研发部", en = "R&D" }', 'name = { fr = "R et D" }'))
    lines = (ws.root / "xlflow.toml").read_text("utf-8").splitlines()
    with pytest.raises(ConfigError) as info:
        load_workspace(ws.root)
    err = info.value
    assert err.key == "config-problems" and err.params["count"] == 5
    found = {p.params["key"]: lines[p.params["line"] - 1] for p in err.params["problems"].problems}
    assert found["email.port"].startswith("port") and found["watch.settle_seconds"].startswith("settle_seconds")
    assert found["email.security"].startswith("security") and found["project.wek_start"].startswith("wek_start")
    assert "R et D" in found["departments.name"]
    text = err.message("en")
    assert text.count("\n  - ") == 5 and "5 problems" in text
    assert "5 处错误" in err.message("zh")
    result = CliRunner(env={"XLFLOW_LANG": "", "LANG": "C.UTF-8"}).invoke(main, ["status", "-w", str(ws.root)])
    assert result.exit_code == 1 and result.output.count("\n  - ") == 5 and "Traceback" not in result.output
