"""The change register: read in the week package (xlflow/week/changes.py); kept here for the service
layer's callers."""
from __future__ import annotations

from ..week.changes import CHANGES_SHEET, accepted_submissions, change_register, coordinator_values

__all__ = ["CHANGES_SHEET", "accepted_submissions", "change_register", "coordinator_values"]
