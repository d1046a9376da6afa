"""Decisions as people type them: "同意", "通过", "已批准", "yes", "Approve " … in either language,
case, width and spacing ignored. Anything else is not a decision: the register reports it at its
cell (features/control/requests.py) rather than leaving the request pending without a word."""
from __future__ import annotations

import re
import unicodedata

from ...spec.catalog import Enum

APPROVED, REJECTED, PENDING = "approved", "rejected", "pending"

WORDS = {
    APPROVED: ("approved", "approve", "approval", "yes", "y", "ok", "okay", "agree", "agreed", "accept", "accepted",
               "go", "同意", "已同意", "通过", "已通过", "批准", "已批准", "准", "准予", "核准", "可以", "是", "行",
               "同意变更", "批准变更"),
    REJECTED: ("rejected", "reject", "rejection", "no", "n", "deny", "denied", "decline", "declined", "refused",
               "refuse", "驳回", "已驳回", "不同意", "拒绝", "已拒绝", "否", "不批准", "不通过", "未通过", "不行",
               "退回", "否决"),
    PENDING: ("pending", "open", "tbd", "待定", "待批", "待审批", "待决定", "审批中", "未决定", "待议"),
}
_BY_WORD = {word: code for code, words in WORDS.items() for word in words}
_NOISE = re.compile(r"[\s\.。!！,，;；:：、]+")


def fold(text: object) -> str:
    """How a typed decision is compared: full-width folded, case-free, spaces and end punctuation gone."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", str(text or "")).casefold())


def decision_code(text: object, enum: Enum | None = None) -> str | None:
    """approved | rejected | pending for a typed decision (the enum's code or label in either
    language, or a common word above); None for anything else, "" for an empty cell."""
    folded = fold(text)
    if not folded:
        return ""
    if enum is not None:
        code = enum.lookup(folded) or enum.lookup(str(text))
        if code:
            return code
    return _BY_WORD.get(folded)
