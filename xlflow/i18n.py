"""Every user-facing sentence, in Chinese and English, from one catalog (workbook_templates/messages/*.toml)."""
from __future__ import annotations

import os
import tomllib
from functools import lru_cache

from .resources import data_dir

LANGS = ("zh", "en")


@lru_cache(maxsize=1)
def _catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted((data_dir() / "messages").glob("*.toml")):
        with open(path, "rb") as fh:
            for key, entry in tomllib.load(fh).items():
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
    return text.format(**{k: v.render(lang) if isinstance(v, Phrase) else v for k, v in params.items()})


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
