"""Each department its own slice: the sharing list (共享清单), the department slices, the calendar
feeds and the weekly department mails — renderers of the week's state (week/state.py)."""
