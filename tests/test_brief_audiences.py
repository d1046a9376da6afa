"""The weekly brief mailed per audience (issue 19 item 15, issue 21): the coordinators get every
department's scorecard and the master; a department's contact only its own scorecard line and its
own slice instead of the master, unless the sharing list gives it more. Sent to a real SMTP server
on 127.0.0.1, the sample project run as `xlflow demo` runs it."""
from __future__ import annotations

import email
import email.policy

import pytest

from export_helpers import AS_OF
from mail_helpers import SMTPServer, with_smtp
from xlflow.config import load_workspace
from xlflow.service.weekly import send_weekly_brief

MASTER = "NPL-2026-master.xlsx"
SLICE = "NPL-2026-{code}-2026-W47.xlsx"


@pytest.fixture
def ws(merged_sample_ws):
    """A copy of the sample project merged as `xlflow demo` merges it (conftest.py: made once a session)."""
    return merged_sample_ws


def _names(ws, lang: str = "zh") -> dict[str, str]:
    return {d.code: d.name(lang) for d in ws.departments}


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _scorecard_lines(text: str, heading: str) -> list[str]:
    """The department column of the text part's scorecard table under `heading` ([] without one)."""
    lines = text.splitlines()
    if f"## {heading}" not in lines:
        return []
    out = []
    for line in lines[lines.index(f"## {heading}") + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("| ") and not line.startswith("|---"):
            out.append(line.split("|")[1].strip())
    return out[1:]  # without the header row


def _files(message) -> list[str]:
    return sorted(part.get_filename() for part in message.iter_attachments())


def _sharing(ws, rows: str):
    path = ws.root / "xlflow.toml"
    path.write_text(path.read_text("utf-8") + "\n" + rows, "utf-8")
    return load_workspace(ws.root)


def test_coordinators_get_every_scorecard_and_the_master_a_department_its_own_line_and_slice(ws, tls_cert):
    names = _names(ws)
    assert (ws.root / "slices" / "RD" / SLICE.format(code="RD")).is_file()  # written by the merge
    with SMTPServer(*tls_cert, security="none") as server:
        live = with_smtp(ws, server)
        result = send_weekly_brief(live, AS_OF, send=True, lang="zh")
        got = {tuple(r.rcpt_tos): r.message for r in server.received}
        # each audience's brief once: a second send (the watcher, then `summary --send`) is withdrawn
        again = send_weekly_brief(live, AS_OF, send=True, lang="zh")
        assert len(server.received) == len(got) == 7
    assert all(d.sent for d in result.deliveries)
    assert {d.note for d in again.deliveries} == {"mail-already-sent"}
    assert {d.eml.parent.name for d in again.deliveries} == {"withdrawn"}

    pmo = got[("pmo@example.com",)]  # [email] to, and the lead department's contact
    assert _files(pmo) == [MASTER]
    assert _scorecard_lines(_text(pmo), "部门评分卡") == [names[c] for c in ("PMO", "RD", "MK", "SA", "MF", "CS", "FN")]
    # the coordinators' mail is the brief written to reports/
    assert _text(pmo).replace("\r\n", "\n") == result.text.read_text("utf-8")

    rd = got[("rd@example.com",)]
    assert rd["Subject"] == pmo["Subject"] + f"（{names['RD']}）"
    # the default list mails each department its slice and calendar weekly: with its brief, one mail
    assert _files(rd) == ["NPL-2026-RD-2026-W47.xlsx", "RD.ics"]
    assert _scorecard_lines(_text(rd), "本部门评分卡") == [names["RD"]]
    assert "部门评分卡" not in _text(rd).replace("本部门评分卡", "")
    assert all(names[c] not in _scorecard_lines(_text(rd), "本部门评分卡") for c in ("MK", "SA", "FN"))
    assert "附件为贵部门的切片 NPL-2026-RD-2026-W47.xlsx" in _text(rd) and MASTER not in _text(rd)
    html = rd.get_body(("html",)).get_content()
    assert "本部门评分卡" in html and names["MK"] + "</td>" not in html.split("本部门评分卡")[1]
    for code, address in (("MK", "marketing@example.com"), ("FN", "finance@example.com")):
        assert _files(got[(address,)]) == sorted([SLICE.format(code=code), f"{code}.ics"])
        assert _scorecard_lines(_text(got[(address,)]), "本部门评分卡") == [names[code]]


def test_the_sharing_list_gives_a_department_more_or_less(ws):
    ws = _sharing(ws, """
[[sharing.rows]]
content = ["own_tasks", "linked_tasks", "milestones", "scorecard"]
audience = ["SA", "MF", "CS", "FN"]
format = "xlsx"
frequency = "merge"

[[sharing.rows]]
content = ["own_tasks"]
audience = "FN"
format = "mail"
frequency = "weekly"

[[sharing.rows]]
content = ["own_tasks"]
audience = "RD"
format = "mail"
frequency = "weekly"

[[sharing.rows]]
content = ["master"]
audience = ["coordinators", "MK"]
format = ["xlsx", "mail"]
frequency = "weekly"
""")
    names = _names(ws, "en")
    result = send_weekly_brief(ws, AS_OF, send=False, lang="en")
    got = {}
    for d in result.deliveries:
        message = email.message_from_bytes(d.eml.read_bytes(), policy=email.policy.default)
        got[message["To"].addresses[0].addr_spec] = message
    assert len(got) == 7
    everyone = [names[c] for c in ("PMO", "RD", "MK", "SA", "MF", "CS", "FN")]
    # MK is given the master: the coordinators' brief
    mk = got["marketing@example.com"]
    assert _files(mk) == [MASTER] and _scorecard_lines(_text(mk), "Department scorecards") == everyone
    assert _text(mk) == _text(got["pmo@example.com"])
    # RD's rows hold no scorecard, and its own tasks as a weekly mail: that mail is its brief
    rd = _text(got["rd@example.com"])
    assert _files(got["rd@example.com"]) == [SLICE.format(code="RD"), "RD.ics"] and "scorecard" not in rd.lower()
    assert "The master workbook" not in rd
    # SA: its own line and its slice
    sa = got["sales@example.com"]
    assert _files(sa) == [SLICE.format(code="SA")]
    assert _scorecard_lines(_text(sa), "Your department's scorecard") == [names["SA"]]
    assert f"Your department's slice {SLICE.format(code='SA')} is attached" in _text(sa)
    # FN's weekly department mail is its brief, its slice and calendar attached once
    assert _files(got["finance@example.com"]) == sorted([SLICE.format(code="FN"), "FN.ics"])


def test_each_audience_keeps_its_identity_in_the_queue(ws):
    """Queued twice: each audience's waiting brief is replaced, not doubled; --to is one brief."""
    first = send_weekly_brief(ws, AS_OF, send=False, lang="zh")
    second = send_weekly_brief(ws, AS_OF, send=False, lang="zh")
    waiting = sorted(ws.folder("outbox").glob("*brief-2026-W47*.eml"))
    assert len(first.deliveries) == len(second.deliveries) == len(waiting) == 7
    assert sorted(d.eml for d in second.deliveries) == waiting
    identities = {email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["X-Xlflow-Identity"]
                  for p in waiting}
    assert identities == {f"brief-2026-W47:{a}" for a in ("coordinators", "RD", "MK", "SA", "MF", "CS", "FN")}
    one = send_weekly_brief(ws, AS_OF, send=False, lang="zh", to=["boss@example.com"])
    assert len(one.deliveries) == 1 and _files(email.message_from_bytes(
        one.delivery.eml.read_bytes(), policy=email.policy.default)) == [MASTER]


def test_a_brief_without_the_master_does_not_send_the_reader_to_it(ws):
    from dataclasses import replace

    from xlflow.service.weekly import make_brief
    from xlflow.week.brief import render_brief

    brief = replace(make_brief(ws, AS_OF, "zh"), decisions_more=3)
    html, text = render_brief(ws, brief, MASTER)
    assert "……另有 3 项，见附件总表。" in text and "……另有 3 项，见附件总表。" in html
    html, text = render_brief(ws, brief, "", SLICE.format(code="RD"))
    assert "……另有 3 项未在此列出。" in text and "……另有 3 项未在此列出。" in html and "见附件总表" not in text
