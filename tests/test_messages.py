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


HAN = "\u3400-\u9fff\uf900-\ufaff"


def _rendered(entry: dict, value: str) -> str | None:
    """The zh text with `value` in every placeholder; None when a placeholder takes only numbers."""
    from xlflow.i18n import _tight

    try:
        return _tight(entry["zh"], {f: value for f in placeholders(entry["zh"])})
    except (ValueError, TypeError):  # a number format ({x:.1f}) refuses text
        return None


def test_no_zh_text_sets_a_space_between_chinese_text_and_a_chinese_value():
    """"部门 {department}" with a department named 研发部 reads 部门研发部: between two Chinese
    characters no space stands, whichever side the placeholder brings."""
    import re

    seam = re.compile(f"[{HAN}] 研发部|研发部 [{HAN}]")
    loose = [f"{f} [{k}]: {text}" for f, k, e in ENTRIES if (text := _rendered(e, "研发部")) and seam.search(text)]
    assert loose == []


def test_a_space_between_chinese_text_and_a_latin_value_or_a_number_stays():
    from xlflow.i18n import msg

    assert msg("department-renamed", "zh", old="RD", new="研发二部", day="2026-11-23", versions=2).startswith(
        "部门 RD 自 2026-11-23 起改为研发二部：它的 2 个已接收版本")
    assert "部门研发部自" in msg("department-renamed", "zh", old="研发部", new="RE", day="2026-11-23", versions=2)
    for f, k, e in ENTRIES:  # a Latin value: the text as written, every space kept
        if (text := _rendered(e, "RD")) is not None:
            assert text == e["zh"].format(**{p: "RD" for p in placeholders(e["zh"])}), f"{f} [{k}]"
