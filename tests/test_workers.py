"""The processes of --jobs (gioia.workers): results come back in order, each item done
exactly once, by forked workers and by this process; what this process builds once the
workers have started is not theirs."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from gioia.errors import GioiaError
from gioia.workers import _shares, shared_map

_built_later = "not yet"
_log: Path | None = None  # every item done is written here, by whichever process did it


def _square(item: int) -> tuple[int, int, str]:
    assert _log is not None
    with _log.open("a", encoding="utf-8") as log:
        log.write(f"{item}\n")
    time.sleep(0.002)  # an item takes time, as a transcript does: shares get stolen
    return item * item, os.getpid(), _built_later


def _build() -> None:
    global _built_later
    time.sleep(0.05)  # as importing spaCy takes a while: the worker gets going meanwhile
    _built_later = "built"


def test_every_item_is_done_once_in_order_by_the_workers_and_this_process(tmp_path):
    global _built_later, _log
    _built_later, _log = "not yet", tmp_path / "done.log"
    done = list(shared_map(_square, _square, list(range(60)), 2, most=3, meanwhile=_build))
    assert [square for square, _, _ in done] == [n * n for n in range(60)]
    assert sorted(int(line) for line in _log.read_text().split()) == list(range(60))
    by = {pid for _, pid, _ in done}
    assert os.getpid() in by and len(by) == 2  # this process and one worker
    # meanwhile() ran here after the worker forked: the worker never saw what it built.
    assert {seen for _, pid, seen in done if pid != os.getpid()} == {"not yet"}
    assert {seen for _, pid, seen in done if pid == os.getpid()} == {"built"}


def test_a_failure_in_a_share_reaches_the_caller_and_stops_the_rest(tmp_path):
    global _log
    _log = tmp_path / "done.log"
    results = shared_map(_fails_on_seven, _fails_on_seven, list(range(400)), 2, most=1)
    try:
        list(results)
    except ValueError as exc:
        assert str(exc) == "seven"
    else:
        raise AssertionError("the failure was not raised")
    # The shares still queued were cancelled, not run after the failure.
    assert len(_log.read_text().split()) < 400


def _fails_on_seven(item: int) -> int:
    if item == 7:
        raise ValueError("seven")
    return _square(item)[0]


def _dies(item: int) -> int:
    os._exit(9)  # as the system's out-of-memory killer would end a worker


def _lives(item: int) -> int:
    return item


def test_a_worker_that_dies_is_a_clear_error_not_a_hang():
    with pytest.raises(GioiaError) as raised:  # meanwhile: the worker claims a share first
        list(shared_map(_lives, _dies, list(range(20)), 2, most=2, meanwhile=_build))
    assert raised.value.message.startswith("a worker process stopped before finishing")
    assert "--jobs" in raised.value.hint


def test_shares_are_large_while_many_items_are_left_and_shrink_at_the_end():
    shares = _shares(1000, 2, 8)
    assert shares[0] == (0, 8) and shares[-1] == (999, 1000)
    assert [end - start for start, end in shares[-9:]] == [1] * 9  # fewer than 8 left each
    # Every item in exactly one share, in order.
    assert [i for start, end in shares for i in range(start, end)] == list(range(1000))
    assert len(shares) < 1000 // 8 + 8 * 4  # about 125 exchanges, not 1,000
    assert _shares(3, 4, 16) == [(0, 1), (1, 2), (2, 3)]
    assert _shares(0, 2, 8) == []
