"""Submissions: every file the merge looked at, and whether it was taken in."""
from __future__ import annotations

from ...output.master.core import HEADER_ROW, MasterWriter, column
from ...xlsx.fastsheet import Col

RESULT_COLOURS = (("accepted", "#C6EFCE"), ("warnings", "#FFEB9C"), ("rejected", "#FFC7CE"))


def write(w: MasterWriter) -> None:
    sheet = w.sheet("submissions")
    w.heading(sheet, w.t("master-sheet-submissions"), w.subtitle())
    cols = [Col(w.t("master-col-department"), 10, lambda i: i.department, key="department"),
            Col(w.t("master-col-file"), 30, lambda i: i.file, key="file"),
            Col(w.time_header("master-col-received"), 17, lambda i: w.when(i.received), key="received"),
            Col(w.t("master-col-version"), 8, lambda i: i.version, "int", key="version"),
            Col(w.t("master-col-result"), 12, lambda i: w.t(f"master-result-{i.result}"), key="result"),
            Col(w.t("master-col-errors"), 8, lambda i: i.errors, "int", key="errors"),
            Col(w.t("master-col-warnings"), 8, lambda i: i.warnings, "int", key="warnings"),
            Col(w.t("master-col-tasks"), 8, lambda i: i.tasks, "int", key="tasks"),
            Col("SHA-256", 20, lambda i: i.sha256[:16], key="sha256")]
    last = w.table(sheet, HEADER_ROW, cols, w.plan.submissions, freeze=(HEADER_ROW + 1, 1))
    w.colour_values(sheet, HEADER_ROW + 1, last, column(cols, "result"),
                    {w.t(f"master-result-{result}"): colour for result, colour in RESULT_COLOURS})
