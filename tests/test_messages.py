"""Every message in workbook_templates/messages/ reads the same in both languages: a zh and an en
text, neither empty, with the same {placeholders} (a placeholder in one only would raise or be lost
when the other language is rendered)."""
from __future__ import annotations

import string
import tomllib

import pytest

from xlflow.resources import data_dir

FILES = sorted((data_dir() / "messages").glob("*.toml"))
ENTRIES = [(path.name, key, entry) for path in FILES for key, entry in tomllib.loads(path.read_text("utf-8")).items()]


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_the_catalog_is_found():
    assert len(FILES) >= 6 and len(ENTRIES) > 200


@pytest.mark.parametrize("file, key, entry", ENTRIES, ids=[f"{f}:{k}" for f, k, _ in ENTRIES])
def test_every_message_has_zh_and_en_with_the_same_placeholders(file, key, entry):
    assert isinstance(entry, dict) and set(entry) == {"zh", "en"}, f"{file} [{key}]: {entry!r}"
    zh, en = entry["zh"], entry["en"]
    assert isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip(), f"{file} [{key}] empty"
    assert placeholders(zh) == placeholders(en), f"{file} [{key}]: zh {placeholders(zh)} en {placeholders(en)}"
