"""Benchmark: a burst of intake lines to a group-chat robot, xlflow's paced outbox vs a naive sender.

    python benchmarks/bench_chat.py            # 30 and 100 lines to DingTalk, 100 to Feishu, 3 repeats

Both run in this process against the fake robots of the tests (tests/chat_fakes.py), which
enforce each platform's rate (DingTalk: a 21st message in a minute is refused with 130101 and the
robot locked for 10 minutes; Feishu: 5 a second, 100 a minute) on a simulated clock:

- naive: POST each line as it comes and call it sent on HTTP 200 (what a general notification
  library does): counts what it believed sent and what the group got;
- xlflow: events.intake() for each line (timed in real time: the intake's cost), then the sender
  drains the outbox on the simulated clock: what the group got, the simulated minutes it took,
  the most in any 60 s, the retries.

Prints medians; never asserts.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from chat_fakes import Fake, SimClock  # noqa: E402
from chat_helpers import SECRET, chat_table, chat_workspace, sim_sender  # noqa: E402
from xlflow.chat import events  # noqa: E402
from xlflow.chat.http import post_json  # noqa: E402

events.kick = lambda ws: None  # the benchmark drains on its own simulated clock


def naive(vendor: str, count: int) -> tuple[int, int]:
    clock = SimClock()
    fake = Fake(vendor, clock=clock.now).start()
    believed = 0
    for i in range(count):
        body = {"msgtype": "text", "text": {"content": f"line {i}"}} if vendor != "feishu" else \
            {"msg_type": "text", "content": {"text": f"line {i}"}}
        believed += post_json(fake.webhook, body, 5).status == 200
        clock.sleep(0.05)
    fake.stop()
    return believed, len(fake.delivered)


def xlflow(vendor: str, count: int) -> dict:
    clock = SimClock()
    secret = SECRET if vendor != "wecom" else ""
    fake = Fake(vendor, clock=clock.now, secret=secret).start()
    with tempfile.TemporaryDirectory() as tmp:
        ws = chat_workspace(Path(tmp) / "ws", [chat_table("g", fake, "S" if secret else "")])
        queue_ms = []
        for i in range(count):
            started = time.perf_counter()
            events.intake(ws, f"t{i}", "RD", f"file-{i}.xlsx", "accepted", i + 1, 0, 0)
            queue_ms.append((time.perf_counter() - started) * 1000)
        start = clock.now()
        stats = sim_sender(ws, clock, {"S": secret}).drain()
    times = [t for t, _ in fake.delivered]
    fake.stop()
    return {"delivered": len(times), "minutes": (times[-1] - start) / 60 if times else 0.0,
            "max_per_minute": max(sum(1 for u in times if t - 60 < u <= t) for t in times),
            "max_per_second": max(sum(1 for u in times if t - 1 < u <= t) for t in times),
            "retries": stats.retries, "refused": len(fake.refused), "queue_ms": statistics.median(queue_ms)}


def main() -> None:
    for vendor, count in (("dingtalk", 30), ("dingtalk", 100), ("wecom", 30), ("feishu", 100)):
        believed, got = naive(vendor, count)
        runs = [xlflow(vendor, count) for _ in range(3)]
        r = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
        print(f"{vendor:8} burst {count:3}: naive believed {believed}/{count} sent, group got {got}; "
              f"xlflow group got {r['delivered']:.0f}/{count} in {r['minutes']:.1f} simulated min, "
              f"≤{r['max_per_minute']:.0f}/min ≤{r['max_per_second']:.0f}/s, {r['retries']:.0f} retries, "
              f"{r['refused']:.0f} refused; queueing {r['queue_ms']:.1f} ms per line (median, real time)")


if __name__ == "__main__":
    main()
