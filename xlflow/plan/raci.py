"""Cross-department RACI conflicts: the departments' matrices compared with each other.

Each department may fill its own RACI matrix; the master lists every row. Rows of different
departments are about the same task or decision when their item texts are equal once
full-width characters, case and spaces are folded. Two kinds of conflict are reported:

- two_a: the rows about one item name more than one department as A (accountable) — e.g. PMO's
  row says A = PMO and RD's row says A = RD.
- r_unaccepted: a department's row names another department R (responsible), that department
  filled a RACI matrix of its own, and none of its rows about the item names itself R.
  A department that filled no matrix at all is not judged: it works from the lead's.
A combined mark such as "A/R" counts as both letters, as validation counts it.
"""
from __future__ import annotations

import re
from collections import defaultdict

from ..spec.catalog import normalise
from .model import RaciConflict as RaciConflict, Record  # RaciConflict: found here, kept in the model

TWO_A, R_UNACCEPTED = "two_a", "r_unaccepted"
_SPACES = re.compile(r"\s+")


def _marks(record: Record) -> dict[str, set[str]]:
    """Department code -> its letters in this row."""
    out: dict[str, set[str]] = {}
    for key, value in record.values.items():
        if key.startswith("raci:") and value:
            out[key[5:]] = {m.strip().upper() for m in str(value).split("/") if m.strip()}
    return out


def item_key(text: object) -> str:
    return _SPACES.sub(" ", normalise(str(text or "")))


def raci_conflicts(records: list[Record], order: list[str]) -> list[RaciConflict]:
    """The conflicts between the departments' RACI rows, in item order of first appearance."""
    by_item: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        if r.values.get("item"):
            by_item[item_key(r.values["item"])].append(r)
    filled = {r.department for r in records}
    rank = {code: i for i, code in enumerate(order)}
    out: list[RaciConflict] = []
    for rows in by_item.values():
        item = str(rows[0].values["item"])
        accountable: dict[str, set[str]] = defaultdict(set)  # department named A -> sources
        responsible: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            for dept, letters in _marks(r).items():
                if "A" in letters:
                    accountable[dept].add(r.department)
                if "R" in letters:
                    responsible[dept].add(r.department)
        if len(accountable) > 1:
            named = tuple(sorted(accountable, key=lambda d: rank.get(d, len(rank))))
            sources = tuple(sorted({s for v in accountable.values() for s in v}, key=lambda d: rank.get(d, len(rank))))
            out.append(RaciConflict(TWO_A, item, named, sources))
        for dept, given_by in responsible.items():
            if dept in filled and dept not in given_by:
                out.append(RaciConflict(R_UNACCEPTED, item, (dept,),
                                        tuple(sorted(given_by, key=lambda d: rank.get(d, len(rank))))))
    return out
