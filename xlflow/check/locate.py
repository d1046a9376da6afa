"""Which sheet is which form: by name first, then by content, because people rename sheets.

Apart from workbook.py so that identity.py can find the form sheets (whose header lines name
the project and department) without importing the whole check.
"""
from __future__ import annotations

from ..config import Workspace
from ..spec.catalog import Catalog, Form
from ..xlsx.read import RawWorkbook, Sheet, label_key


def locate_forms(raw: RawWorkbook, catalog: Catalog, ws: Workspace) -> dict[str, Sheet]:
    """Form id -> sheet: by the sheet's name (zh or en), else by its content (labels and headers),
    because people rename sheets."""
    found: dict[str, Sheet] = {}
    by_name = {label_key(s.name): s for s in raw.sheets}
    for form in catalog.forms:
        for name in (form.sheet.zh, form.sheet.en):
            sheet = by_name.get(label_key(name))
            if sheet is not None and sheet not in found.values():
                found[form.id] = sheet
                break
    depts = ws.department_names()
    for form in catalog.forms:
        if form.id in found:
            continue
        labels = _form_labels(form, depts)
        best, best_score = None, 0
        for sheet in raw.sheets:
            if sheet in found.values():
                continue
            score = len({labels[k] for cell in sheet.cells.values()
                         if isinstance(cell.value, str) and (k := label_key(cell.value)) in labels})
            if score > best_score:
                best, best_score = sheet, score
        if best is not None and best_score >= min(3, len(set(labels.values()))):
            found[form.id] = best
    return found


def _form_labels(form: Form, depts) -> dict[str, str]:
    """Normalised label -> a key unique within the form, for content matching (not per-department columns)."""
    out = {}
    for f in form.fields:
        out.update({label_key(f.label.zh): f"card:{f.key}", label_key(f.label.en): f"card:{f.key}"})
    for table in form.tables:
        for f in table.fields:
            if not f.per_department:
                out.update({label_key(f.label.zh): f"{table.id}:{f.key}", label_key(f.label.en): f"{table.id}:{f.key}"})
        out.update({label_key(table.title.zh): f"title:{table.id}", label_key(table.title.en): f"title:{table.id}"})
    out.update({label_key(form.title.zh): "title", label_key(form.title.en): "title"})
    return out
