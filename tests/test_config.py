"""The workspace config: a wrong or incomplete xlflow.toml names the key and the line."""
from __future__ import annotations

import pytest

from xlflow.config import FOLDERS, load_workspace
from xlflow.errors import ConfigError, UsageError
from xlflow.service.scaffold import init_workspace


def test_sample_workspace_has_the_layout_and_six_or_more_departments(sample_ws):
    assert all((sample_ws.root / f).is_dir() for f in FOLDERS)
    names = {d.name.zh for d in sample_ws.departments}
    assert {"研发部", "市场部", "销售部", "生产部", "客服部", "财务部"} <= names
    assert sample_ws.project.lead_department == "PMO" and sample_ws.lang == "zh"
    assert sample_ws.find_department(" 研发部 ") == "RD" and sample_ws.find_department("r&d") == "RD"
    assert sample_ws.find_department("ＲＤ") == "RD"  # full-width letters
    assert not sample_ws.email.configured


def test_init_refuses_to_overwrite_and_starter_config_loads(tmp_path):
    ws = init_workspace(tmp_path / "w", "en")
    assert ws.lang == "en" and not ws.calendar.china and len(ws.departments) == 2
    with pytest.raises(UsageError):
        init_workspace(tmp_path / "w", "en")
    assert init_workspace(tmp_path / "w", "zh", sample=True, force=True).lang == "zh"


def _broken(sample_ws, old: str, new: str) -> ConfigError:
    path = sample_ws.root / "xlflow.toml"
    original = path.read_text("utf-8")
    assert old in original
    path.write_text(original.replace(old, new, 1), "utf-8")
    with pytest.raises(ConfigError) as info:
        load_workspace(sample_ws.root)
    if "tls" not in new:  # keep the broken file only where the test reads its lines afterwards
        path.write_text(original, "utf-8")
    return info.value


def _line_of(sample_ws, needle: str) -> int:
    lines = (sample_ws.root / "xlflow.toml").read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_wrong_value_names_key_and_line(sample_ws):
    err = _broken(sample_ws, 'security = "starttls"', 'security = "tls"')
    assert err.params["key"] == "email.security"
    assert err.params["line"] == _line_of(sample_ws, 'security = "tls"')
    assert "email.security" in err.message("zh") and str(err.params["line"]) in err.message("en")


def test_missing_key_and_bad_type_and_unknown_lead(sample_ws):
    assert _broken(sample_ws, 'code = "NPL-2026"\n', "").params["key"] == "project.code"
    assert _broken(sample_ws, "start = 2026-09-01", 'start = "soon"').params["key"] == "project.start"
    err = _broken(sample_ws, 'lead_department = "PMO"', 'lead_department = "XX"')
    assert err.params["key"] == "project.lead_department"


def test_duplicate_department_and_password_in_file_are_refused(sample_ws):
    err = _broken(sample_ws, 'code = "MK"', 'code = "RD"')
    assert "twice" in err.message("en") and "重复" in err.message("zh")
    err = _broken(sample_ws, 'username = ""', 'username = ""\npassword = "hunter2"')
    assert err.params["key"] == "email.password" and "XLFLOW_SMTP_PASSWORD" in err.message("en")


def test_syntax_error_and_missing_file(sample_ws, tmp_path):
    err = _broken(sample_ws, "[project]", "[project")
    assert err.key == "config-syntax" and "line" in err.message("en")
    with pytest.raises(ConfigError) as info:
        load_workspace(tmp_path / "nowhere")
    assert "xlflow init" in info.value.message("en")


def test_a_misspelt_key_or_table_is_named_with_its_line(sample_ws):
    """Unknown keys used to be ignored without a word: `wek_start` left the week start unset."""
    err = _broken(sample_ws, 'week_start = "monday"', 'wek_start = "sunday"')
    lines = (sample_ws.root / "xlflow.toml").read_text("utf-8").splitlines()
    assert err.params["key"] == "project.wek_start"
    assert lines[err.params["line"] - 1].startswith("week_start")  # the restored file: same line
    assert "week_start" in err.message("en") and "拼写" in err.message("zh")
    err = _broken(sample_ws, "[[departments]]", "[[departmentz]]")  # also leaves the lead PMO undeclared
    typo = next(p for p in err.params["problems"].problems if p.params["key"] == "departmentz")
    assert lines[typo.params["line"] - 1] == "[[departments]]" and "departmentz" in err.message("en")
    err = _broken(sample_ws, 'contact = "', 'phone = "')
    assert err.params["key"] == "departments.phone"


def test_problems_are_told_in_both_languages(sample_ws):
    err = _broken(sample_ws, "settle_seconds = 2", "settle_seconds = -1")
    assert err.params["key"] == "watch.settle_seconds" and "负数" in err.message("zh")
    err = _broken(sample_ws, 'email = "rd@example.com"', 'email = "rd-at-example"')
    assert "rd-at-example" in err.message("en") and "电子邮件" in err.message("zh")
    err = _broken(sample_ws, "port = 587", 'port = "587"')
    assert "应为 int" in err.message("zh") and "expected int" in err.message("en")


def test_each_setting_is_declared_once_in_its_dataclass(tmp_path):
    """Keys, defaults and types come from the dataclasses: a minimal config gets exactly their
    defaults, and a key the dataclass declares is known to the unknown-key check."""
    import dataclasses

    from xlflow.config import (
        SECTIONS,
        SummarySettings,
        WatchSettings,
        known_keys,
        toml_key,
    )

    ws = init_workspace(tmp_path / "w", "en")
    assert ws.watch == WatchSettings() and ws.summary == SummarySettings()
    for section, cls in SECTIONS.items():
        assert {toml_key(f) for f in dataclasses.fields(cls)} <= known_keys(section)
    assert "from" in known_keys("email") and "sender" not in known_keys("email")
    text = (ws.root / "xlflow.toml").read_text("utf-8").replace("settle_seconds = 2", "settle_seconds = 7\nmax_attempts = 2")
    (ws.root / "xlflow.toml").write_text(text, "utf-8")
    watch = load_workspace(ws.root).watch
    assert (watch.settle_seconds, watch.max_attempts, watch.poll) == (7.0, 2, False)


@pytest.mark.parametrize("old, new, key", [
    ('to = ["pmo@example.com"]', 'to = ["pmo@example.com\\r\\nBcc: all@example.com"]', "email.to"),
    ('email = "rd@example.com"', 'email = "rd@example.com\\nX-Injected: 1"', "departments.email"),
])
def test_a_control_character_in_an_address_is_refused_with_key_and_line(sample_ws, old, new, key):
    """A CR/LF in an address would end up in a mail header: refused where it is typed, not when mailing."""
    err = _broken(sample_ws, old, new)
    assert err.params["key"] == key
    assert err.params["line"] == _line_of(sample_ws, old.split(" = ")[0] + " = " + new.split(" = ")[1][:12])
    assert "控制字符" in err.message("zh") and "control characters" in err.message("en")
