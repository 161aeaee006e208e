"""Worker processes for ``--jobs N``: forked, so that each inherits what the parent
built before (the pipeline, the matchers, the transcripts read) instead of having it
pickled, and sends back only its results."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

__all__ = ["forked_map"]

T = TypeVar("T")
R = TypeVar("R")


def forked_map(
    function: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    *,
    most: int,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[R]:
    """``function`` of each item, in order, done in ``jobs`` forked processes that take
    up to ``most`` items at a time; ``meanwhile()`` is called in this process once the
    workers have started (what it imports or builds, they never inherit)."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(jobs, context) as pool:
        results = pool.map(function, items, chunksize=_chunk(len(items), jobs, most))
        if meanwhile is not None:
            meanwhile()
        yield from results


def _chunk(items: int, jobs: int, most: int) -> int:
    """How many items a worker takes at a time: up to ``most``, since each exchange with
    a worker costs the parent about a third of a millisecond (500 of them were a tenth
    of a --jobs run's parent's time: issue 17); but few enough that every worker gets
    several, so that none sits idle while another finishes a long share."""
    return max(1, min(most, items // (jobs * 4)))
