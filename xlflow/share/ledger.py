"""What sharing remembers, in the workspace's database (its tables registered with store.db): each
calendar event's sequence and date, so a moved task gets a higher SEQUENCE in every feed, and each
file sent (who got what, when, its hash) so the coordinator can answer "who saw this"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from ..store.db import Database, register

SCHEMA = """
CREATE TABLE IF NOT EXISTS calendar_events (
    uid TEXT PRIMARY KEY,  -- the event's UID, the same in every feed and every week
    sequence INTEGER NOT NULL,  -- raised each time its date moves
    day TEXT NOT NULL  -- the date the feeds last showed (ISO)
);
-- the event texts kept while icalendar wrote them (~1 ms an event), not needed since share/ical.py
DROP TABLE IF EXISTS calendar_texts;
CREATE TABLE IF NOT EXISTS shared_files (
    id INTEGER PRIMARY KEY,
    sent TEXT NOT NULL,  -- when its mail was composed and queued (local time with offset), not sent
    week TEXT NOT NULL,  -- 2026-W47
    audience TEXT NOT NULL,  -- a department code, "coordinators" or an e-mail address
    recipients TEXT NOT NULL,  -- the To addresses, comma separated
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    delivered TEXT NOT NULL DEFAULT ''  -- when the server took its mail (ISO); '': not known to be sent
);
"""
register("share.ledger", SCHEMA, added=((3, "shared_files", "delivered", "TEXT NOT NULL DEFAULT ''"),))


def sequences(db: Database, days: Mapping[str, dt.date]) -> dict[str, int]:
    """The SEQUENCE of each UID for the dates given: unchanged while its date stays, one higher
    once it moves (recorded in the same transaction)."""
    out: dict[str, int] = {}
    with db.transaction() as con:
        known = {uid: (seq, day) for uid, seq, day in con.execute("SELECT uid, sequence, day FROM calendar_events")}
        changed = []
        for uid, day in days.items():
            seq, last = known.get(uid, (None, None))
            if seq is None:
                seq = 0
            elif last != day.isoformat():
                seq += 1
            else:
                out[uid] = seq
                continue
            out[uid] = seq
            changed.append((uid, seq, day.isoformat()))
        con.executemany("INSERT OR REPLACE INTO calendar_events VALUES (?,?,?)", changed)
    return out


@dataclass(frozen=True)
class SharedFile:
    sent: str
    week: str
    audience: str
    recipients: str
    file_name: str
    sha256: str
    message_id: str = ""
    delivered: str = ""  # when its mail was sent; "": not known to be sent (queued, withdrawn, replaced)


def record_sent(db: Database, rows: list[SharedFile]) -> None:
    with db.transaction() as con:
        con.executemany(
            "INSERT INTO shared_files (sent, week, audience, recipients, file_name, sha256, message_id)"
            " VALUES (?,?,?,?,?,?,?)",
            [(r.sent, r.week, r.audience, r.recipients, r.file_name, r.sha256, r.message_id) for r in rows],
        )


def mark_delivered(db: Database, delivered: dict[str, str]) -> None:
    """Remember when each mail (by Message-ID) was sent, for every file it carried."""
    with db.transaction() as con:
        con.executemany(
            "UPDATE shared_files SET delivered = ? WHERE message_id = ? AND delivered = ''",
            [(when, mid) for mid, when in delivered.items()],
        )


def sent_files(db: Database, audience: str | None = None, sha256: str | None = None) -> list[SharedFile]:
    """Every file mailed or queued, oldest first; only one audience's or one file's (by its hash, a
    prefix will do)."""
    query = "SELECT sent, week, audience, recipients, file_name, sha256, message_id, delivered FROM shared_files"
    params: list[str] = []
    where = []
    if audience:
        where.append("audience = ?")
        params.append(audience)
    if sha256:
        where.append("sha256 LIKE ?")
        params.append(sha256.lower() + "%")
    if where:
        query += " WHERE " + " AND ".join(where)
    with db.transaction() as con:
        return [SharedFile(*row) for row in con.execute(query + " ORDER BY id", params)]
