"""Where generated workbooks keep what xlflow needs to recognise them again.

Shared by generate.py (writes) and read.py (finds). Custom document properties
are strings (LibreOffice turns integer properties into decimals); the same
stamp is also kept in defined names, which survive every re-save.
"""
PROP_DEPARTMENT = "xlflow_department"
PROP_PROJECT = "xlflow_project"
PROP_SPEC_VERSION = "xlflow_spec_version"
PROP_FORMS = "xlflow_forms"  # comma-separated form ids, in sheet order
PROP_LANG = "xlflow_lang"
PROP_KIND = "xlflow_kind"  # "department-workbook" | "feedback-copy" | "master"

NAME_DEPARTMENT = "xlflow_department"
NAME_PROJECT = "xlflow_project"
NAME_SPEC_VERSION = "xlflow_spec_version"

LISTS_SHEET = "_lists"  # hidden: dropdown values, pointed at through defined names
INSTRUCTIONS_SHEET = {"zh": "填写说明", "en": "Instructions"}
FEEDBACK_SHEET = "校验结果 Validation"

TITLE_ROW = 0  # 0-based: the form title
PROJECT_ROW = 1  # project / department / period line (locked, prefilled)
FIRST_CONTENT_ROW = 3  # card fields start here; tables follow a blank row after them
TABLE_GAP = 2  # blank rows between blocks, a block's title sits just above its header row
