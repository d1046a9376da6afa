"""Every user-facing sentence, in Chinese and English, from one catalog (workbook_templates/messages/*.toml)."""
from __future__ import annotations

import os
import re
import string
from functools import lru_cache

from .resources import data_dir, read_toml

LANGS = ("zh", "en")


@lru_cache(maxsize=1)
def _catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted((data_dir() / "messages").glob("*.toml")):
        for key, entry in read_toml(path).items():
            if key in merged:
                raise KeyError(f"message {key!r} defined twice (again in {path.name})")
            merged[key] = entry
    return merged


class Phrase:
    """A message to be rendered later, in the language of the message it is a parameter of."""

    def __init__(self, key: str, /, **params: object) -> None:
        self.key, self.params = key, params

    def render(self, lang: str) -> str:
        return msg(self.key, lang, **self.params)


def msg(key: str, lang: str, /, **params: object) -> str:
    entry = _catalog().get(key)
    if entry is None:
        raise KeyError(f"message {key!r} missing from workbook_templates/messages/")
    text = entry[lang if lang in LANGS else "en"]
    if not params:
        return text
    values = {k: v.render(lang) if isinstance(v, Phrase) else v for k, v in params.items()}
    out = _PLURAL.vformat(text, (), values) if "|" in text else text.format(**values)
    if lang == "zh" and (_LOOSE.search(out) or _SEAM.search(out)):  # rare: only then is it set again, piece by piece
        return _tight(text, values)
    return out


# full-width punctuation: in Chinese text no space stands on either side of it
FULL_WIDTH_PUNCT = frozenset("，。、；：？！（）【】《》〈〉「」『』“”‘’…～")
_PUNCT = re.escape("".join(sorted(FULL_WIDTH_PUNCT)))
_LOOSE = re.compile(f"[{_PUNCT}] | [{_PUNCT}]")
# Chinese characters: between two of them no space stands ("部门 {department}" with 研发部 reads 部门研发部);
# between one and a Latin word or a number it does ("部门 RD", "第 2 版")
_HAN = "\u3400-\u9fff\uf900-\ufaff"
_SEAM = re.compile(f"[{_HAN}] [{_HAN}]")


def _han(ch: str) -> bool:
    return len(ch) == 1 and ("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")


def _drop(piece: str, beside: str, value: str, end: bool) -> bool:
    """Whether the text's space at the end (or start) of `piece`, beside a value starting (ending)
    with `value`, goes: beside full-width punctuation, or between a Chinese character of the text
    (`beside`: the piece's neighbour when the piece is the space alone) and one of the value."""
    if not value or not _lone(piece, beside, end):
        return False
    own = (piece[-2] if end else piece[1]) if len(piece) > 1 else beside
    return value in FULL_WIDTH_PUNCT or (_han(value) and _han(own))


def _lone(piece: str, beyond: str, end: bool) -> bool:
    """`piece` ends (or begins) with one space, not a run of them (the columns of a console line)."""
    edge = piece[-2:] if end else piece[:2]
    space_at = -1 if end else 0
    return bool(piece) and piece[space_at] == " " and (edge != "  " if len(piece) > 1 else beyond not in ("", " "))


@lru_cache(maxsize=512)
def _parsed(text: str) -> tuple[tuple[str, str | None, str | None, str | None], ...]:
    """A message's literal pieces and fields, parsed once per text (a merge sets thousands alike)."""
    return tuple(_PLURAL.parse(text))


def _tight(text: str, values: dict[str, object]) -> str:
    """A Chinese text with its placeholders filled in, a space of the text itself dropped where it
    would stand beside full-width punctuation that a value brings ("于 {received} 提交" with a
    received time ending in "（Asia/Shanghai）"), or between a Chinese character of the text and one
    a value begins or ends with. The values' own text is never changed."""
    pieces: list[tuple[str, bool]] = []  # (text, is the template's own)
    for literal, field, spec, conversion in _parsed(text):
        pieces.append((literal, True))
        if field is not None:
            value = values[field] if field in values else _PLURAL.get_field(field, (), values)[0]
            value = _PLURAL.convert_field(value, conversion)
            pieces.append((_PLURAL.format_field(value, _PLURAL.format(spec, **values) if spec else ""), False))
    for i, (piece, own) in enumerate(pieces):
        before = pieces[i - 1][0][-1:] if i > 0 else ""
        after = pieces[i + 1][0][:1] if i + 1 < len(pieces) else ""
        if not own or not piece.strip(" ") and not (before and after):
            continue  # a value, or a text's indentation
        if _drop(piece, before, after, end=True):
            piece = piece[:-1]
        if _drop(piece, after, before, end=False):
            piece = piece[1:]
        pieces[i] = (piece, own)
    return "".join(p for p, _ in pieces)


class _Plural(string.Formatter):
    """`{count:error|errors}` reads "1 error", "2 errors": a number with its noun, in English texts."""

    def format_field(self, value: object, format_spec: str) -> str:
        if "|" not in format_spec:
            return super().format_field(value, format_spec)
        one, many = format_spec.split("|", 1)
        try:
            single = float(str(value).replace(",", "")) == 1
        except ValueError:
            single = False
        return f"{value} {one if single else many}"


_PLURAL = _Plural()


def both(key: str, /, **params: object) -> str:
    """Chinese and English together, for places that cannot know the reader's language."""
    return f"{msg(key, 'zh', **params)} / {msg(key, 'en', **params)}"


def default_lang() -> str:
    """XLFLOW_LANG when it says zh or en, else the locale as POSIX ranks it (LC_ALL, LC_MESSAGES,
    LANG): Chinese for zh_*, English otherwise."""
    chosen = os.environ.get("XLFLOW_LANG", "").strip().lower()
    if chosen[:2] in LANGS:
        return chosen[:2]
    env = next((os.environ[k] for k in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(k)), "")
    return "zh" if env.lower().startswith("zh") else "en"
