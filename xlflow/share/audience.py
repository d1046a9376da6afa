"""Who gets which weekly brief, by the sharing list (issue 19: not every department every scorecard).

- The coordinators — `[email] to` and the lead department's contact — get the whole brief: every
  department's scorecard line, and the master attached.
- Each other department's contact gets its own brief (weekmail.py: only what its slice holds, its
  own scorecard line unless its rows leave out "scorecard") and, instead of the master, its slice
  and calendar written then when its rows ask for a weekly "mail", else its slice workbook of the
  merge (slices/<CODE>/…xlsx) when its rows include the xlsx slice and the file is there: its one
  mail of the week. A department whose rows give it "master" gets the coordinators' brief.

Only reads: the slices are written by publish.py (at the merge, or weekly).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from ..config import Workspace
from .publish import slices_folder
from .sharing import COORDINATORS, SharingList, sharing_list
from .slicebook import slice_name


@dataclass(frozen=True)
class BriefAudience:
    """`name`: COORDINATORS or a department code. `whole`: every scorecard line and the master;
    else `scorecards` are the departments whose lines it sees and `slice` its slice workbook (or None)."""

    name: str
    to: tuple[str, ...]
    whole: bool
    scorecards: frozenset[str] = frozenset()
    slice: Path | None = None


def _key(address: str) -> str:
    return (parseaddr(address)[1] or address).strip().lower()


def coordinators(ws: Workspace) -> tuple[str, ...]:
    """[email] to, then the lead department's contact, each address once."""
    lead = ws.department(ws.project.lead_department)
    found: dict[str, str] = {}
    for address in [*ws.email.to, *([lead.email] if lead and lead.email else [])]:
        found.setdefault(_key(address), address)
    return tuple(found.values())


def slice_file(ws: Workspace, sharing: SharingList, code: str, week_label: str) -> Path | None:
    """Department `code`'s slice workbook of the merge, if the sharing list gives it one and it is
    written, and no weekly "mail" row asks for the slice and calendar written at the mail's time
    (weekmail.py writes and attaches those instead)."""
    formats = {r.format for r in sharing.rules if r.audience == code}
    if "xlsx" not in formats or "mail" in formats:
        return None
    path = slices_folder(ws) / code / slice_name(ws, code, week_label)
    return path if path.is_file() else None


def brief_audiences(ws: Workspace, week_label: str) -> list[BriefAudience]:
    """The coordinators first, then each department with a contact who is not one of them (a contact
    shared by two departments gets the first one's brief)."""
    sharing = sharing_list(ws)
    every = frozenset(d.code for d in ws.departments)
    heads = coordinators(ws)
    taken = {_key(a) for a in heads}
    out = [BriefAudience(COORDINATORS, heads, True, every)]
    for d in ws.departments:
        if d.code == ws.project.lead_department or not d.email or _key(d.email) in taken:
            continue
        taken.add(_key(d.email))
        contents = sharing.contents(d.code)
        if "master" in contents:
            out.append(BriefAudience(d.code, (d.email,), True, every))
            continue
        own = frozenset({d.code}) if "scorecard" in contents else frozenset()
        out.append(BriefAudience(d.code, (d.email,), False, own, slice_file(ws, sharing, d.code, week_label)))
    return out
