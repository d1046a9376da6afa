"""The merge's pause of the cyclic garbage collector (service/merge.py _gc_paused): what the merge
leaves alive goes to the oldest generation without a scan, a cycle it dropped is freed when the next
merge begins (a process that merges again and again holds at most one merge's garbage), and a
collector the caller turned off stays off."""
from __future__ import annotations

import gc
import weakref

import pytest

from xlflow.service.merge import _gc_paused


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: refcounting alone never frees it


@pytest.fixture
def collector():
    enabled = gc.isenabled()
    gc.enable()
    yield
    if not enabled:
        gc.disable()


def test_survivors_go_to_the_oldest_generation_and_garbage_goes_when_the_next_merge_begins(collector):
    with _gc_paused():
        assert not gc.isenabled()
        kept, dropped = Node(), Node()
        gone = weakref.ref(dropped)
        del dropped
    assert gc.isenabled()
    assert any(o is kept for o in gc.get_objects(generation=2))  # moved there unscanned
    assert not any(o is kept for o in gc.get_objects(generation=0))
    assert gc.get_freeze_count() == 0  # nothing left frozen
    with _gc_paused():
        assert gone() is None  # the merge before's cycle: freed as this one begins
    assert kept.me is kept


def test_a_collector_turned_off_by_the_caller_stays_off(collector):
    gc.disable()
    with _gc_paused():
        node = Node()
    assert not gc.isenabled() and gc.get_freeze_count() == 0
    assert not any(o is node for o in gc.get_objects(generation=2))  # left where it was made
