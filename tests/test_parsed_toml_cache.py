"""The shipped TOML (messages, form specs) is read through a cache in the user's cache folder: what it
gives is what tomllib gives, a changed file is parsed again, and a damaged or unwritable cache is only
parsing again."""
from __future__ import annotations

import json
import tomllib

from xlflow.resources import _ParsedToml, data_dir


def test_the_cache_gives_what_tomllib_gives_for_every_shipped_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XLFLOW_CACHE_DIR", str(tmp_path / "cache"))
    files = [p for p in sorted(data_dir().rglob("*.toml")) if p.name != "starter.toml"]  # a template, not TOML
    assert len(files) > 40
    first, second = _ParsedToml(), _ParsedToml()  # the second reads what the first wrote
    for path in files:
        expected = tomllib.loads(path.read_text("utf-8"))
        assert first.load(path) == expected
        assert second.load(path) == expected
    assert second.entries is not None and len(second.entries) == len({p.read_bytes() for p in files})


def test_a_changed_file_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XLFLOW_CACHE_DIR", str(tmp_path / "cache"))
    spec = tmp_path / "x.toml"
    spec.write_text('a = { zh = "甲", en = "A" }\n', "utf-8")
    assert _ParsedToml().load(spec) == {"a": {"zh": "甲", "en": "A"}}
    spec.write_text('a = { zh = "乙", en = "B" }\n', "utf-8")
    assert _ParsedToml().load(spec) == {"a": {"zh": "乙", "en": "B"}}


def test_a_damaged_cache_is_parsing_again_and_is_written_anew(tmp_path, monkeypatch):
    monkeypatch.setenv("XLFLOW_CACHE_DIR", str(tmp_path / "cache"))
    spec = tmp_path / "x.toml"
    spec.write_text('k = 1\n', "utf-8")
    _ParsedToml().load(spec)
    cached = tmp_path / "cache" / "parsed-toml.json"
    entries = json.loads(cached.read_text("utf-8"))
    cached.write_text(json.dumps({key: "{not json" for key in entries}), "utf-8")
    assert _ParsedToml().load(spec) == {"k": 1}
    cached.write_bytes(b"\x00garbage")
    assert _ParsedToml().load(spec) == {"k": 1}
    assert json.loads(cached.read_text("utf-8"))  # written again, whole


def test_no_cache_folder_is_only_parsing(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("XLFLOW_CACHE_DIR", str(blocker / "cache"))  # cannot be made
    spec = tmp_path / "x.toml"
    spec.write_text('when = 2026-12-07\nk = "v"\n', "utf-8")  # a date: JSON cannot hold it
    assert _ParsedToml().load(spec)["k"] == "v"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "x.toml"]  # no temp file left
