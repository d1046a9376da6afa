"""outbox/ is a queue of messages with an identity, not a pile of copies: a preview is not queued,
the same message queued twice is there once, a message a later event made wrong is withdrawn,
an old one is held for the coordinator, and `mail retry --dry-run` shows all that first."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import shutil

from click.testing import CliRunner

from mail_helpers import SMTPServer, with_smtp
from watch_helpers import make_ws, sample
from xlflow.cli import main
from xlflow.output.mail import compose, deliver, retry_outbox
from xlflow.output.outbox import IDENTITY_HEADER, identity, judge, waiting_mails
from xlflow.watcher import Watcher

AS_OF = dt.date(2026, 11, 20)


def kinds(paths) -> list[str]:
    return sorted(email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["X-Xlflow-Kind"]
                  for p in paths)


def drop(ws, src, name: str) -> None:
    shutil.copyfile(src, ws.folder("inbox") / name)
    Watcher(ws, today=lambda: AS_OF).run_once()


def test_the_same_message_queued_again_replaces_the_waiting_copy(tmp_path):
    ws = make_ws(tmp_path / "ws")
    first = compose(ws, "Brief W47", "one", None, ["a@example.com", "b@example.com"], kind="brief-2026-W47")
    again = compose(ws, "Brief W47", "two", None, ["b@example.com", "a@example.com"], kind="brief-2026-W47")
    other = compose(ws, "Brief W47", "three", None, ["c@example.com"], kind="brief-2026-W47")
    for m in (first, again, other):
        deliver(ws, m, send=True)  # no server configured: queued
    waiting = waiting_mails(ws)
    assert len(waiting) == 2  # one per identity: the brief of W47 to {a, b} and to {c}
    bodies = sorted(email.message_from_bytes(p.read_bytes(), policy=email.policy.default).get_body().get_content()
                    for p in waiting)
    assert [b.strip() for b in bodies] == ["three", "two"]
    assert identity(first) == identity(again) != identity(other)


def test_feedback_about_two_files_is_two_messages(tmp_path):
    ws = make_ws(tmp_path / "ws")
    for name in ("a.xlsx", "b.xlsx"):
        deliver(ws, compose(ws, "Not accepted", "x", None, ["cs@example.com"], kind="feedback-CS-rejected",
                            about=name), send=False)
    assert len(waiting_mails(ws)) == 2
    assert {str(email.message_from_bytes(p.read_bytes())[IDENTITY_HEADER]) for p in waiting_mails(ws)} == \
        {"feedback-CS-rejected:a.xlsx", "feedback-CS-rejected:b.xlsx"}


def test_a_rejection_notice_is_withdrawn_once_the_department_is_accepted(tmp_path, tls_cert):
    ws = make_ws(tmp_path / "ws")
    drop(ws, sample("CS", 47), "NPL-2026_CS_客服部.xlsx")  # week 47 of CS has mistakes: rejected
    assert kinds(waiting_mails(ws)) == ["feedback-CS-rejected"]
    drop(ws, sample("CS", 46), "NPL-2026_CS_客服部.xlsx")  # corrected: accepted
    assert kinds(waiting_mails(ws)) == ["feedback-CS-accepted", "feedback-CS-rejected"]

    r = CliRunner().invoke(main, ["mail", "retry", "-w", str(ws.root), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "Withdrawn" in r.output and "has had a version accepted since" in r.output and "Would send" in r.output
    assert len(waiting_mails(ws)) == 2  # a dry run changes nothing

    with SMTPServer(*tls_cert, security="none") as server:
        result = retry_outbox(with_smtp(ws, server))
    assert [r.sent for r in result.sent] == [True] and len(result.withdrawn) == 1
    assert len(server.received) == 1 and "feedback-CS-accepted" in server.received[0].message["X-Xlflow-Kind"]
    assert waiting_mails(ws) == [] and kinds((ws.folder("outbox") / "withdrawn").glob("*.eml")) == \
        ["feedback-CS-rejected"]


def test_a_brief_already_sent_is_not_sent_again(tmp_path, tls_cert):
    ws = make_ws(tmp_path / "ws")
    with SMTPServer(*tls_cert, security="none") as server:
        live = with_smtp(ws, server)
        deliver(live, compose(live, "Brief", "x", None, ["pmo@example.com"], kind="brief-2026-W47"), send=True)
        deliver(live, compose(live, "Brief", "y", None, ["pmo@example.com"], kind="brief-2026-W47"), send=False)
        result = retry_outbox(live)
    assert len(server.received) == 1 and result.sent == [] and len(result.withdrawn) == 1


def test_an_old_message_is_held_for_the_coordinator(tmp_path, tls_cert):
    ws = make_ws(tmp_path / "ws")
    message = compose(ws, "Reminder", "x", None, ["fn@example.com"], kind="reminder-FN", about="2026-W47")
    del message["Date"]
    message["Date"] = email.utils.format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(days=11))
    deliver(ws, message, send=False)
    fresh = compose(ws, "Note", "y", None, ["pmo@example.com"], kind="note")
    deliver(ws, fresh, send=False)
    assert sorted(j.verdict for j in judge(ws)) == ["hold", "send"]

    with SMTPServer(*tls_cert, security="none") as server:
        live = with_smtp(ws, server)
        result = retry_outbox(live)
        assert len(server.received) == 1 and len(result.held) == 1 and len(waiting_mails(ws)) == 1
        r = CliRunner().invoke(main, ["mail", "retry", "-w", str(ws.root), "--dry-run", "--lang", "zh"])
        assert "暂缓" in r.output and "--held" in r.output
        result = retry_outbox(live, include_held=True)
    assert len(server.received) == 2 and waiting_mails(ws) == []


def _rejection_notice(ws, received: dt.datetime) -> None:
    deliver(ws, compose(ws, "Not accepted", "x", None, ["cs@example.com"], kind="feedback-CS-rejected",
                        about="NPL-2026_CS.xlsx", event_at=received), send=False)


def test_an_acceptance_in_the_same_second_as_the_rejection_withdraws_it_only_when_it_came_after(tmp_path):
    """Received times are kept to the second: the order recorded decides (CI once had both in one second)."""
    from xlflow.store.state import StateDB
    at = dt.datetime(2026, 11, 20, 9, 30, 5, tzinfo=dt.UTC)
    for order, expected in ((("rejected", "accepted"), "withdraw"), (("accepted", "rejected"), "send")):
        ws = make_ws(tmp_path / "-".join(order))
        db = StateDB(ws.state_db)
        for n, result in enumerate(order):
            db.record_submission("CS", "NPL-2026_CS.xlsx", f"sha{n}", at, result,
                                 version=1 if result == "accepted" else None)
        _rejection_notice(ws, at)
        assert [j.verdict for j in judge(ws, db=db)] == [expected], order


def test_a_reminder_is_withdrawn_by_an_acceptance_in_the_second_it_was_written(tmp_path):
    from xlflow.store.state import StateDB
    ws = make_ws(tmp_path / "ws")
    db = StateDB(ws.state_db)
    written = dt.datetime(2026, 11, 20, 9, 30, 5, 700000, tzinfo=dt.UTC)
    deliver(ws, compose(ws, "Please send", "x", None, ["cs@example.com"], kind="reminder-CS",
                        event_at=written), send=False)
    assert [j.verdict for j in judge(ws, db=db)] == ["send"]
    db.record_submission("CS", "NPL-2026_CS.xlsx", "sha", written.replace(microsecond=0),
                         "accepted", version=1)  # kept to the second: 09:30:05, "before" 09:30:05.7
    assert [j.verdict for j in judge(ws, db=db)] == ["withdraw"]
