"""The portfolio brief: what a PMO reads first — projects in trouble, departments late in
several projects, broken or late cross-project links, the next milestones, the workspaces that
could not be read. Plain text and HTML (escaped with the standard library)."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass

from .book import entry_note, t
from .build import Portfolio

SOON_DAYS = 14  # milestones in the next two weeks
SIGNAL = 2  # a department late in this many projects or more is named


@dataclass(frozen=True)
class BriefSection:
    title: str
    lines: tuple[str, ...]


def sections(p: Portfolio, lang: str) -> list[BriefSection]:
    out = []
    for health in ("red", "amber"):
        lines = tuple(
            t(
                "brief-project",
                lang,
                project=e.code,
                name=e.name(lang),
                percent=e.row.percent,
                overdue=e.row.overdue,
                trouble=e.row.trouble,
                slipped=e.row.slipped,
                unapproved=e.row.unapproved,
                pending=e.row.pending_changes,
                missing=", ".join(e.row.not_submitted) or "—",
            )
            for e in p.entries
            if e.row is not None and e.row.health == health
        )
        out.append(BriefSection(t(f"brief-{health}", lang, count=len(lines)), lines))
    projects = [e.code for e in p.entries if e.row is not None]
    late = []
    for d in p.departments:
        where = [code for code in projects if p.lateness.get((d, code))]
        if len(where) >= SIGNAL:
            late.append(t("brief-department", lang, department=d, count=len(where), projects=", ".join(where)))
    out.append(BriefSection(t("brief-departments", lang, count=len(late)), tuple(late)))
    links = tuple(
        t(
            "brief-link",
            lang,
            project=c.project,
            task=c.task_id,
            other=f"{c.other_project}:{c.other_task}",
            status=t(f"link-{c.status}", lang),
        )
        for c in p.links
        if c.status != "ok"
    )
    out.append(BriefSection(t("brief-links", lang, count=len(links)), links))
    soon = p.as_of + dt.timedelta(days=SOON_DAYS)
    miles = tuple(
        t("brief-milestone", lang, date=c.day.isoformat(), project=c.project, name=c.milestone.name)
        for c in p.calendar
        if p.as_of <= c.day <= soon
    )
    out.append(BriefSection(t("brief-milestones", lang, count=len(miles), days=SOON_DAYS), miles))
    bad = tuple(
        t("brief-unreadable-line", lang, project=e.code, path=str(e.read.root), why=entry_note(e, lang))
        for e in p.entries
        if e.row is None
    )
    out.append(BriefSection(t("brief-unreadable", lang, count=len(bad)), bad))
    return [s for s in out if s.lines]


def headline(p: Portfolio, lang: str) -> str:
    count = {
        h: sum(1 for e in p.entries if e.row is not None and e.row.health == h)
        for h in ("red", "amber", "green", "done")
    }
    return t(
        "brief-headline",
        lang,
        date=p.as_of.isoformat(),
        projects=len(p.entries),
        red=count["red"],
        amber=count["amber"],
        green=count["green"],
        done=count["done"],
        unreadable=sum(1 for e in p.entries if e.row is None),
    )


def subject(p: Portfolio, lang: str) -> str:
    return t("brief-subject", lang, date=p.as_of.isoformat())


def brief_text(p: Portfolio, lang: str) -> str:
    lines = [subject(p, lang), "", headline(p, lang)]
    for s in sections(p, lang):
        lines += ["", f"## {s.title}", *(f"- {line}" for line in s.lines)]
    return "\n".join(lines) + "\n"


def brief_html(p: Portfolio, lang: str) -> str:
    e = html.escape
    parts = [
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f'<title>{e(subject(p, lang))}</title></head><body style="font-family:sans-serif">',
        f"<h1>{e(subject(p, lang))}</h1>",
        f"<p>{e(headline(p, lang))}</p>",
    ]
    for s in sections(p, lang):
        parts.append(f"<h2>{e(s.title)}</h2><ul>" + "".join(f"<li>{e(line)}</li>" for line in s.lines) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
