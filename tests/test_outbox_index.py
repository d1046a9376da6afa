"""Queuing a message compares its identity with the waiting ones' through the outbox's index of
identities: each file's headers are read once, not once per message queued after it (a batch of n
mails read n² headers), and the files stay the truth — a missing, broken or stale index is rebuilt
from them. Real files in a real outbox/; the header reads are counted, not timed."""
from __future__ import annotations

import email
import email.policy

import pytest

from watch_helpers import make_ws
from xlflow.output import outbox
from xlflow.output.mail import compose
from xlflow.output.outbox import SENT, already_sent, waiting_mails, write_outbox
from xlflow.output.outbox_index import INDEX

N = 30


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = outbox._headers_of

    def counted(path):
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(outbox, "_headers_of", counted)
    return seen


def _mail(ws, i: int, body: str = "x"):
    return compose(ws, f"Brief W47 {i}", body, None, [f"d{i}@example.com"], kind="brief-2026-W47", about=f"D{i}")


def _bodies(ws) -> dict[str, str]:
    out = {}
    for p in waiting_mails(ws):
        m = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        out[str(m["To"])] = m.get_body().get_content().strip()
    return out


def test_a_batch_reads_each_waiting_file_once_at_most(tmp_path, reads):
    ws = make_ws(tmp_path / "ws")
    for i in range(N):
        write_outbox(ws, _mail(ws, i))
    assert len(waiting_mails(ws)) == N and len(reads) <= N  # the old loop read 0 + 1 + … + 29 = 435
    reads.clear()
    for i in range(N):  # the batch again: each waiting copy replaced, none read to learn what it is
        write_outbox(ws, _mail(ws, i, "again"))
    assert len(reads) <= N and set(_bodies(ws).values()) == {"again"} and len(waiting_mails(ws)) == N


def test_a_missing_or_broken_index_is_rebuilt_from_the_files(tmp_path, reads):
    ws = make_ws(tmp_path / "ws")
    for i in range(5):
        write_outbox(ws, _mail(ws, i))
    index = ws.folder("outbox") / INDEX
    for damage in (index.unlink, lambda: index.write_text("{not json", "utf-8")):
        damage()
        reads.clear()
        write_outbox(ws, _mail(ws, 2, "replaced"))
        assert len(reads) == 5  # every waiting file read once, to rebuild it
        assert len(waiting_mails(ws)) == 5 and _bodies(ws)["d2@example.com"] == "replaced"
        reads.clear()
        write_outbox(ws, _mail(ws, 3, "replaced"))
        assert reads == []


def test_a_file_changed_or_removed_by_hand_is_read_again(tmp_path, reads):
    """The coordinator readdresses a waiting mail in a text editor, and deletes another: the index
    follows the files, so a mail to the new address replaces it, and the deleted one is forgotten."""
    ws = make_ws(tmp_path / "ws")
    for i in range(3):
        write_outbox(ws, _mail(ws, i))
    by_to = {next(i for i in range(3) if f"d{i}@".encode() in p.read_bytes()): p for p in waiting_mails(ws)}
    first, second = by_to[0], by_to[1]
    first.write_bytes(first.read_bytes().replace(b"d0@example.com", b"d9@example.com"))
    second.unlink()
    reads.clear()
    write_outbox(ws, compose(ws, "Brief W47 9", "new", None, ["d9@example.com"], kind="brief-2026-W47", about="D0"))
    assert reads == [first.name]
    assert _bodies(ws) == {"d9@example.com": "new", "d2@example.com": "x"}


def test_a_sent_brief_is_known_without_reading_every_sent_file_each_time(tmp_path, reads):
    ws = make_ws(tmp_path / "ws")
    sent = ws.folder("outbox") / SENT
    sent.mkdir(parents=True)
    for i in range(N):
        path = write_outbox(ws, _mail(ws, i))
        path.replace(sent / path.name)
    reads.clear()
    assert all(already_sent(ws, _mail(ws, i)) for i in range(N))
    assert not already_sent(ws, _mail(ws, N))
    assert len(reads) == N  # each sent file once, for the whole batch
