"""Validation: a submitted workbook -> clean data and cell-precise findings."""
