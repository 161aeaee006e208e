"""Worker processes for --jobs (gioia.workers): results come back in order, from other
processes, and what the parent builds once they have started is not theirs."""

from __future__ import annotations

import os

from gioia.workers import _chunk, forked_map

_built_later = "not yet"


def _where_and_what(item: int) -> tuple[int, int, str]:
    return item * item, os.getpid(), _built_later


def _build() -> None:
    global _built_later
    _built_later = "built"


def test_results_come_back_in_order_from_worker_processes():
    global _built_later
    _built_later = "not yet"
    done = list(forked_map(_where_and_what, list(range(40)), 2, most=3, meanwhile=_build))
    assert [square for square, _, _ in done] == [n * n for n in range(40)]
    assert os.getpid() not in {pid for _, pid, _ in done}
    # meanwhile() ran in this process after the workers forked: none of them saw it.
    assert {seen for _, _, seen in done} == {"not yet"}
    assert _built_later == "built"


def test_each_worker_takes_several_items_at_a_time_but_none_takes_a_long_share():
    assert _chunk(1000, 2, 8) == 8  # 125 exchanges instead of 1,000
    assert _chunk(40, 2, 8) == 5  # every worker still gets four shares
    assert _chunk(10, 2, 8) == 1
    assert _chunk(3, 4, 16) == 1
