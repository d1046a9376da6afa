"""Rebuild the sample submissions with xlflow's own generator.

    python samples/build_samples.py

Two weeks of the sample project (智能水壶X1新品上市): week46/ as the
departments submitted them on 2026-11-13, week47/ on 2026-11-20. The
Customer Service workbook of week 47 carries the mistakes people make
(missing reason, due before start, a status typed by hand, a date typed as
text, 100 % but not done), so the demo shows a rejected file.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xlflow.config import load_workspace  # noqa: E402
from xlflow.output.department import generate_workbook, workbook_name  # noqa: E402

D = dt.date
COLUMNS = ("task_id", "name", "owner", "start", "due", "predecessors", "status", "percent", "reason",
           "deliverable", "priority")

# Week 47 state. (id, name, owner, start, due, predecessors, status, percent, reason, deliverable, priority)
TASKS = {
    "PMO": [
        ("PMO-001", "项目启动会", "周敏", D(2026, 9, 1), D(2026, 9, 4), "", "done", 100, "", "启动会纪要", "high"),
        ("PMO-002", "共识表签署", "周敏", D(2026, 9, 7), D(2026, 9, 11), "PMO-001", "done", 100, "", "共识表", "high"),
        ("PMO-003", "周例会与进度简报", "周敏", D(2026, 9, 7), D(2027, 1, 29), "PMO-002", "in_progress", 45, "", "每周进度简报", "medium"),
        ("PMO-004", "上市评审", "周敏", D(2027, 1, 18), D(2027, 1, 22), "MF-005, SA-005", "not_started", 0, "", "上市评审报告", "high"),
        ("PMO-005", "项目复盘", "周敏", D(2027, 1, 25), D(2027, 1, 29), "PMO-004", "not_started", 0, "", "复盘报告", "medium"),
    ],
    "RD": [
        ("RD-001", "产品需求规格确认", "王磊", D(2026, 9, 1), D(2026, 9, 18), "", "done", 100, "", "需求规格书V1.0", "high"),
        ("RD-002", "工业设计定稿", "赵敏", D(2026, 9, 14), D(2026, 10, 9), "RD-001", "done", 100, "", "ID设计稿", "high"),
        ("RD-003", "结构与电路设计", "孙浩", D(2026, 10, 8), D(2026, 11, 6), "RD-002", "done", 100, "", "结构图纸、电路图", "high"),
        ("RD-004", "功能样机制作", "孙浩", D(2026, 11, 2), D(2026, 11, 27), "RD-003", "in_progress", 70, "", "功能样机5台", "high"),
        ("RD-005", "可靠性测试", "钱坤", D(2026, 11, 30), D(2026, 12, 18), "RD-004", "not_started", 0, "", "测试报告", "high"),
        ("RD-006", "产品功能确认（供市场宣传）", "王磊", D(2026, 11, 9), D(2026, 11, 20), "RD-003", "delayed", 60,
         "温控算法需求变更未确认", "功能清单", "high"),
        ("RD-007", "3C认证送检", "钱坤", D(2026, 12, 1), D(2026, 12, 31), "RD-004", "not_started", 0, "", "3C证书", "medium"),
        ("RD-008", "生产工艺文件移交", "赵敏", D(2026, 12, 14), D(2026, 12, 25), "RD-005", "not_started", 0, "", "工艺文件", "medium"),
    ],
    "MK": [
        ("MK-001", "市场调研与竞品分析", "李娜", D(2026, 9, 1), D(2026, 9, 25), "", "done", 100, "", "调研报告", "medium"),
        ("MK-002", "产品定位与定价策略", "李娜", D(2026, 9, 21), D(2026, 10, 16), "MK-001, FN-004", "done", 100, "", "定价方案", "high"),
        ("MK-003", "上市宣传物料设计", "吴倩", D(2026, 11, 23), D(2026, 12, 11), "RD-006", "not_started", 0, "", "海报、视频脚本", "high"),
        ("MK-004", "发布会策划", "李娜", D(2026, 11, 16), D(2026, 12, 18), "MK-002", "in_progress", 30, "", "发布会方案", "high"),
        ("MK-005", "电商详情页制作", "吴倩", D(2026, 12, 7), D(2026, 12, 25), "MK-003", "not_started", 0, "", "详情页", "medium"),
        ("MK-006", "KOL合作洽谈", "郑爽", D(2026, 11, 2), D(2026, 11, 27), "FN-002", "blocked", 20,
         "营销预算审批未通过", "KOL合作清单", "medium"),
    ],
    "SA": [
        ("SA-001", "渠道招商方案", "张强", D(2026, 10, 12), D(2026, 11, 6), "MK-002", "done", 100, "", "招商方案", "high"),
        ("SA-002", "经销商订货会筹备", "张强", D(2026, 11, 16), D(2026, 12, 11), "SA-001", "in_progress", 40, "", "订货会方案", "high"),
        ("SA-003", "销售团队产品培训", "黄蕾", D(2026, 12, 14), D(2026, 12, 25), "RD-006, CS-001", "not_started", 0, "", "培训签到表", "medium"),
        ("SA-004", "首批订单预测", "黄蕾", D(2026, 11, 9), D(2026, 11, 20), "MF-002", "delayed", 50,
         "等待生产部产能数据", "订单预测表", "high"),
        ("SA-005", "电商平台上架", "张强", D(2027, 1, 4), D(2027, 1, 15), "MK-005", "not_started", 0, "", "商品链接", "medium"),
    ],
    "MF": [
        ("MF-001", "供应商评估与选定", "刘洋", D(2026, 10, 8), D(2026, 10, 30), "RD-002", "done", 100, "", "合格供应商名录", "high"),
        ("MF-002", "产能规划", "刘洋", D(2026, 10, 26), D(2026, 11, 13), "MF-001", "in_progress", 80, "", "产能规划表", "high"),
        ("MF-003", "模具开发", "何军", D(2026, 11, 2), D(2026, 12, 4), "RD-003", "in_progress", 50, "", "量产模具", "high"),
        ("MF-004", "试产", "何军", D(2026, 12, 7), D(2026, 12, 25), "MF-003, RD-005", "not_started", 0, "", "试产报告", "high"),
        ("MF-005", "首批量产", "刘洋", D(2027, 1, 4), D(2027, 1, 15), "MF-004, RD-007", "not_started", 0, "", "首批成品", "high"),
    ],
    "CS": [
        ("CS-001", "产品知识培训材料", "陈静", D(2026, 11, 16), D(2026, 12, 4), "RD-006", "in_progress", 30, "", "培训手册", "medium"),
        ("CS-002", "售后服务流程设计", "陈静", D(2026, 11, 2), D(2026, 11, 20), "", "in_progress", 60, "", "服务流程图", "high"),
        ("CS-003", "客服话术编写", "林芳", D(2026, 12, 7), D(2026, 12, 18), "CS-001", "not_started", 0, "", "话术手册", "medium"),
        ("CS-004", "400热线开通", "林芳", D(2026, 11, 2), D(2026, 11, 13), "", "done", 100, "", "热线号码", "medium"),
        ("CS-005", "退换货政策制定", "陈静", D(2026, 11, 23), D(2026, 12, 18), "FN-003", "not_started", 0, "", "退换货政策", "medium"),
    ],
    "FN": [
        ("FN-001", "项目预算编制", "杨帆", D(2026, 9, 1), D(2026, 9, 18), "", "done", 100, "", "项目预算表", "high"),
        ("FN-002", "营销费用审批", "杨帆", D(2026, 11, 2), D(2026, 11, 27), "FN-001", "in_progress", 60, "", "审批单", "high"),
        ("FN-003", "成本核算模型", "许诺", D(2026, 10, 19), D(2026, 11, 20), "MF-001", "done", 100, "", "成本模型", "medium"),
        ("FN-004", "定价毛利测算", "许诺", D(2026, 9, 21), D(2026, 10, 9), "MK-001", "done", 100, "", "毛利测算表", "medium"),
    ],
}

# How week 46 differed: task id -> changed fields.
WEEK46 = {
    "RD-003": {"status": "in_progress", "percent": 90},
    "RD-004": {"percent": 40},
    "RD-006": {"status": "in_progress", "percent": 50, "reason": ""},
    "MK-006": {"status": "in_progress", "percent": 20, "reason": ""},
    "SA-004": {"status": "in_progress", "percent": 40, "reason": "", "due": D(2026, 11, 13)},
    "MF-002": {"percent": 70},
    "MF-003": {"percent": 30},
    "FN-003": {"status": "in_progress", "percent": 80},
    "CS-002": {"percent": 40},
    "MK-004": {"status": "not_started", "percent": 0},
    "SA-002": {"status": "not_started", "percent": 0},
}

# What Customer Service got wrong in week 47 (the file the demo rejects).
CS_MISTAKES = {
    "CS-002": {"status": "delayed", "reason": ""},            # delayed without a reason
    "CS-003": {"start": D(2026, 12, 20), "due": D(2026, 12, 10)},  # due before start
    "CS-004": {"status": "in_progress"},                       # 100 % but not marked done (warning)
    "CS-005": {"start": "2026/11/23", "status": "完成了"},       # date typed as text, status typed by hand
}


def task_rows(dept: str, week: int) -> list[dict]:
    rows = []
    for values in TASKS[dept]:
        row = dict(zip(COLUMNS, values))
        row["owner_department"] = dept
        row["predecessors"] = tuple(p.strip() for p in row["predecessors"].split(",") if p.strip())
        if week == 46:
            row.update(WEEK46.get(row["task_id"], {}))
        elif dept == "CS":
            row.update(CS_MISTAKES.get(row["task_id"], {}))
        if row["status"] == "done":
            row["actual_finish"] = row["due"]
        if row["task_id"] == "FN-002":
            row["notes"] = "=SUM(A1:A9) 这是备注文字，不是公式"
        rows.append(row)
    return rows


def pmo_forms(as_of: dt.date) -> dict:
    """The lead's other forms: kick-off, consensus, RACI, minutes, issue log."""
    depts = ["PMO", "RD", "MK", "SA", "MF", "CS", "FN"]
    raci = [
        ("产品功能定义", {"RD": "A", "MK": "R", "SA": "C", "CS": "I", "PMO": "I"}),
        ("上市宣传方案", {"MK": "A", "RD": "C", "SA": "R", "PMO": "I"}),
        ("量产计划", {"MF": "A", "RD": "R", "FN": "C", "PMO": "I"}),
        ("营销预算", {"FN": "A", "MK": "R", "PMO": "C"}),
        ("上市评审", {"PMO": "A", "RD": "R", "MK": "R", "SA": "R", "MF": "R", "CS": "C", "FN": "C"}),
    ]
    return {
        "kickoff": {"card": {
            "project_name": "智能水壶X1新品上市", "code": "NPL-2026", "initiating_department": "MK",
            "initiation_date": D(2026, 8, 24),
            "background_goal": "2027年1月底前完成智能水壶X1上市，首月销量1万台，客诉响应时间由48小时缩短至24小时。",
            "expected_outcome": "产品按期量产上市，渠道铺货完成，售后体系就绪。",
            "involved_departments": "研发部，市场部，销售部，生产部，客服部，财务部",
            "initiator_head": "李娜", "initiator_sign_date": D(2026, 8, 24),
            "approval_opinion": "同意启动，由项目管理办公室牵头。", "approver": "周敏", "approval_date": D(2026, 8, 26)},
            "tables": {"milestones": [
                {"milestone": "需求冻结", "planned_date": D(2026, 9, 18), "owner_department": "RD"},
                {"milestone": "样机完成", "planned_date": D(2026, 11, 27), "owner_department": "RD"},
                {"milestone": "试产完成", "planned_date": D(2026, 12, 25), "owner_department": "MF"},
                {"milestone": "正式上市", "planned_date": D(2027, 1, 22), "owner_department": "MK"}]}},
        "consensus": {"card": {
            "project_name": "智能水壶X1新品上市", "date": D(2026, 9, 4),
            "goal_criteria": "1月22日正式上市；首月销量≥1万台；客诉响应≤24小时；首批良率≥98%。"},
            "tables": {
                "criteria": [
                    {"criterion": "按期上市", "metric": "上市日期", "target": "2027-01-22"},
                    {"criterion": "首月销量", "metric": "销量", "target": "≥10000台"},
                    {"criterion": "客诉响应", "metric": "平均响应时间", "target": "≤24小时"}],
                "responsibilities": [
                    {"department": "PMO", "role": "lead", "duty": "统筹计划、周例会、进度简报", "liaison": "周敏"},
                    {"department": "RD", "role": "supporting", "duty": "产品设计、样机、认证", "liaison": "王磊"},
                    {"department": "MK", "role": "supporting", "duty": "定位、宣传、发布会", "liaison": "李娜"},
                    {"department": "SA", "role": "supporting", "duty": "渠道与订单", "liaison": "张强"},
                    {"department": "MF", "role": "supporting", "duty": "供应链与量产", "liaison": "刘洋"},
                    {"department": "CS", "role": "supporting", "duty": "售后体系", "liaison": "陈静"},
                    {"department": "FN", "role": "supporting", "duty": "预算与成本", "liaison": "杨帆"}],
                "communication": [
                    {"channel": "日常沟通群", "frequency": "随时", "participants": "各部门联络人", "output": "群消息"},
                    {"channel": "周例会", "frequency": "每周五 10:00", "participants": "各部门负责人", "output": "进度简报"},
                    {"channel": "重大问题升级", "frequency": "24小时内", "participants": "牵头人、相关部门负责人", "output": "紧急会议纪要"}],
                "signoff": [{"department": d, "signatory": n, "date": D(2026, 9, 4)} for d, n in
                            [("PMO", "周敏"), ("RD", "王磊"), ("MK", "李娜"), ("SA", "张强"), ("MF", "刘洋"),
                             ("CS", "陈静"), ("FN", "杨帆")]]}},
        "raci": {"tables": {"matrix": [{"item": item, **{f"raci:{d}": cells.get(d) for d in depts}}
                                       for item, cells in raci]}},
        "minutes": {"tables": {"meetings": meetings(as_of), "actions": actions(as_of)}},
        "issues": {"tables": {"log": [
            {"issue_id": "PMO-R01", "kind": "risk", "description": "温控算法需求未确认，可能推迟宣传物料与培训",
             "raised_by": "MK", "raised_date": D(2026, 11, 16), "impact": "high", "response": "召开专题协调会",
             "owner": "王磊", "deadline": D(2026, 11, 17), "status": "open"},
            {"issue_id": "PMO-I01", "kind": "issue", "description": "营销预算审批卡在财务流程",
             "raised_by": "MK", "raised_date": D(2026, 11, 10), "impact": "medium", "response": "财务部加急审批",
             "owner": "杨帆", "deadline": D(2026, 11, 24), "status": "open"}]}},
    }


def meetings(as_of: dt.date) -> list[dict]:
    """The PMO's meeting log: one weekly meeting per week so far (rows are added, never typed over)."""
    rows = []
    for day in (D(2026, 11, 13), D(2026, 11, 20)):
        if day > as_of:
            break
        week = day.isocalendar().week
        rows.append({"meeting_id": f"M{week}", "meeting_name": f"第{week}周进度例会", "meeting_type": "weekly",
                     "date": day, "chair": "周敏", "attendees": "王磊，李娜，张强，刘洋，陈静，杨帆",
                     "agenda": "各部门进度；滞后任务；预算审批",
                     "key_points": "功能确认滞后影响宣传物料；KOL洽谈等待预算。" if week == 46 else "营销预算已批；产能数据仍未提供。",
                     "decisions": "研发部11月25日前确认功能清单；财务部加快营销费用审批。" if week == 46
                     else "生产部本周内提供产能数据；客服部启动培训材料。"})
    return rows


def actions(as_of: dt.date) -> list[dict]:
    """Action items of every meeting so far; week 46's stay in the log, one of them done in week 47."""
    week47 = as_of >= D(2026, 11, 20)
    rows = [
        {"meeting_id": "M46", "item": "确认温控功能需求", "owner_department": "RD", "owner": "王磊", "due": D(2026, 11, 25), "status": "in_progress"},
        {"meeting_id": "M46", "item": "完成营销费用审批", "owner_department": "FN", "owner": "杨帆", "due": D(2026, 11, 17),
         "status": "done" if week47 else "not_started"},
        {"meeting_id": "M46", "item": "提供产能数据给销售部", "owner_department": "MF", "owner": "刘洋", "due": D(2026, 11, 18), "status": "in_progress"}]
    if week47:
        rows.append({"meeting_id": "M47", "item": "启动售后培训材料编写", "owner_department": "CS", "owner": "陈静",
                     "due": D(2026, 11, 27), "status": "not_started"})
    return rows


def rd_change(as_of: dt.date) -> dict:
    """R&D's change request of week 47: two tasks, one of them Marketing's, with proposed dates."""
    return {"tables": {
        "requests": [{
            "change_id": "RD-C01", "requesting_department": "RD", "date": as_of, "change_type": "plan",
            "content": "温控算法需求变更：功能确认顺延一周，宣传物料设计相应顺延",
            "reason": "客户调研新增精准控温需求，算法需重新验证",
            "impact": "RD-006 截止顺延5个工作日；市场部 MK-003 开始与截止顺延一周",
            "tasks_affected": ("RD-006", "MK-003"), "decision": "pending"}],
        "affected": [
            {"change_ref": "RD-C01", "task_id": ("RD-006",), "proposed_due": D(2026, 11, 27)},
            {"change_ref": "RD-C01", "task_id": ("MK-003",), "proposed_start": D(2026, 11, 30),
             "proposed_due": D(2026, 12, 18)}]}}


def build(out: Path = HERE / "submissions") -> list[Path]:
    ws = load_workspace(HERE)
    written = []
    for week, as_of in ((46, D(2026, 11, 13)), (47, D(2026, 11, 20))):
        for dept in TASKS:
            data = {"wbs": {"card": {"update_date": as_of}, "tables": {"tasks": task_rows(dept, week)}}}
            if dept == "PMO":
                data.update(pmo_forms(as_of))
            if dept == "RD" and week == 47:
                data["change"] = rd_change(as_of)
            written.append(generate_workbook(ws, dept, "zh", out / f"week{week}" / workbook_name(ws, dept, "zh"), data))
    return written


if __name__ == "__main__":
    for path in build():
        print(path.relative_to(HERE))
