"""Replay a project's life, one week at a time, as a scheduler would run it: what does week N cost?

    python benchmarks/bench_life.py -d 12 -t 150 -w 30           # 12 departments × 150 tasks, 30 weeks
    python benchmarks/bench_life.py --quick                        # 4 × 40, 6 weeks
    python benchmarks/bench_life.py -w 30 --keep /tmp/life         # keep the workspace (resume is not supported)

Each week every department sends its next workbook (made with xlflow's own generator from
benchmarks/data.py's tasks): statuses progress, some dates move, two tasks no one depends on are removed and two new ones added
(the plan's size stays the same, so what a week costs depends on its history only). The files are dropped into the inbox and a fresh process runs
`xlflow watch --once --as-of <Thursday>` (intake of every file and the burst's one merge), then
another `xlflow summary --as-of <Friday>` (the brief). Printed per week: CPU seconds (user + system,
robust to a busy machine) of the intake (the watch process minus its merge, start-up included), the
merge and the summary; the peak memory of each process; the workspace's size on disk; the files in
master/history/. At the end: disk growth per week by folder and by SQLite table, each column's
least-squares slope per week and the last weeks against the first ones and against week 4.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from data import REASONS, make_workspace, tasks_for  # noqa: E402
from xlflow.output.department import generate_workbook  # noqa: E402

START = dt.date(2026, 3, 2)  # the project's first Monday (data.make_workspace)

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
try:
    import xlflow.service.remerge as intake  # where the intake's merge is called from
except ImportError:
    import xlflow.service.intake as intake  # (before it moved)
spent = []
real = intake.merge_workspace
def timed(*args, **kwargs):
    started = time.process_time()
    try:
        return real(*args, **kwargs)
    finally:
        spent.append(time.process_time() - started)
intake.merge_workspace = timed
from xlflow.cli import main
sys.argv = ['xlflow', *{args!r}]
code = 0
profile = None
if {prof!r}:
    import cProfile
    profile = cProfile.Profile(time.process_time)  # CPU time: a busy machine does not move it
    profile.enable()
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
if profile is not None:
    profile.disable()
    profile.dump_stats({prof!r})
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
with open({out!r}, 'w') as fh:
    json.dump({{'cpu': me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 'merge': sum(spent),
               'merges': len(spent), 'peak_mib': max(me.ru_maxrss, kids.ru_maxrss) / 1024, 'code': code}}, fh)
"""


def run_child(args: list[str], tmp: Path, prof: Path | None = None) -> dict:
    """Run one xlflow command in a fresh process; with `prof`, under cProfile (CPU time), its stats written there."""
    out = tmp / "child.json"
    code = CHILD.format(root=str(ROOT), args=args, out=str(out), prof=str(prof) if prof else "")
    subprocess.run([sys.executable, "-c", code], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads(out.read_text())


class Plans:
    """Every department's task list, changed week by week as departments do."""

    def __init__(self, codes: list[str], tasks: int, seed: int, churn: int = 2) -> None:
        self.rng = random.Random(seed)
        self.churn = churn  # tasks removed (not started, no one depends on them) and as many added, a week
        self.codes = codes
        self.tasks = {c: tasks_for(c, tasks, codes, self.rng) for c in codes}
        self.next_id = {c: tasks + 1 for c in codes}

    def advance(self, today: dt.date) -> None:
        rng = self.rng
        for code, rows in self.tasks.items():
            for row in rows:
                self._progress(row, today, rng)
            needed = {p.strip() for rs in self.tasks.values() for r in rs for p in (r["predecessors"] or "").split(",")}
            free = [r for r in rows if r["status"] == "not_started" and r["task_id"] not in needed]
            gone = rng.sample(free, min(self.churn, len(free)))
            for row in gone:  # as many added as removed: the plan's size stays what it was
                rows.remove(row)
            for _ in gone:
                rows.append(self._new(code, today, rng))

    @staticmethod
    def _progress(row: dict, today: dt.date, rng: random.Random) -> None:
        status = row["status"]
        if status == "not_started" and row["start"] <= today:
            row.update(status="in_progress", percent=10)
        elif status in ("in_progress", "delayed") and rng.random() < 0.6:
            percent = min(100, (row["percent"] or 0) + rng.choice([10, 20, 30]))
            if percent >= 100:
                row.update(status="done", percent=100, actual_finish=min(today, max(row["start"], row["due"])), reason=None)
            else:
                row.update(status="in_progress", percent=percent, reason=None)
        elif status == "in_progress" and rng.random() < 0.1:
            row.update(status="delayed", reason=rng.choice(REASONS))
        if row["status"] not in ("done",) and rng.random() < 0.04:  # a date moves
            row["due"] = row["due"] + dt.timedelta(days=rng.randint(1, 10))

    def _new(self, code: str, today: dt.date, rng: random.Random) -> dict:
        i = self.next_id[code]
        self.next_id[code] += 1
        row = tasks_for(code, 1, self.codes, rng)[0]
        start = today + dt.timedelta(days=rng.randint(3, 60))
        row.update(task_id=f"{code}-{i:03d}", start=start, due=start + dt.timedelta(days=rng.randint(3, 45)),
                   status="not_started", percent=0, reason=None, actual_finish=None, predecessors="")
        return row

    def workbook(self, ws, code: str, path: Path, today: dt.date) -> Path:
        data = {"wbs": {"card": {"update_date": today}, "tables": {"tasks": [dict(r) for r in self.tasks[code]]}}}
        return generate_workbook(ws, code, ws.lang, path, data=data)


def files(root: Path) -> list[tuple[Path, int]]:
    """Every file with its size, a file with several names (a hard link) counted once, under its first name."""
    seen, out = set(), []
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                out.append((p, st.st_size))
    return out


def disk_mib(root: Path) -> float:
    return sum(size for _, size in files(root)) / 2**20


def disk_by_part(root: Path) -> dict[str, float]:
    """MiB per folder of the workspace, two levels deep (master/history, outbox/sent, archive, xlflow.sqlite...),
    and per table of every SQLite database in it ("db:xlflow.sqlite:snapshots", indexes counted with their table)."""
    parts: dict[str, float] = {}
    for p, size in files(root):
        rel = p.relative_to(root).parts
        key = "/".join(rel[:2]) if len(rel) > 2 else rel[0]
        parts[key] = parts.get(key, 0.0) + size / 2**20
        if p.suffix in (".sqlite", ".db", ".sqlite3"):
            for table, mib in sqlite_tables(p).items():
                parts[f"db:{p.relative_to(root)}:{table}"] = mib
    return parts


def sqlite_tables(path: Path) -> dict[str, float]:
    """MiB per table (its indexes included) of one SQLite file, from SQLite's dbstat table."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        owner = dict(con.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"))
        sizes: dict[str, float] = {}
        for name, size in con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            sizes[table] = sizes.get(table, 0.0) + size / 2**20
        return sizes
    except sqlite3.Error:
        return {}
    finally:
        con.close()


def plan_size(plans: Plans) -> int:
    return sum(len(rows) for rows in plans.tasks.values())


def slope(ys: list[float]) -> float:
    n = len(ys)
    xs = range(1, n + 1)
    mx, my = sum(xs) / n, sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


COLUMNS = ("intake", "merge", "summary", "watch_mib", "summary_mib", "disk_mib")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-d", "--departments", type=int, default=12)
    parser.add_argument("-t", "--tasks", type=int, default=150)
    parser.add_argument("-w", "--weeks", type=int, default=20)
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--keep", type=Path, default=None, help="put the workspace here and keep it")
    parser.add_argument("--json", type=Path, default=None, help="also write the per-week figures here (after every week)")
    parser.add_argument("--report", type=Path, default=None, help="only print the report of a --json file written before")
    parser.add_argument("--quick", action="store_true", help="4 × 40, 6 weeks")
    parser.add_argument("--profile", type=Path, default=None,
                        help="profile the watch and summary processes of --profile-weeks into this folder "
                             "(w04-watch.prof...; those weeks' figures then include the profiler's cost)")
    parser.add_argument("--profile-weeks", default="4,40", help="comma-separated weeks to profile (default 4,40)")
    args = parser.parse_args()
    if args.report:
        _report(json.loads(args.report.read_text()))
        return
    if args.quick:
        args.departments, args.tasks, args.weeks = 4, 40, 6
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        root = args.keep or tmp / "ws"
        ws = make_workspace(root, args.departments)
        config = root / "xlflow.toml"
        end = START + dt.timedelta(weeks=args.weeks + 8)
        config.write_text(config.read_text("utf-8").replace("end = 2026-12-31", f"end = {end.isoformat()}"), "utf-8")
        ws = make_workspace.__globals__["load_workspace"](root)
        codes = [d.code for d in ws.departments]
        plans = Plans(codes, args.tasks, args.seed)
        rows = []
        print(f"{args.departments} departments × {args.tasks} tasks, {args.weeks} weeks; CPU seconds, MiB")
        print(f"{'week':>4} {'intake':>7} {'merge':>7} {'summary':>8} {'watch MiB':>10} {'summary MiB':>12} "
              f"{'disk MiB':>9} {'history':>8} {'merges':>7} {'tasks':>6}")
        for week in range(1, args.weeks + 1):
            thursday = START + dt.timedelta(weeks=week - 1, days=3)
            if week > 1:
                plans.advance(thursday)
            for code in codes:
                plans.workbook(ws, code, ws.folder("inbox") / f"{code}_w{week:02d}.xlsx", thursday)
            prof = args.profile if args.profile and str(week) in args.profile_weeks.split(",") else None
            if prof:
                prof.mkdir(parents=True, exist_ok=True)
            watch = run_child(["watch", "-w", str(root), "--once", "--as-of", thursday.isoformat()], tmp,
                              prof / f"w{week:02d}-watch.prof" if prof else None)
            brief = run_child(["summary", "-w", str(root), "--as-of", (thursday + dt.timedelta(days=1)).isoformat()], tmp,
                              prof / f"w{week:02d}-summary.prof" if prof else None)
            history = root / "master" / "history"
            row = {"week": week, "intake": watch["cpu"] - watch["merge"], "merge": watch["merge"], "summary": brief["cpu"],
                   "watch_mib": watch["peak_mib"], "summary_mib": brief["peak_mib"], "disk_mib": disk_mib(root),
                   "history": len(list(history.iterdir())) if history.is_dir() else 0, "merges": watch["merges"],
                   "codes": (watch["code"], brief["code"]), "parts": disk_by_part(root), "tasks": plan_size(plans)}
            rows.append(row)
            print(f"{week:>4} {row['intake']:7.2f} {row['merge']:7.2f} {row['summary']:8.2f} {row['watch_mib']:10.0f} "
                  f"{row['summary_mib']:12.0f} {row['disk_mib']:9.1f} {row['history']:8} {row['merges']:7} {row['tasks']:6}"
                  + ("" if row["codes"] == (0, 0) else f"  exit codes {row['codes']}"), flush=True)
            if args.json:  # after every week: a run stopped early still leaves its figures
                args.json.write_text(json.dumps(rows, indent=1))
        _report(rows)


def _report(rows: list[dict]) -> None:
    k = max(1, min(4, len(rows) // 4))
    half = rows[len(rows) // 2:]
    names = {n for r in rows for n in r["parts"]}
    for title, chosen in (("folder", [n for n in names if not n.startswith("db:")]),
                          ("SQLite table", [n for n in names if n.startswith("db:")])):
        print(f"\ndisk by {title}: MiB at the last week, least-squares MiB/week over the run and over its second half:")
        for n in sorted(chosen, key=lambda n: -slope([r["parts"].get(n, 0.0) for r in half]))[:16]:
            ys = [r["parts"].get(n, 0.0) for r in rows]
            print(f"  {n:44} {ys[-1]:9.2f} {slope(ys):+9.3f}/wk {slope(ys[len(rows) // 2:]):+9.3f}/wk")
    print(f"\n{'':12}" + "".join(f"{c:>12}" for c in COLUMNS))
    print(f"{'slope/week':12}" + "".join(f"{slope([r[c] for r in rows]):12.4f}" for c in COLUMNS))
    print(f"{'2nd half':12}" + "".join(f"{slope([r[c] for r in half]):12.4f}" for c in COLUMNS))
    first = {c: sum(r[c] for r in rows[:k]) / k for c in COLUMNS}
    last = {c: sum(r[c] for r in rows[-k:]) / k for c in COLUMNS}
    print(f"{f'weeks 1-{k}':12}" + "".join(f"{first[c]:12.3f}" for c in COLUMNS))
    print(f"{f'last {k}':12}" + "".join(f"{last[c]:12.3f}" for c in COLUMNS))
    print(f"{'last/first':12}" + "".join(f"{last[c] / first[c] if first[c] else 0:12.2f}" for c in COLUMNS))
    if len(rows) >= 8:  # the measure: the last week against week 4, each as the mean of three weeks
        around = {c: [sum(r[c] for r in rows[i - 1:i + 2]) / 3 for i in (3, len(rows) - 2)] for c in COLUMNS}
        print(f"{'last/week 4':12}" + "".join(f"{b / a if a else 0:12.2f}" for a, b in around.values())
              + "   (weeks 3-5 and the last three)")
    print(f"plan size: {rows[0]['tasks']} tasks at week 1, {rows[-1]['tasks']} at week {rows[-1]['week']}")


if __name__ == "__main__":
    main()
