"""The command line: the only layer that prints and exits. `main` (the entry point) and the helpers
every command uses are in app.py; importing this package registers each command module's commands."""
from __future__ import annotations

from . import (  # noqa: F401
               baseline,
               chat,
               close,
               core,
               department,
               export,
               history,
               mail,
               merge,
               portfolio,
               rebuild,
               reference,
               service,
               share,  # they register
               summary,
               validate,
               watch,
)
from .app import handle_errors, lang_option, main, open_workspace, workspace_option  # noqa: F401
