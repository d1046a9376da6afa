"""One folder per feature: its rules, its tables (registered with store/db), its part of the week's state,
its master sheet(s) and its brief part. Features sit between the output kit (xlflow/output/) and the week
(xlflow/week/), which assembles the state, the master and the brief from them."""
