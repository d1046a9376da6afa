"""Issue 18 item 1: a coordinator's save during a merge never vanishes. The merge reads the master
back, builds, then replaces it only if it is still the file read back; a save that landed meanwhile
is read again (or, if saves keep coming, kept where it is with the new master beside it)."""
from __future__ import annotations

import os
import random

import pytest

from coord_helpers import AS_OF
from merge_helpers import make_ws
from trust_helpers import big_workbooks, comments, excel_save, race_once, typed_copy
from xlflow.i18n import msg
from xlflow.service import merge
from xlflow.store import atomic
from xlflow.store.atomic import TargetChanged, fingerprint, replace_if_unchanged


@pytest.fixture
def merged(tmp_path):
    ws = make_ws(tmp_path / "ws", lang="zh")
    files = big_workbooks(ws, tmp_path / "in", 60)
    master = merge.merge_workspace(ws, files, as_of=AS_OF).master_path
    return ws, files, master


def saving_during(monkeypatch, master, data_for, times=1):
    """The coordinator saves while the plan is being built (after the read-back), `times` times."""
    build, count = merge.build_plan, [0]

    def build_and_save(*args, **kwargs):
        if count[0] < times:
            count[0] += 1
            excel_save(master, data_for(count[0]))
        return build(*args, **kwargs)
    monkeypatch.setattr(merge, "build_plan", build_and_save)
    return count


def test_a_save_between_read_back_and_replace_is_read_again(merged, monkeypatch):
    ws, files, master = merged
    data = typed_copy(master, {"RD-002": "周五前回复"})
    saving_during(monkeypatch, master, lambda n: data)
    result = merge.merge_workspace(ws, files, as_of=AS_OF)
    assert result.saved_during == [None] and not result.locked and result.master_path == master
    assert comments(master, ["RD-002"]) == {"RD-002": "周五前回复"}
    assert msg("coord-saved-during", "zh", path=master) in result.summary("zh")


def test_saves_that_keep_coming_stay_where_they_are_and_the_master_goes_beside(merged, monkeypatch):
    ws, files, master = merged
    copies = {n: typed_copy(master, {"RD-003": f"第{n}次保存"}) for n in (1, 2, 3)}
    saving_during(monkeypatch, master, copies.__getitem__, times=3)
    result = merge.merge_workspace(ws, files, as_of=AS_OF)
    assert len(result.saved_during) == merge.MERGE_TRIES - 1 and result.locked
    assert result.master_path != master and result.master_path.parent == master.parent
    assert master.read_bytes() == copies[3]  # the newest save, untouched
    assert msg("coord-saved-beside", "zh", target=master, path=result.master_path) in result.summary("zh")
    monkeypatch.undo()
    again = merge.merge_workspace(ws, files, as_of=AS_OF)  # reads both back, writes in place again
    assert again.master_path == master and comments(master, ["RD-003"]) == {"RD-003": "第3次保存"}


def test_a_save_in_the_instant_the_old_master_is_aside_stays(merged, monkeypatch):
    ws, files, master = merged
    data = typed_copy(master, {"MK-004": "等预算"})
    place, calls = atomic._place, []

    def save_first(src, target, *rest):  # the save lands after the old file was moved aside, before the new one is in
        if not calls:
            excel_save(target, data)
        calls.append(src)
        return place(src, target, *rest)
    monkeypatch.setattr(atomic, "_place", save_first)
    result = merge.merge_workspace(ws, files, as_of=AS_OF)
    assert result.saved_during == [None] and not result.locked
    assert comments(master, ["MK-004"]) == {"MK-004": "等预算"}
    assert not list(master.parent.glob(".~xlflow-*"))


def test_a_save_just_after_the_new_master_is_in_is_read_by_the_next_merge(merged, monkeypatch):
    """The copy of what xlflow wrote (what the next read-back compares with) is made from its own
    file, not from the master's name, which may already be the coordinator's save."""
    ws, files, master = merged
    data = typed_copy(master, {"RD-005": "已电话沟通"})
    copy, calls = atomic._copy, []

    def save_then_copy(src, copy_to):
        if copy_to is not None and not calls:
            calls.append(copy_to)
            excel_save(master, data)
        return copy(src, copy_to)
    monkeypatch.setattr(atomic, "_copy", save_then_copy)
    first = merge.merge_workspace(ws, files, as_of=AS_OF)
    assert calls and first.saved_during == [] and master.read_bytes() == data
    monkeypatch.undo()
    merge.merge_workspace(ws, files, as_of=AS_OF)
    assert comments(master, ["RD-005"]) == {"RD-005": "已电话沟通"}


def test_replace_if_unchanged_never_drops_a_file(tmp_path):
    target, tmp = tmp_path / "m.xlsx", tmp_path / "new.xlsx"
    target.write_bytes(b"read back")
    seen = fingerprint(target)
    excel_save(target, b"saved later")  # same size, a new file
    tmp.write_bytes(b"new master")
    with pytest.raises(TargetChanged) as caught:
        replace_if_unchanged(tmp, target, seen)
    assert target.read_bytes() == b"saved later" and caught.value.kept is None
    replace_if_unchanged(tmp, target, fingerprint(target))
    assert target.read_bytes() == b"new master" and sorted(os.listdir(tmp_path)) == ["m.xlsx"]
    other, created = tmp_path / "other.xlsx", tmp_path / "created.xlsx"
    other.write_bytes(b"x")
    created.write_bytes(b"c")  # there was none when read, now there is one: it stays
    with pytest.raises(TargetChanged):
        replace_if_unchanged(other, created, atomic.ABSENT)
    assert created.read_bytes() == b"c"


def test_saves_at_random_moments_during_merges_are_never_lost(merged):
    """A short version of benchmarks/save_race.py (which runs hundreds, with a baseline)."""
    ws, files, master = merged
    rng = random.Random(18)
    lost = [i for i in range(10) if not race_once(ws, files, rng.uniform(0.0, 0.25), f"save {i}")[0]]
    assert lost == []
