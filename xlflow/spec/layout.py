"""Where generated workbooks keep what xlflow needs to recognise them again.

Shared by generate.py (writes) and read.py (finds). Custom document properties
are strings (LibreOffice turns integer properties into decimals); the same
stamp is also kept in defined names, which survive every re-save.
"""
from __future__ import annotations

import re

from ..i18n import msg

PROP_DEPARTMENT = "xlflow_department"
PROP_PROJECT = "xlflow_project"
PROP_SPEC_VERSION = "xlflow_spec_version"
PROP_FORMS = "xlflow_forms"  # comma-separated form ids, in sheet order
PROP_LANG = "xlflow_lang"
PROP_KIND = "xlflow_kind"  # "department-workbook" | "feedback-copy" | "master"
PROP_GENERATION = "xlflow_generation"  # a master: which merge wrote it (1, 2, ...), as text

NAME_DEPARTMENT = "xlflow_department"
NAME_PROJECT = "xlflow_project"
NAME_SPEC_VERSION = "xlflow_spec_version"
NAME_GENERATION = "xlflow_generation"

LISTS_SHEET = "_lists"  # hidden: dropdown values, pointed at through defined names
INSTRUCTIONS_SHEET = {"zh": "填写说明", "en": "Instructions"}
FEEDBACK_SHEET = "校验结果 Validation"

TITLE_ROW = 0  # 0-based: the form title
PROJECT_ROW = 1  # project / department / period line (locked, prefilled)
FIRST_CONTENT_ROW = 3  # card fields start here; tables follow a blank row after them
TABLE_GAP = 2  # blank rows between blocks, a block's title sits just above its header row

# Card fields generate fills from the project (field key -> what of it), on these forms; a form whose
# only values are these is still unused (its required fields are not asked for).
PROJECT_PREFILL = {"project_name": "name", "code": "code"}
PREFILLED_FORMS = ("kickoff", "consensus", "retro")
# The sample project's examples in the specs' hints, replaced by the project's own on generation.
SAMPLE_EXAMPLES = re.compile(r"\b(?:(?P<own>RD)|(?P<other>MK))-(?=[A-Z]?\d)|\bNPL-2026\b|研发部，市场部|R&D, Marketing")


def project_examples(text: str, own: str, other: str, project_code: str, two_names: str) -> str:
    """A hint with the sample's examples (RD-001, MK-002, NPL-2026, R&D, Marketing) made the project's."""
    def swap(m: re.Match) -> str:
        if m.group("own"):
            return f"{own}-"
        if m.group("other"):
            return f"{other}-"
        return project_code if m.group(0) == "NPL-2026" else two_names

    return SAMPLE_EXAMPLES.sub(swap, text)


def workbook_file_name(project_code: str, dept_code: str | None, dept_name: str | None, lang: str) -> str:
    """The one rule for a department workbook's file name: what generate writes and what findings
    tell people to send. Code and name without spaces or symbols ("R&D" -> "RD"), which break
    shells, mail clients and shares; a placeholder when the department is not known."""
    if dept_code is None or dept_name is None:
        return f"{project_code}_<{msg('template-department-placeholder', lang)}>.xlsx"
    name = re.sub(r"[^\w-]+", "", dept_name)
    return f"{project_code}_{dept_code}_{name}.xlsx"
