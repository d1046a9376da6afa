"""The scorecard's words, shared by the master's Scorecard sheet and the brief: the weekly
deadline as people read it, each measure's name and one-sentence definition, a rate as text."""

from __future__ import annotations

from ...config import Workspace
from ...i18n import msg
from .model import MEASURES, Ratio


def deadline_text(ws: Workspace, lang: str) -> str:
    """ "Friday 16:00" / "周五 16:00": when a week's update is due (plan.lateness.deadline_of)."""
    s = ws.summary
    weekday = s.deadline_weekday if s.deadline_weekday is not None else 4
    return msg(
        "score-deadline-day",
        lang,
        weekday=msg(f"score-weekday-{weekday}", lang),
        time=s.deadline_time.strftime("%H:%M"),
    )


def definitions(ws: Workspace, lang: str) -> tuple[tuple[str, str], ...]:
    """(name, definition) of every measure, in the order shown."""
    deadline = deadline_text(ws, lang)
    return tuple((msg(f"score-measure-{m}", lang), msg(f"score-def-{m}", lang, deadline=deadline)) for m in MEASURES)


def ratio_text(r: Ratio, lang: str) -> str:
    """ "75% (3/4)", or "—" when nothing counts yet."""
    if r.percent is None:
        return "—"
    percent = f"{r.percent:.0f}" if r.percent == int(r.percent) else f"{r.percent:.1f}"
    return msg("brief-scorecard-ratio", lang, percent=percent, hits=r.hits, total=r.total)
