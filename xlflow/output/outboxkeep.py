"""Bounded disk in outbox/ (issue 21): the retention rule of the mails kept after their time.

Every week's brief goes to outbox/preview/ (`summary` without --send) or is queued and, once sent,
moved to outbox/sent/ — the coordinators' with the whole master attached (~0.9 MiB at 12 × 150), so
a year of briefs was the largest part of a workspace's growth. A message's day is its brief's week
(the last day of `brief-2026-W47`: a replay with --as-of prunes as real life does), else the day it
was composed. Older than `[watch] history_days` days (0: keep everything):

- a preview is removed: it was never sent, and the brief is in reports/ (`summary --as-of` makes it again);
- a sent or withdrawn message keeps its headers and its text but not its attachments (the header
  X-Xlflow-Attachments-Removed names them): it still says what went to whom, and a brief of a week
  already sent is still not sent twice (outbox.already_sent reads the headers).

Messages still waiting in outbox/ are the coordinator's to send or withdraw: never touched.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from ..config import Workspace
from ..store.atomic import write_bytes
from ..store.prune import remove_files
from ..workdays import parse_week
from .outbox import POLICY, PREVIEW, REMOVED_HEADER, SENT, WITHDRAWN, folder_facts, outbox_dir, read_facts, read_message
from .outbox_index import Facts

_BRIEF_WEEK = re.compile(r"^brief-(\d{4}-W\d{2})")


@dataclass(frozen=True)
class Kept:
    removed: int = 0  # previews removed
    stripped: int = 0  # sent or withdrawn mails whose attachments were removed
    freed: int = 0  # bytes


def message_day(path: Path, first_weekday: int = 0) -> dt.date | None:
    """The day a kept message belongs to: its brief's last day, else the day it was composed (None: unknown)."""
    try:
        return _day(read_facts(path), first_weekday)
    except OSError:
        return None


def _day(head: Facts, first_weekday: int) -> dt.date | None:
    week = _BRIEF_WEEK.match(head.kind)
    if week is not None:
        try:
            return parse_week(week.group(1), first_weekday).end
        except Exception:  # noqa: BLE001 - a label it cannot read: judged by its date instead
            pass
    try:
        return parsedate_to_datetime(head.date).date()
    except (TypeError, ValueError):
        return None


def _old(folder: Path, before: dt.date, first_weekday: int, stripped: bool = True) -> list[Path]:
    """The files of `folder` older than `before`, from the folder's index (a file's headers are read
    only when it is new or changed); without `stripped`, those whose attachments are gone left out."""
    if not folder.is_dir():
        return []
    paths = sorted(p for p in folder.glob("*.eml") if not p.name.startswith(".") and p.is_file())
    return [p for p, head in folder_facts(folder, paths).items()
            if (stripped or not head.stripped) and (day := _day(head, first_weekday)) is not None and day < before]


def strip_attachments(path: Path) -> int:
    """Rewrite the .eml at `path` without its attachments; the bytes freed (0: it had none)."""
    message = read_message(path)
    if REMOVED_HEADER in message:
        return 0  # done before
    names = [part.get_filename() or "?" for part in message.iter_attachments()]
    if not names or not message.is_multipart():
        return 0
    before = path.stat().st_size
    parts = message.get_payload()
    message.set_payload([p for p in parts if isinstance(p, EmailMessage) and not p.is_attachment()])
    message[REMOVED_HEADER] = ", ".join(names)
    write_bytes(path, message.as_bytes(policy=POLICY))
    return max(0, before - path.stat().st_size)


def prune(ws: Workspace, as_of: dt.date) -> Kept:
    """Apply the rule as of `as_of` to outbox/preview/, outbox/sent/ and outbox/withdrawn/."""
    days = ws.watch.history_days
    if days <= 0:
        return Kept()
    before, first, root = as_of - dt.timedelta(days=days), ws.project.week_start, outbox_dir(ws)
    previews = remove_files(_old(root / PREVIEW, before, first))
    removed, stripped, freed = previews.count, 0, previews.size
    for path in [*_old(root / SENT, before, first, False), *_old(root / WITHDRAWN, before, first, False)]:
        try:
            gone = strip_attachments(path)
        except OSError:
            continue
        stripped, freed = stripped + (gone > 0), freed + gone
    return Kept(removed, stripped, freed)
