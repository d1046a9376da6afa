"""The scorecard's current week, kept from the merge before (features/scorecard/table.py score_current):
a department whose inputs are unchanged since (the same day, no new version) is read, not computed;
any change to what its week depends on (WeekKeys) computes it again. Checked on scorecard_helpers'
hand-computed project against the scorecard computed from scratch."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

from scorecard_helpers import AS_OF, D
from test_scorecard_memo import played, without_memo, ws  # noqa: F401  (fixtures)
from xlflow.features.scorecard import measures
from xlflow.features.scorecard.week import make_scorecard
from xlflow.store.state import StateDB


def _computed(monkeypatch) -> list[str]:
    """The departments whose figures are computed from here on (any week)."""
    calls: list[str] = []
    real = measures._Department.figures

    def counted(self, week, as_of, start=None):
        calls.append(self.code)
        return real(self, week, as_of, start)

    monkeypatch.setattr(measures._Department, "figures", counted)
    return calls


def test_an_unchanged_department_s_current_week_is_read_and_the_same(ws, monkeypatch):  # noqa: F811  (the fixture imported above)
    db = StateDB(ws.state_db)
    first = make_scorecard(ws, AS_OF, db)
    calls = _computed(monkeypatch)
    again = make_scorecard(ws, AS_OF, db)
    assert calls == [] and again == first == without_memo(ws, AS_OF)
    assert again.traces == first.traces and len(again.traces) > 0


def test_a_kept_current_week_is_used_only_under_its_own_key(ws, monkeypatch):  # noqa: F811  (the fixture imported above)
    db = StateDB(ws.state_db)
    make_scorecard(ws, AS_OF, db)
    with db.transaction() as con:  # mark RD's kept current week: its slip becomes 77 days
        figures = json.loads(con.execute("SELECT figures FROM score_current WHERE department='RD'").fetchone()[0])
        figures[2] = 77
        con.execute("UPDATE score_current SET figures=? WHERE department='RD'", (json.dumps(figures),))
    assert make_scorecard(ws, AS_OF, db).department("RD").current.slip_days == 77  # read, not computed
    # the next day, or another calendar (what every figure depends on): computed again, as from scratch
    calls = _computed(monkeypatch)
    later = AS_OF + dt.timedelta(days=1)
    assert make_scorecard(ws, later, db) == without_memo(ws, later) and "RD" in calls
    make_scorecard(ws, AS_OF, db)
    changed = dataclasses.replace(ws, calendar=dataclasses.replace(ws.calendar, holidays=(D(2026, 11, 12),)))
    calls.clear()
    assert make_scorecard(changed, AS_OF, db) == without_memo(changed, AS_OF) and "RD" in calls
