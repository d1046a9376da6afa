"""Exports of the week's state for other tools: the master plan as MS Project XML (`mspdi`) and the
week as tidy tables for BI tools (`tables`, the only place xlflow uses pandas). Both render a
WeekState; neither reads the database or the workbooks itself."""
