"""A retry judges the waiting mails, and each brief prunes the kept ones, from the outbox's index of
each file's few headers (output/outbox_index.py): on a workspace with a year of mails, a second
retry or brief opens no .eml it has seen unchanged. Real files in a real outbox/; the .eml files
opened are counted, not timed."""
from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import pathlib

import pytest

from watch_helpers import make_ws
from xlflow.output import outboxkeep
from xlflow.output.mail import compose
from xlflow.output.outbox import SENT, WITHDRAWN, judge, outbox_dir, write_outbox

WEEKS = 52


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The .eml files opened for reading, by any code path."""
    seen: list[str] = []
    real_open, real_read = builtins.open, pathlib.Path.read_bytes

    def counted_open(file, mode="r", *args, **kwargs):
        if str(file).endswith(".eml") and "r" in mode:
            seen.append(pathlib.Path(file).name)
        return real_open(file, mode, *args, **kwargs)

    def counted_read(self):
        if self.suffix == ".eml":
            seen.append(self.name)
        return real_read(self)

    monkeypatch.setattr(builtins, "open", counted_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", counted_read)
    return seen


def _year(tmp_path):
    """A year of briefs kept in outbox/sent/ (some withdrawn), each with an attachment, and a few
    mails still waiting."""
    ws = make_ws(tmp_path / "ws")
    ws = dataclasses.replace(ws, watch=dataclasses.replace(ws.watch, history_days=28))
    attached = tmp_path / "master.xlsx"
    attached.write_bytes(b"PK" + bytes(range(256)) * 40)
    folder = outbox_dir(ws)
    for sub in (SENT, WITHDRAWN):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for week in range(1, WEEKS + 1):
        for dept in ("RD", "MK", "PMO"):
            mail = compose(ws, f"Brief W{week}", "the brief", None, [f"{dept.lower()}@example.com"], [attached],
                           kind=f"brief-2026-W{week:02d}", about=dept)
            path = write_outbox(ws, mail)
            path.replace(folder / (WITHDRAWN if week % 10 == 0 and dept == "MK" else SENT) / path.name)
    for i in range(8):
        write_outbox(ws, compose(ws, "Reminder", "send your file", None, [f"d{i}@example.com"], kind=f"reminder-D{i}"))
    return ws


def test_a_retry_judges_the_waiting_mails_without_opening_them_again(tmp_path, opened):
    ws = _year(tmp_path)
    judge(ws)
    opened.clear()
    first = judge(ws)
    assert len(first) == 8 and {j.verdict for j in first} == {"send"}
    assert opened == []  # it read 8 waiting files each time, and each sent one when its index was stale


def test_each_brief_prunes_from_the_index_and_a_stripped_mail_is_not_read_again(tmp_path, opened):
    ws = _year(tmp_path)
    as_of = dt.date(2026, 12, 31)
    first = outboxkeep.prune(ws, as_of)
    assert first.stripped == 3 * (WEEKS - 4) and first.freed > 0  # older than 28 days: all but the last 4 weeks
    opened.clear()
    assert outboxkeep.prune(ws, as_of) == outboxkeep.Kept()
    assert sorted(opened) == sorted(set(opened)) and len(opened) == first.stripped  # each rewritten file read once
    opened.clear()
    assert outboxkeep.prune(ws, as_of) == outboxkeep.Kept()
    assert opened == []  # was: every kept mail once, a stripped one twice (300 files)
    third = outboxkeep.prune(ws, as_of + dt.timedelta(days=7))
    assert third.stripped == 3 and len(opened) == 3  # one more week: only its files, opened to strip them
