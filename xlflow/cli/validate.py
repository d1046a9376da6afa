"""`xlflow validate FILE...`: check submitted workbooks, print findings, optionally write feedback copies."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import UsageError
from ..i18n import msg
from .app import handle_errors, lang_option, main, open_workspace, workspace_option

if TYPE_CHECKING:
    from ..check.model import Submission


@main.command()
@workspace_option
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text. 输出 JSON。")
@click.option("--annotate-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write a feedback copy of each file here. 将批注反馈副本写入此目录。")
@lang_option
@handle_errors
def validate(workspace: Path, files: tuple[Path, ...], as_json: bool, annotate_dir: Path | None,
             lang: str | None) -> None:
    """Check filled workbooks against the form specs and, as the intake would, against the
    workspace's current plans (a dry run: nothing is recorded). 校验已填写的工作簿（与投递时的检查相同，不记录）。

    Exit 0 when no file has an error (warnings allowed), 1 otherwise."""
    from ..check.validate import check_file, report_text
    from ..output.notify import write_feedback_copy
    from ..service.dryrun import intake_findings

    ws = open_workspace(workspace)
    lang = lang or ws.lang
    missing = [str(path) for path in files if not path.is_file()]
    if missing:  # a wrong argument, not a finding about a workbook: a usage error (exit 2)
        raise UsageError("validate-file-not-found", paths=", ".join(missing))
    today = dt.date.today()
    subs = [intake_findings(ws, check_file(path, ws), today, lang) for path in files]  # as the intake would judge
    copies: dict[Path, Path | None] = {}
    if annotate_dir is not None:
        for sub in subs:
            copies[sub.path] = write_feedback_copy(sub, annotate_dir / feedback_name(sub.path), lang)
    if as_json:
        click.echo(json.dumps({"files": [submission_json(sub, lang) for sub in subs]}, ensure_ascii=False, indent=2))
    else:
        for sub in subs:
            click.echo(report_text(sub, lang))
            if copies.get(sub.path):
                click.echo(msg("validate-feedback-written", lang, path=copies[sub.path]))
        if len(subs) > 1:
            bad = sum(not s.valid for s in subs)
            click.echo(msg("validate-summary", lang, count=len(subs), valid=len(subs) - bad, invalid=bad))
    sys.exit(0 if all(s.valid for s in subs) else 1)


def feedback_name(path: Path) -> str:
    return f"{path.stem}_feedback.xlsx"


def submission_json(sub: Submission, lang: str) -> dict:
    return {"path": str(sub.path), "department": sub.department, "valid": sub.valid,
            "findings": [f.as_dict(lang) for f in sub.report.findings]}
