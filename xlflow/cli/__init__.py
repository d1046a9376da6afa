"""The command line: the only layer that prints and exits. `main` (the entry point) and the helpers
every command uses are in app.py; importing this package registers each command module's commands."""
from __future__ import annotations

from . import (baseline, chat, close, core, export, history, mail, merge, portfolio, reference, service,  # noqa: F401
               share, summary, validate, watch)  # they register
from .app import handle_errors, lang_option, main, open_workspace, workspace_option  # noqa: F401
