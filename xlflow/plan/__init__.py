"""The plan model: tasks from every department, their health and dependencies."""
