"""Chinese texts set full-width punctuation with no space on either side (issue 19: the acceptance
mail read "17:00（Asia/Shanghai） 提交的"): neither the catalog's own texts, nor a space of a text
beside a value that begins or ends with full-width punctuation; the values themselves are kept."""
from __future__ import annotations

import re
import string

import pytest

from xlflow.i18n import FULL_WIDTH_PUNCT, _catalog, msg

SEPARATORS = re.compile(r" [—·] ")  # "项目 — 标题", "研发部 · 负责人": a layout separator, spaced on purpose
_P = re.escape("".join(FULL_WIDTH_PUNCT))
LOOSE = re.compile(f"[{_P}] (?! )|(?<=[^ \n]) [{_P}]")  # one space; runs of them are a console line's columns


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("value", ["（值）", "“值”", "值："])
def test_no_chinese_text_leaves_a_space_beside_full_width_punctuation(value):
    loose = []
    for key, entry in sorted(_catalog().items()):
        try:
            text = msg(key, "zh", **{f: value for f in _fields(entry["zh"])})
        except (ValueError, TypeError):  # a number format ({x:.1f}): not a place for text
            continue
        if LOOSE.search(SEPARATORS.sub("", text)):
            loose.append(f"{key}: {text}")
    assert loose == []


def test_the_acceptance_mail_reads_without_the_stray_space():
    text = msg("notify-accepted", "zh", received="2026-11-18 17:00（Asia/Shanghai）", file="rd-plan.xlsx", version=1)
    assert text == "您于 2026-11-18 17:00（Asia/Shanghai）提交的 rd-plan.xlsx 已通过校验并被接收（第 1 版），项目总表已更新。"
    # a value's own spaces stay, and English keeps its spaces
    assert "提交的（草稿） v2.xlsx 已通过" in msg("notify-accepted", "zh", received="x", file="（草稿） v2.xlsx", version=1)
    assert msg("notify-accepted", "en", received="17:00 (UTC)", file="a.xlsx", version=1).startswith(
        "a.xlsx, received 17:00 (UTC), passed")
