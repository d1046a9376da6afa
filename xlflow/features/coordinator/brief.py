"""The department cells changed in the master by hand (features/coordinator/table.py's MasterEdit), one sentence each
in the reader's language: for the brief, the merge's summary and the watch log."""
from __future__ import annotations

from ...i18n import msg
from ...spec.catalog import Catalog, load_catalog
from .table import MasterEdit

__all__ = ["edit_lines"]


def edit_lines(edits: list[MasterEdit], lang: str, catalog: Catalog | None = None) -> list[str]:
    """One sentence per edit, in `lang`."""
    catalog = catalog or load_catalog()
    fields = {f.key: f for f in catalog.form("wbs").table("tasks").fields}

    def say(e: MasterEdit, text: str) -> str:  # a list value in the reader's language, whatever the master's
        f = fields.get(e.field.split(":")[0])
        enum = catalog.enum_of(f) if f is not None else None
        code = enum.lookup(text) if enum is not None and text else None
        return enum.label_of(code, lang) if enum is not None and code else (text or "—")

    return [msg("coord-edit", lang, task=e.task_id, department=e.department,
                field=fields[e.field.split(":")[0]].label(lang) if e.field.split(":")[0] in fields else e.field,
                master=say(e, e.master_value), written=say(e, e.written_value), current=say(e, e.department_value))
            for e in edits]
