"""The brief's template environment, compiled once per process and kept: a brief goes to each
department, and compiling its templates took a tenth of a second every time.

A workspace's own templates/ are still read again when a file changes (jinja2 checks the time), and
an environment is made anew when that folder appears or goes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment

from ...config import Workspace
from ..mail import template_env

_ENVS: dict[tuple[Path, bool, str, str], Environment] = {}


def brief_env(ws: Workspace, lang: str, variant: str = "", t: Callable[..., str] | None = None) -> Environment:
    """The templates' environment for `lang`; `variant` names a `t` (the message function the
    templates and their macros call) that replaces the usual one, as a brief without the master
    attached words "see the master" differently."""
    key = (ws.root, (ws.root / "templates").is_dir(), lang, variant)
    env = _ENVS.get(key)
    if env is None:
        env = template_env(ws, lang)
        if t is not None:
            env.globals["t"] = t
        _ENVS[key] = env
    return env
