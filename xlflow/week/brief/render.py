"""A brief as HTML and text, with jinja2 (templates/brief.html.j2 and brief.txt.j2).

HTML is always autoescaped: task names and reasons are typed by departments. The text part is
Markdown, for reports/ and for mail clients without HTML.
"""
from __future__ import annotations

from ...config import Workspace
from ...output.mail import render
from ...output.signature import signature
from .model import Brief


def render_brief(ws: Workspace, brief: Brief, master_name: str = "", slice_name: str = "") -> tuple[str, str]:
    """(HTML, text) of the brief; the workspace's templates/ override the shipped ones.
    `master_name` is the attached master's file name ("" when it is too big to attach or not
    attached); `slice_name` a department's brief's attached slice ("" otherwise)."""
    lead = ws.department(ws.project.lead_department)
    context = {"brief": brief, "master_name": master_name, "slice_name": slice_name,
               "signature": signature(ws, brief.lang),
               "lead": lead.name(brief.lang) if lead else ws.project.lead_department}
    renames = None if master_name else {"brief-more": "brief-more-unattached"}  # no master to see the rest in
    return (render(ws, "brief.html.j2", brief.lang, renames, **context),
            render(ws, "brief.txt.j2", brief.lang, renames, **context))
