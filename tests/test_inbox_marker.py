"""Two workspaces on one inbox: the first marks the folder as its own (init, or its first watch); a
second refuses it with a clear message and exit code 1, and leaves every file in it alone."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from watch_helpers import make_ws, results, sample
from xlflow.cli import main
from xlflow.config import load_workspace
from xlflow.errors import InboxTaken
from xlflow.store.inboxmark import MARKER_NAME, claim_inbox, read_owner
from xlflow.watcher import Watcher

AS_OF = dt.date(2026, 11, 20)


def second_ws(root: Path, inbox: Path, code: str = "OTHER-1"):
    """Another project's workspace whose [paths] inbox is `inbox`."""
    make_ws(root)
    config = root / "xlflow.toml"
    text = config.read_text("utf-8").replace('code = "NPL-2026"', f'code = "{code}"')
    text = re.sub(r'(?m)^inbox = .*$', f'inbox = "{inbox.as_posix()}"', text)
    config.write_text(text, "utf-8")
    return load_workspace(root)


def test_init_marks_the_inbox(tmp_path):
    ws = make_ws(tmp_path / "a")
    marker = json.loads((ws.folder("inbox") / MARKER_NAME).read_text("utf-8"))
    assert marker["project"] == "NPL-2026" and marker["workspace"] == str(ws.root)
    assert read_owner(ws.folder("inbox")).is_workspace(ws)


@pytest.mark.parametrize("lang, words", [("en", "belongs to another workspace"), ("zh", "属于另一个工作区")])
def test_a_second_workspace_refuses_the_inbox_and_leaves_its_files(tmp_path, lang, words):
    a = make_ws(tmp_path / "a")
    shutil.copyfile(sample("RD", 46), a.folder("inbox") / "rd.xlsx")  # project A's valid file
    b = second_ws(tmp_path / "b", a.folder("inbox"))
    r = CliRunner().invoke(main, ["watch", "-w", str(b.root), "--once", "--lang", lang])
    assert r.exit_code == 1, r.output
    assert words in r.output and "NPL-2026" in r.output and str(a.root) in r.output and "Traceback" not in r.output
    assert MARKER_NAME in r.output  # what to delete if that workspace is really gone
    assert (a.folder("inbox") / "rd.xlsx").exists() and results(b) == []  # untouched: not rejected, not removed
    assert not list(b.folder("archive").iterdir())
    (outcome,) = Watcher(a, today=lambda: AS_OF).run_once()  # A still takes it
    assert (outcome.result, outcome.department) == ("accepted", "RD")


def test_the_first_watch_marks_an_inbox_on_a_share(tmp_path):
    share = tmp_path / "share" / "npl-inbox"
    a = second_ws(tmp_path / "a", share, code="NPL-2026")
    share.mkdir(parents=True)  # made on the file server, after init
    assert not (share / MARKER_NAME).exists()
    Watcher(a, today=lambda: AS_OF).run_once()
    assert read_owner(share).is_workspace(a)
    b = second_ws(tmp_path / "b", share)
    with pytest.raises(InboxTaken) as err:
        Watcher(b, today=lambda: AS_OF).run_once()
    assert err.value.exit_code == 1 and err.value.params["workspace"] == str(a.root)


def test_the_marker_follows_an_edited_project_code_and_can_be_handed_over(tmp_path):
    a = make_ws(tmp_path / "a")
    config = a.root / "xlflow.toml"
    config.write_text(config.read_text("utf-8").replace('code = "NPL-2026"', 'code = "NPL-2027"'), "utf-8")
    a = load_workspace(a.root)
    Watcher(a, today=lambda: AS_OF).run_once()  # its own marker: the code is updated, nothing refused
    assert read_owner(a.folder("inbox")).project == "NPL-2027"
    b = second_ws(tmp_path / "b", a.folder("inbox"))
    with pytest.raises(InboxTaken):
        claim_inbox(b)
    (a.folder("inbox") / MARKER_NAME).unlink()  # A is retired: the coordinator hands the folder over
    assert claim_inbox(b).is_workspace(b)


def test_a_damaged_marker_is_never_taken_over_silently(tmp_path):
    a = make_ws(tmp_path / "a")
    (a.folder("inbox") / MARKER_NAME).write_text("not json", "utf-8")
    with pytest.raises(InboxTaken) as err:
        claim_inbox(a)
    assert err.value.params["project"] == "?"


def test_two_workspaces_starting_together_cannot_both_own_it(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    spaces = [second_ws(tmp_path / f"w{i}", share, code=f"P-{i}") for i in range(6)]
    (share / MARKER_NAME).unlink(missing_ok=True)
    start, won, lost = threading.Barrier(len(spaces)), [], []

    def claim(ws):
        start.wait()
        try:
            claim_inbox(ws)
            won.append(ws.project.code)
        except InboxTaken:
            lost.append(ws.project.code)

    threads = [threading.Thread(target=claim, args=(ws,)) for ws in spaces]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == len(spaces) - 1
    assert read_owner(share).project == won[0]


def test_an_inbox_without_write_permission_is_used_with_a_warning(tmp_path_factory):
    """No marker can be written (the watcher's account may only read the share): the files are still
    processed, and the log says that a second workspace would go unnoticed."""
    import os
    import stat
    import subprocess
    import sys

    if getattr(os, "geteuid", lambda: -1)() == 0 and shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only folder cannot be simulated")
    base = Path(tmp_path_factory.mktemp("romark"))
    for folder in (base, *base.parents):
        if folder in (Path("/tmp"), Path("/")):
            break
        folder.chmod(folder.stat().st_mode | stat.S_IXOTH | stat.S_IROTH)
    share = base / "share"
    share.mkdir()
    ws = second_ws(base / "ws", share, code="NPL-2026")
    shutil.copyfile(sample("RD", 46), share / "rd.xlsx")
    share.chmod(0o755)
    (share / "rd.xlsx").chmod(0o644)
    prefix = []
    if getattr(os, "geteuid", lambda: -1)() == 0:
        for path in [ws.root, *ws.root.rglob("*")]:
            os.chown(path, 65534, 65534)
        prefix = [shutil.which("setpriv"), "--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        share.chmod(0o555)
    try:
        done = subprocess.run([*prefix, sys.executable, "-m", "xlflow", "watch", "--once", "-w", str(ws.root),
                               "--lang", "en"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    finally:
        share.chmod(0o755)
    out = done.stdout + done.stderr
    assert "Traceback" not in out and "Cannot write the marker file" in out, out
    assert not (share / MARKER_NAME).exists()
    assert [(r[1], r[2]) for r in results(ws)] == [("RD", "accepted")]
