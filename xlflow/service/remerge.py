"""The intake's re-merge after a file is accepted (a mixin of service/intake.Intake): the master
re-merged from the accepted workbooks, or owed when the merge fails. A failed merge never fails the
file: it stays accepted and recorded, the failure is said (a bug with its traceback in the log),
and the merge stays due until one succeeds."""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from ..config import Workspace
from ..errors import XlflowError
from ..i18n import msg
from ..store.state import StateDB
from .merge import merge_workspace
from .upkeep import LOGGER_NAME


class Remerge:
    ws: Workspace
    db: StateDB
    lang: str

    def merge_if_due(self, as_of: dt.date) -> tuple[Path | None, str] | None:
        """Re-merge if an accepted submission is not in the master yet (deferred, or a crash
        came between accepting and merging). None if nothing was due, else (master, note)."""
        if not self.db.merge_due():
            return None
        return self._merge(as_of)  # (clears the flag when it merged; a failed merge leaves it set)

    def _merge(self, as_of: dt.date) -> tuple[Path | None, str]:
        """Re-merge the master from the accepted workbooks (which snapshots its tasks). A master that
        cannot be replaced (open in Excel) is reported, never fatal: the submission stays accepted."""
        try:
            result = merge_workspace(self.ws, as_of=as_of)
        except XlflowError as exc:
            self.db.note_merge_due()
            return None, exc.message(self.lang)
        except Exception as exc:  # noqa: BLE001 - a bug in the merge: the file stays accepted, the next files go on
            self.db.note_merge_due()
            note = msg("intake-merge-failed", self.lang, error=repr(exc))
            logging.getLogger(LOGGER_NAME).exception(note)  # the traceback to logs/watch.log, for a bug report
            return None, note
        self.db.clear_merge_due()  # every accepted file is in it: a burst's deferred ones too
        note = " ".join(result.layer_lines(self.lang))  # open elsewhere, read back, edits in the master, accepted/
        return result.master_path, note
