"""A brief as HTML and text, with jinja2 (templates/brief.html.j2 and brief.txt.j2).

HTML is always autoescaped: task names and reasons are typed by departments. The text part is
Markdown, for reports/ and for mail clients without HTML.
"""
from __future__ import annotations

from ...config import Workspace
from ...i18n import msg
from ...output.brief.env import brief_env
from ...output.signature import signature
from .model import Brief

_UNATTACHED = {"brief-more": "brief-more-unattached"}  # what a brief with no master attached says instead


def render_brief(ws: Workspace, brief: Brief, master_name: str = "", slice_name: str = "",
                 calendar_name: str = "") -> tuple[str, str]:
    """(HTML, text) of the brief; the workspace's templates/ override the shipped ones.
    `master_name` is the attached master's file name ("" when it is too big to attach or not
    attached); `slice_name` a department's brief's attached slice ("" otherwise), `calendar_name` its attached calendar feed."""
    lead = ws.department(ws.project.lead_department)
    context = {"brief": brief, "master_name": master_name, "slice_name": slice_name,
               "calendar_name": calendar_name,
               "signature": signature(ws, brief.lang),
               "lead": lead.name(brief.lang) if lead else ws.project.lead_department}
    if master_name:
        env = brief_env(ws, brief.lang)
    else:  # no master attached to see the rest in

        def unattached(key: str, **params: object) -> str:
            return msg(_UNATTACHED.get(key, key), brief.lang, **params)

        env = brief_env(ws, brief.lang, "unattached", unattached)
    return (env.get_template("brief.html.j2").render(**context),
            env.get_template("brief.txt.j2").render(**context))
