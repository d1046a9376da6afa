"""share/ical.py writes the feeds' text itself: byte for byte what the icalendar library wrote for the
same calendar (the library's objects, built here as share/calendar.py built them before), and it
parses back with the library to the same events."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest

from share_helpers import ics_lines, make_ws, sample_week
from xlflow.share import ical
from xlflow.share.calendar import PRODID, calendar_bytes, events
from xlflow.share.publish import audience_slice
from xlflow.share.sharing import sharing_list

STAMP = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
# the byte comparisons are with icalendar 7's folding (it keeps an escape on one line); 6.x folded otherwise
LIBRARY_7 = int(icalendar.__version__.split(".")[0]) >= 7

# awkward texts: escapes at every fold position, 2-, 3- and 4-octet characters across the limit,
# carets, line breaks of every kind, an "=" that must stay text
TEXTS = [
    "",
    "plain",
    "a;b,c\\d",
    "line one\nline two\r\nline three\rfour",
    "=SUM(A1) 量产设计冻结",
    "x" * 73 + ",",
    "x" * 72 + ";tail",
    "x" * 74 + "\\" * 3 + "y" * 80,
    "^" * 90,
    "é" * 80,
    "截止" * 60,
    "😀🚀" * 40,
    "a" + "😀" * 30 + ",;" * 20,
]


def library_event(uid: str, day: dt.date, summary: str, description: str, sequence: int) -> bytes:
    """One VEVENT as share/calendar.py made it with the library before share/ical.py."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", STAMP)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("sequence", sequence)
    event.add("summary", summary)
    if description:
        event.add("description", description)
    event.add("transp", "TRANSPARENT")
    return event.to_ical()


@pytest.mark.parametrize("shift", range(4))
@pytest.mark.parametrize("text", TEXTS)
def test_an_event_is_what_the_library_wrote(text, shift):
    summary, description = "s" * shift + text, "d" * (3 - shift) + text
    uid = f"TP-1-RD-{shift:03d}@xlflow"
    day = dt.date(2026, 12, 31)
    mine = ical.all_day_event(uid, day, summary, description, shift, ical.utc_value(STAMP))
    assert mine == library_event(uid, day, summary, description, shift) or not LIBRARY_7
    lines = ics_lines(mine)
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # no character split by a fold
    back = icalendar.Event.from_ical(mine)
    assert str(back["SUMMARY"]) == summary.replace("\r\n", "\n").replace("\r", "\n")
    assert back.decoded("DTSTART") == day and int(back["SEQUENCE"]) == shift


def test_a_backslash_n_stays_text():
    """RFC 5545: a literal backslash is escaped; the library made a backslash and "N" a line break."""
    text = ical.all_day_event("u@x", dt.date(2026, 1, 5), r"C:\New", "", 0, ical.utc_value(STAMP))
    assert b"SUMMARY:C:\\\\New\r\n" in text


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_feed_is_what_the_library_wrote(tmp_path, lang):
    ws = make_ws(tmp_path / "ws", lang)
    state = sample_week()
    sharing = sharing_list(ws)
    for audience in ("coordinators", "RD", "MK"):
        piece = audience_slice(ws, state, sharing, audience)
        found = events(ws, piece, lang)
        seqs = {e.uid: i % 3 for i, e in enumerate(found)}
        mine = calendar_bytes(ws, piece, lang, seqs, STAMP, found)
        cal = icalendar.Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        name = icalendar.Calendar.from_ical(mine)["X-WR-CALNAME"]
        cal.add("x-wr-calname", str(name))
        cal.add("x-wr-timezone", "Asia/Shanghai")
        cal.add_component(icalendar.Timezone.from_tzinfo(ZoneInfo("Asia/Shanghai")))
        body = cal.to_ical()
        end = body.rindex(b"END:VCALENDAR")
        theirs = body[:end] + b"".join(
            library_event(e.uid, e.day, e.summary, e.description, seqs[e.uid]) for e in found) + body[end:]
        assert mine == theirs or not LIBRARY_7
        back = icalendar.Calendar.from_ical(mine)
        assert [str(e["UID"]) for e in back.walk("VEVENT")] == [e.uid for e in found]
        assert [str(e.get("DESCRIPTION", "")) for e in back.walk("VEVENT")] == [e.description for e in found]


def test_the_kept_event_texts_of_an_older_workspace_are_dropped(tmp_path):
    import sqlite3

    import xlflow.share.ledger  # noqa: F401  (registers its tables)
    from xlflow.store.state import StateDB

    path = tmp_path / "xlflow.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE calendar_texts (key TEXT PRIMARY KEY, ical BLOB NOT NULL)")
        con.execute("INSERT INTO calendar_texts VALUES ('k', x'00')")
    con.close()
    StateDB(path)
    with sqlite3.connect(path) as con:
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert "calendar_texts" not in tables and "calendar_events" in tables
