"""The chat outbox and its journal: tables in the workspace's state database (xlflow.sqlite).

The tables are registered with the database (store/db.py). A message is put in the outbox once
per (channel, key): the key names the event (the inbox file and its hash, the week, the change
request and its decision, the escalated row), so an event produced again after a crash is not
queued twice. Each message is one or more parts (one POST each);
`next_part` says how far it got.

    queued ──claim──► sending ──0──► (next part) … ──► sent
                        │ transient answer ──► queued again, not before a backoff
                        │ permanent answer ──► the channel is stopped (the message waits)

A claim is one transaction that also checks the channel's rate window (every POST made in the
last minute is a row of chat_posts), so two processes sending together still stay under it.
A row found "sending" when claimed was cut off by a kill during its POST: it is sent again and
flagged `uncertain` — the only moment where the platform may show it twice (it has no
idempotency key; see docs/chat.md).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..store.db import Database, register

MAX_AGE = 48 * 3600.0  # a message not sent within 48 hours is expired, not sent (the mail has it)
SUPERSEDING = ("brief", "reminder")

SCHEMA = """
CREATE TABLE IF NOT EXISTS chat_outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    event TEXT NOT NULL,
    key TEXT NOT NULL,
    parts TEXT NOT NULL,          -- JSON list of payloads, without signatures or secrets
    next_part INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,          -- queued | sending | sent | failed (too long) | expired | superseded
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    sent REAL,
    uncertain INTEGER NOT NULL DEFAULT 0,  -- resent after a POST whose answer never came
    note TEXT,
    UNIQUE (channel, key)
);
CREATE INDEX IF NOT EXISTS chat_outbox_waiting ON chat_outbox (channel, state, id);
CREATE TABLE IF NOT EXISTS chat_posts (channel TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS chat_posts_at ON chat_posts (channel, at);
CREATE TABLE IF NOT EXISTS chat_channels (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL,          -- open | stopped
    reason TEXT,                  -- the platform's answer and what to do (masked), when stopped
    since REAL,
    paused_until REAL NOT NULL DEFAULT 0   -- a platform's lock-out (DingTalk: 10 minutes)
);
"""
register("chat.outbox", SCHEMA)


@dataclass(frozen=True)
class Row:
    id: int
    channel: str
    event: str
    key: str
    parts: tuple
    next_part: int
    attempts: int
    uncertain: bool

    @property
    def part(self) -> dict:
        return self.parts[self.next_part]


@dataclass(frozen=True)
class Rate:
    per_minute: int
    per_second: int = 0  # 0: no per-second limit


@dataclass(frozen=True)
class ChannelState:
    name: str
    state: str
    reason: str
    since: float | None
    paused_until: float
    waiting: int
    sent: int
    uncertain: int
    expired: int = 0  # not sent within MAX_AGE, or given up (too long)


class ChatOutbox:
    def __init__(self, db_path: Path) -> None:
        self.path = Path(db_path)
        self.db = Database(self.path)

    def _connect(self):
        """One transaction (BEGIN IMMEDIATE) on the workspace's database (store/db.py)."""
        return self.db.transaction()

    def enqueue(self, channel: str, event: str, key: str, parts: list[dict], now: float) -> bool:
        """Queue a message; False when this (channel, key) was queued before (sent or not). A new
        brief or reminder supersedes one of the same kind still waiting (it would say the past)."""
        with self._connect() as con:
            if event in SUPERSEDING:
                con.execute(
                    "UPDATE chat_outbox SET state='superseded' WHERE channel=? AND event=? AND key<>? "
                    "AND state='queued'",
                    (channel, event, key),
                )
            cur = con.execute(
                "INSERT OR IGNORE INTO chat_outbox (channel, event, key, parts, state, created) "
                "VALUES (?, ?, ?, ?, 'queued', ?)",
                (channel, event, key, json.dumps(parts, ensure_ascii=False), now),
            )
            return cur.rowcount == 1

    def claim(self, channel: str, now: float, rate: Rate) -> Row | float | None:
        """The next part to POST now (recorded as a post in the rate window), or the seconds to
        wait before one may go, or None when nothing waits (or the channel is stopped)."""
        with self._connect() as con:
            return self._claim(con, channel, now, rate)

    def _claim(self, con: sqlite3.Connection, channel: str, now: float, rate: Rate) -> Row | float | None:
        ch = con.execute("SELECT state, paused_until FROM chat_channels WHERE name=?", (channel,)).fetchone()
        if ch is not None and ch[0] == "stopped":
            return None
        con.execute(
            "UPDATE chat_outbox SET state='expired' WHERE channel=? AND state IN ('queued', 'sending') AND created < ?",
            (channel, now - MAX_AGE),
        )
        row = con.execute(
            "SELECT id, event, key, parts, next_part, attempts, uncertain, state, not_before "
            "FROM chat_outbox WHERE channel=? AND state IN ('queued', 'sending') ORDER BY id LIMIT 1",
            (channel,),
        ).fetchone()
        if row is None:
            return None
        waits = [row[8] - now, (ch[1] if ch else 0) - now, self._rate_wait(con, channel, now, rate)]
        if max(waits) > 0:
            return max(waits)
        uncertain = bool(row[6]) or row[7] == "sending"
        con.execute(
            "UPDATE chat_outbox SET state='sending', attempts=attempts+1, uncertain=? WHERE id=?",
            (int(uncertain), row[0]),
        )
        con.execute("INSERT INTO chat_posts (channel, at) VALUES (?, ?)", (channel, now))
        con.execute("DELETE FROM chat_posts WHERE channel=? AND at < ?", (channel, now - 3600))
        return Row(row[0], channel, row[1], row[2], tuple(json.loads(row[3])), row[4], row[5] + 1, uncertain)

    @staticmethod
    def _rate_wait(con: sqlite3.Connection, channel: str, now: float, rate: Rate) -> float:
        wait = 0.0
        for window, limit in ((60.0, rate.per_minute), (1.0, rate.per_second)):
            if limit <= 0:
                continue
            recent = [
                r[0]
                for r in con.execute(
                    "SELECT at FROM chat_posts WHERE channel=? AND at > ? ORDER BY at", (channel, now - window)
                )
            ]
            if len(recent) >= limit:
                wait = max(wait, recent[len(recent) - limit] + window - now + 0.001)
        return wait

    def note_post(self, channel: str, now: float) -> None:
        """A POST made outside the queue (`xlflow chat test`): it counts in the rate window too."""
        with self._connect() as con:
            con.execute("INSERT INTO chat_posts (channel, at) VALUES (?, ?)", (channel, now))

    def part_done(self, row: Row, now: float) -> bool:
        """The part went through; True when it was the message's last."""
        last = row.next_part + 1 >= len(row.parts)
        with self._connect() as con:
            con.execute(
                "UPDATE chat_outbox SET next_part=?, state=?, sent=?, note=NULL WHERE id=?",
                (row.next_part + 1, "sent" if last else "queued", now if last else None, row.id),
            )
        return last

    def again_later(self, row: Row, not_before: float, note: str, uncertain: bool = False) -> None:
        with self._connect() as con:
            con.execute(
                "UPDATE chat_outbox SET state='queued', not_before=?, note=?, uncertain=uncertain OR ? WHERE id=?",
                (not_before, note, int(uncertain), row.id),
            )

    def give_up(self, row: Row, note: str) -> None:
        """A message the platform will never take (too long even shortened): kept, marked failed."""
        with self._connect() as con:
            con.execute("UPDATE chat_outbox SET state='failed', note=? WHERE id=?", (note, row.id))

    def stop(self, channel: str, reason: str, now: float) -> None:
        with self._connect() as con:
            con.execute("UPDATE chat_outbox SET state='queued' WHERE channel=? AND state='sending'", (channel,))
            con.execute(
                "INSERT INTO chat_channels (name, state, reason, since) VALUES (?, 'stopped', ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET state='stopped', reason=excluded.reason, since=excluded.since",
                (channel, reason, now),
            )

    def pause(self, channel: str, until: float) -> None:
        with self._connect() as con:
            con.execute(
                "INSERT INTO chat_channels (name, state, paused_until) VALUES (?, 'open', ?) "
                "ON CONFLICT(name) DO UPDATE SET paused_until=excluded.paused_until",
                (channel, until),
            )

    def reopen(self, channel: str, now: float) -> None:
        with self._connect() as con:
            con.execute(
                "INSERT INTO chat_channels (name, state, since) VALUES (?, 'open', ?) "
                "ON CONFLICT(name) DO UPDATE SET state='open', reason=NULL, since=excluded.since, "
                "paused_until=0",
                (channel, now),
            )
            con.execute("UPDATE chat_outbox SET not_before=0 WHERE channel=? AND state='queued'", (channel,))

    def channel_state(self, channel: str) -> ChannelState:
        with self._connect() as con:
            ch = con.execute(
                "SELECT state, reason, since, paused_until FROM chat_channels WHERE name=?", (channel,)
            ).fetchone() or ("open", "", None, 0.0)
            counts = dict(
                con.execute(
                    "SELECT state, COUNT(*) FROM chat_outbox WHERE channel=? GROUP BY state", (channel,)
                ).fetchall()
            )
            uncertain = con.execute(
                "SELECT COUNT(*) FROM chat_outbox WHERE channel=? AND uncertain=1", (channel,)
            ).fetchone()[0]
        return ChannelState(
            channel,
            ch[0],
            ch[1] or "",
            ch[2],
            ch[3] or 0.0,
            counts.get("queued", 0) + counts.get("sending", 0),
            counts.get("sent", 0),
            uncertain,
            counts.get("expired", 0) + counts.get("failed", 0),
        )

    def rows(self, channel: str | None = None) -> list[dict]:
        """Every message (for tests and `xlflow chat`), oldest first."""
        with self._connect() as con:
            query = "SELECT * FROM chat_outbox" + (" WHERE channel=?" if channel else "") + " ORDER BY id"
            return [dict(r) for r in con.execute(query, (channel,) if channel else ())]

    def posts(self, channel: str) -> list[float]:
        with self._connect() as con:
            return [r[0] for r in con.execute("SELECT at FROM chat_posts WHERE channel=? ORDER BY at", (channel,))]
