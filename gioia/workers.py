"""The processes of ``--jobs N``: this one and N - 1 forked workers, sharing the items.

Workers are forked, so that each inherits what this process built before (the pipeline,
the matchers, the transcripts read, the items themselves) instead of having it pickled,
and sends back only its results. The items are cut into shares, and every process
(this one too) claims the next share from a counter they share, whenever it is free:
a worker never waits for this process to hand it work, which it did with
``concurrent.futures`` whenever this process held the interpreter lock in a long call
(importing spaCy, loading its tables), and this process, instead of only waiting, does
the corpus's work as the workers do, only theirs being pickled (issue 17).
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from gioia.errors import GioiaError

__all__ = ["shared_map"]

T = TypeVar("T")
R = TypeVar("R")

# How often this process, waiting for a worker's share, checks that the worker lives.
_PATIENCE_SECONDS = 1.0


def shared_map(
    here: Callable[[T], R],
    there: Callable[[T], R],
    items: Sequence[T],
    jobs: int,
    *,
    most: int,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[R]:
    """The result of each item, in order: ``there(item)`` in one of ``jobs - 1`` forked
    workers, or ``here(item)`` in this process, in shares of up to ``most`` items.
    ``meanwhile()`` is called in this process once the workers have started (what it
    imports or builds, they never inherit). An exception raised by ``there`` is raised
    here, and the shares no process has claimed are left undone."""
    shares = [items[start:end] for start, end in _shares(len(items), jobs, most)]
    context = multiprocessing.get_context("fork")
    claimed = context.Value("q", 0)  # the next share to claim, for every process
    sent: Any = context.Queue()  # (share, results or exception) from the workers
    workers = [
        context.Process(target=_work, args=(there, shares, claimed, sent), daemon=True)
        for _ in range(max(1, jobs - 1))
    ]
    for worker in workers:
        worker.start()
    finished = False
    try:
        if meanwhile is not None:
            meanwhile()
        done: dict[int, list[R]] = {}
        for index in range(len(shares)):
            while index not in done:
                _collect(sent, done, workers, wait=False)
                if index in done:
                    break
                mine = _claim(claimed, len(shares))
                if mine is None:  # every share is claimed: the one needed is a worker's
                    _collect(sent, done, workers, wait=True)
                else:
                    done[mine] = [here(item) for item in shares[mine]]
            yield from done.pop(index)
        finished = True
    finally:
        with claimed.get_lock():
            claimed.value = len(shares)  # nothing more is claimed, by anyone
        for worker in workers:
            if not finished:
                worker.terminate()  # its results are not wanted: nothing to wait for
            worker.join()
        sent.close()


def _claim(claimed: Any, shares: int) -> int | None:
    with claimed.get_lock():
        index = claimed.value
        if index >= shares:
            return None
        claimed.value = index + 1
    return index


def _collect(sent: Any, done: dict[int, list], workers: Sequence[Any], *, wait: bool) -> None:
    """Whatever the workers have sent (waiting for one share when ``wait``) into ``done``;
    an exception a worker sent is raised."""
    while True:
        try:
            index, results = sent.get(timeout=_PATIENCE_SECONDS) if wait else sent.get_nowait()
        except queue.Empty:
            if not wait:
                return
            # A worker that ends well has sent all it did: one that ended otherwise (or
            # all ended, this share unsent) means the share will never come.
            ended = [worker.exitcode for worker in workers if worker.exitcode is not None]
            if any(code != 0 for code in ended) or len(ended) == len(workers):
                raise GioiaError(
                    "a worker process stopped before finishing its share of the transcripts",
                    hint="it may have been killed (the system out of memory?): run the "
                    "command again, with a smaller --jobs or none",
                ) from None
            continue
        if isinstance(results, BaseException):
            raise results
        done[index] = results
        wait = False  # one share came: take the rest only if already there


def _work(there: Callable, shares: Sequence[Sequence], claimed: Any, sent: Any) -> None:
    """A worker: claims shares until none is left, and sends each share's results."""
    # Ctrl-C reaches every process of the terminal's group: the parent alone answers it
    # (and ends the workers), so that one interruption prints one message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while (index := _claim(claimed, len(shares))) is not None:
        try:
            sent.put((index, [there(item) for item in shares[index]]))
        except Exception as exc:  # noqa: BLE001 - sent to the parent, which raises it
            sent.put((index, exc))
            return


def _shares(items: int, jobs: int, most: int) -> list[tuple[int, int]]:
    """Where each share of ``items`` starts and ends. Up to ``most`` items each, since
    each share sent back costs this process a little (500 exchanges with workers were a
    tenth of a --jobs run's parent's time: issue 17); fewer as the items left run out,
    down to one, so that at the end no process sits idle while another finishes a long
    share."""
    bounds = []
    start = 0
    while start < items:
        size = max(1, min(most, (items - start) // (jobs * 4)))
        bounds.append((start, start + size))
        start += size
    return bounds
