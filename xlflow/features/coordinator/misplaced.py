"""Typing in the master that has no place in the coordinator's layer as it stands, found by the
read-back and never dropped without a word: kept where it can be, said (merge output, watch log,
brief) with what to do otherwise.

- a header cleared by mistake: the column under it is read as the header xlflow wrote there;
- a column added with a title xlflow uses ("状态"): kept as an added column "状态 (2)";
- a row inserted by hand (no ID): said, with what was typed on it;
- a duplicated row: what it adds to the first row (cells empty there) is kept, what differs is said.
"""
from __future__ import annotations

from ...i18n import Phrase
from .masterread import BLANK, MasterTable, cell_text

SHOWN = 3  # cells quoted in a sentence
QUOTE = 40  # characters of each


def restore_cleared(table: MasterTable, ref: MasterTable | None) -> list[Phrase]:
    """Headers xlflow wrote that are gone from the table where a column with cells and no header
    stands at the same place: that column is read under its header again."""
    if ref is None:
        return []
    out = []
    for header, col in ref.headers.items():
        blank = f"{BLANK}{col}"
        if header in table.headers or header.startswith(BLANK) or blank not in table.headers:
            continue
        del table.headers[blank]
        table.headers[header] = col
        for values in [*table.rows.values(), *(v for _, v in table.unkeyed), *(v for _, _, v in table.repeated)]:
            if blank in values:
                values[header] = values.pop(blank)
        out.append(Phrase("coord-header-cleared", sheet=table.sheet, header=header))
    return out


def doubled_headers(table: MasterTable, extras: list[str]) -> list[Phrase]:
    return [Phrase("coord-header-twice", sheet=table.sheet, header=table.doubled[h], kept=h)
            for h in extras if h in table.doubled]


def quoted(values: dict[str, object], headers: list[str]) -> str:
    said = [f"{h}: {text[:QUOTE]}" for h in headers if (text := cell_text(values.get(h)).strip())]
    return "; ".join(said[:SHOWN]) + (" …" if len(said) > SHOWN else "")


def loose_rows(table: MasterTable, headers: list[str]) -> list[Phrase]:
    """Rows with no ID that carry something in the coordinator's columns (`headers`)."""
    return [Phrase("coord-no-id", sheet=table.sheet, row=row, values=said)
            for row, values in table.unkeyed if (said := quoted(values, headers))]


def repeated_rows(table: MasterTable, headers: list[str]) -> list[Phrase]:
    """A row repeating an ID: its cells in the coordinator's columns (`headers`) fill the first row's
    empty ones (kept); the ones that differ from the first row's are said."""
    out = []
    for row, key, values in table.repeated:
        first = table.rows[key]
        filled, differ = [], []
        for h in headers:
            text = cell_text(values.get(h)).strip()
            if not text or text == cell_text(first.get(h)).strip():
                continue
            if cell_text(first.get(h)).strip():
                differ.append(h)
            else:
                first[h] = values[h]
                filled.append(h)
        if filled:
            out.append(Phrase("coord-duplicate-kept", sheet=table.sheet, key=key, row=row, values=quoted(values, filled)))
        if differ:
            out.append(Phrase("coord-duplicate-row", sheet=table.sheet, key=key, first=table.row_at.get(key, "?"),
                              row=row, values=quoted(values, differ)))
    return out
