"""Queuing a week's mails in outbox/: one per department, each with a slice-sized attachment.

    python benchmarks/bench_outbox.py              # 30 departments, 5 runs
    python benchmarks/bench_outbox.py -d 100 -r 3

Per run, in a fresh outbox/ holding last batch's mails (each queued again replaces its copy), times:

- indexed: write_outbox for each message (the waiting identities come from the folder's index,
  output/outbox_index.py, and a file is read only when new or changed);
- naive: what write_outbox did before — read the headers of every waiting .eml for each message.

Prints the medians per batch and per message, and the ratio naive / indexed.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from xlflow.output import outbox  # noqa: E402
from xlflow.output.mail import compose  # noqa: E402
from xlflow.service.scaffold import init_workspace  # noqa: E402
from xlflow.store.atomic import write_bytes  # noqa: E402


def naive_write(ws, message) -> Path:
    """write_outbox as it was: every waiting file's headers read for each message."""
    if outbox.UNSENT_HEADER not in message:
        message[outbox.UNSENT_HEADER] = "1"
    same = outbox.identity(message)
    for old in outbox.waiting_mails(ws):
        if outbox.identity(outbox._headers_of(old)) == same:
            old.unlink()
    path = outbox.outbox_dir(ws) / outbox._eml_name(message)
    write_bytes(path, message.as_bytes(policy=outbox.POLICY))
    return path


def batch(ws, attachment: Path, departments: int) -> list:
    return [
        compose(ws, f"Brief W47 D{i}", "body " * 400, None, [f"d{i}@example.com"], [attachment],
                kind="brief-2026-W47", about=f"D{i}")
        for i in range(departments)
    ]


def timed(ws, departments: int, attachment: Path, write) -> float:
    messages = batch(ws, attachment, departments)
    start = time.perf_counter()
    for m in messages:
        write(ws, m)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-d", "--departments", type=int, default=30)
    ap.add_argument("-r", "--runs", type=int, default=5)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    try:
        ws = init_workspace(root / "ws", "en", sample=False)
        attachment = root / "slice.xlsx"
        attachment.write_bytes(bytes(range(256)) * 200)  # 50 KB, as a small slice workbook
        results: dict[str, list[float]] = {"naive": [], "indexed": []}
        for _ in range(args.runs):  # interleaved; each on a full outbox (the batch before waits)
            for name, write in (("naive", naive_write), ("indexed", outbox.write_outbox)):
                shutil.rmtree(outbox.outbox_dir(ws), ignore_errors=True)
                outbox.outbox_dir(ws).mkdir(parents=True)
                timed(ws, args.departments, attachment, outbox.write_outbox)  # last batch, waiting
                results[name].append(timed(ws, args.departments, attachment, write))
        for name, times in results.items():
            med = statistics.median(times)
            print(f"{name:8s} batch {med:.3f} s   per message {med / args.departments * 1000:.1f} ms")
        print(f"ratio naive / indexed: {statistics.median(results['naive']) / statistics.median(results['indexed']):.1f}×")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
