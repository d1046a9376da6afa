"""The data dictionary of `xlflow export tables`: each table's columns, in order, with their type
and meaning. Kept as data so the reference (docs/exports.md) and any generator read one source.

Names are stable snake_case: a column is added, never renamed or removed, so a BI report built on
them keeps working. Types: text, date (a day), datetime (local wall time), integer, number,
boolean. Every table starts with the project's code and the day the week was judged on, so the
weekly exports can be appended into one history.
"""

from __future__ import annotations

from dataclasses import dataclass

TYPES = ("text", "date", "datetime", "integer", "number", "boolean")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    en: str
    zh: str


def _c(name: str, type_: str, en: str, zh: str) -> Column:
    return Column(name, type_, en, zh)


_HEAD = (
    _c("project_code", "text", "The project's code ([project] code)", "项目代码"),
    _c("as_of", "date", "The day the week was judged on", "统计日期"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "tasks": _HEAD
    + (
        _c("department", "text", "Department whose workbook holds the task", "所属部门代码"),
        _c("task_id", "text", "Task ID", "任务编号"),
        _c("name", "text", "Task name", "任务名称"),
        _c("owner", "text", "Owner", "负责人"),
        _c("owner_department", "text", "Owner's department", "负责部门"),
        _c("start", "date", "Planned start", "计划开始"),
        _c("due", "date", "Planned finish (due)", "计划完成"),
        _c("status", "text", "Effective status code (delayed when past due and not done)", "有效状态代码"),
        _c("reported_status", "text", "Status code as the department reported it", "部门填报的状态代码"),
        _c("percent", "number", "Percent complete, 0–100 (empty: not given)", "完成百分比"),
        _c("health", "text", "done | on_track | blocked | due_soon | overdue | unscheduled", "健康度"),
        _c("days_late", "integer", "Working days past due (open late tasks)", "逾期工作日"),
        _c("reason", "text", "Delay or block reason", "延期/阻塞原因"),
        _c("actual_finish", "date", "Actual finish", "实际完成"),
        _c("baseline_start", "date", "Baseline start in force", "基线开始"),
        _c("baseline_due", "date", "Baseline finish in force", "基线完成"),
        _c("slip_days", "integer", "Working days due is after the baseline due", "相对基线延误工作日"),
        _c("critical", "boolean", "On xlflow's critical path", "是否在关键路径上"),
        _c("critical_order", "integer", "Position on the critical path, 1 = first", "关键路径顺序"),
    ),
    "links": _HEAD
    + (
        _c("department", "text", "Department of the waiting task", "后续任务部门"),
        _c("task_id", "text", "The waiting task", "后续任务"),
        _c("predecessor_id", "text", "The predecessor as written", "前置任务编号"),
        _c("predecessor_department", "text", "Predecessor's department (empty: not found)", "前置任务部门"),
        _c("cross_department", "boolean", "Predecessor in another department", "是否跨部门"),
    ),
    "versions": _HEAD
    + (
        _c("department", "text", "Department", "部门"),
        _c("version", "integer", "Accepted version number", "版本号"),
        _c("received", "datetime", "When the file was received (local time)", "接收时间"),
        _c("file_name", "text", "File name", "文件名"),
        _c("first_version", "boolean", "The department's first version", "是否首个版本"),
        _c("tasks_added", "integer", "Tasks added against the previous version", "新增任务数"),
        _c("tasks_removed", "integer", "Tasks removed", "删除任务数"),
        _c("tasks_changed", "integer", "Tasks with a changed field", "变更任务数"),
        _c("note", "text", "How the version came (restored, accepted by the coordinator)", "备注"),
    ),
    "change_requests": _HEAD
    + (
        _c("change_id", "text", "Change request ID", "变更编号"),
        _c("department", "text", "Requesting department", "申请部门"),
        _c("date", "date", "Date of the request", "申请日期"),
        _c("change_type", "text", "Change type code", "变更类型代码"),
        _c("content", "text", "What changes", "变更内容"),
        _c("reason", "text", "Why", "变更原因"),
        _c("impact", "text", "Impact as stated", "影响"),
        _c("status", "text", "pending | approved | rejected", "状态"),
    ),
    "change_tasks": _HEAD
    + (
        _c("change_id", "text", "Change request ID", "变更编号"),
        _c("task_id", "text", "A task the request affects", "受影响任务"),
        _c("proposed_start", "date", "Start the request proposes", "建议开始"),
        _c("proposed_due", "date", "Finish the request proposes", "建议完成"),
    ),
    "decisions": _HEAD
    + (
        _c("change_id", "text", "Change request ID", "变更编号"),
        _c("department", "text", "Requesting department", "申请部门"),
        _c("decision", "text", "approved | rejected", "决定"),
        _c("decided_by", "text", "Who decided", "决定人"),
        _c("decided_on", "date", "When", "决定日期"),
        _c("decided_in", "text", "master | lead: where the decision was typed", "决定来源"),
        _c("comment", "text", "The decision's comment", "意见"),
    ),
    "moves": _HEAD
    + (
        _c("task_id", "text", "Task ID", "任务编号"),
        _c("department", "text", "Department", "部门"),
        _c("kind", "text", "start | due | added | removed", "变动类型"),
        _c("old_date", "date", "Baseline date", "基线日期"),
        _c("new_date", "date", "Current date", "当前日期"),
        _c("days", "integer", "Working days moved (+ later)", "移动工作日"),
        _c("status", "text", "approved | pending | unapproved", "审批状态"),
        _c("change_ids", "text", "Change requests covering the move, separated by ';'", "对应变更编号"),
    ),
    "milestones": _HEAD
    + (
        _c("name", "text", "Milestone of the kick-off timeline", "里程碑"),
        _c("planned", "date", "Planned day", "计划日期"),
        _c("owner_department", "text", "Responsible department (empty: the project's)", "负责部门"),
        _c("source", "text", "Department whose workbook holds it", "来源部门"),
    ),
    "scorecard": _HEAD
    + (
        _c("department", "text", "Department", "部门"),
        _c("week", "text", "Week label, e.g. 2026-W47", "周次"),
        _c("week_start", "date", "First day of the week", "周起始日"),
        _c("on_time_hits", "integer", "Tasks done by their baseline due", "按期完成数"),
        _c("on_time_total", "integer", "Tasks due so far", "应完成数"),
        _c("on_time_percent", "number", "on_time_hits / on_time_total in percent", "按期完成率"),
        _c("slip_days", "integer", "Working days of slip against the baseline, summed", "累计延误工作日"),
        _c("slipped", "integer", "Tasks with any slip", "延误任务数"),
        _c("punctuality_hits", "integer", "Weeks updated by the deadline", "按时更新周数"),
        _c("punctuality_total", "integer", "Weeks so far", "周数"),
        _c("first_time_hits", "integer", "Versions accepted without a rejected file before them", "一次通过版本数"),
        _c("first_time_total", "integer", "Versions", "版本数"),
        _c("blocked", "integer", "Open blocked tasks", "阻塞任务数"),
        _c("blocked_oldest", "integer", "Working days the oldest blocked task has been blocked", "最长阻塞工作日"),
        _c("answered_hits", "integer", "High-impact items answered within 24 h", "24小时内响应数"),
        _c("answered_total", "integer", "High-impact items due for an answer", "应响应数"),
        _c("stale", "integer", "Open started tasks not updated for a while", "久未更新任务数"),
    ),
}
