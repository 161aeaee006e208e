"""Writing files so that a crash never leaves a half-written one behind.

Every output gioia writes (the report, results.json, exports, the caches in ``.gioia/``)
goes through :func:`atomic_write_bytes`: the data is written to a hidden temporary file
next to the target (``.report.html.<random>.tmp``), flushed to disk, and renamed over the
target. A reader, or a process killed at any moment, sees the previous complete file or
the new complete one, never a truncated one. (The folder is not fsynced after the rename:
after a power cut an output may be the previous version, which gioia can write again;
the journals, which it cannot, are fsynced line by line in :mod:`gioia.journal`.)

A disk that is full, read-only or not ours must never make a command fail for a cache:
a cache entry that cannot be written (ENOSPC, EDQUOT, EROFS, EACCES, EPERM) is skipped,
and the next run makes it again. Any other output that cannot be written is a
:class:`~gioia.errors.GioiaError` naming it (``no space left on device: report/report.html``),
the previous file left as it was. The journals, appended to rather than replaced, do the
same in :mod:`gioia.journal` with :func:`write_all` and :func:`write_failure`.

A process killed between creating the temporary file and the rename leaves that hidden
file behind. The next write of the same target removes such leftovers once they are
older than :data:`STALE_TEMPORARY_SECONDS`: younger ones may belong to another gioia
process writing the same file right now.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from gioia.errors import GioiaError

__all__ = [
    "STALE_TEMPORARY_SECONDS",
    "atomic_write_bytes",
    "atomic_write_lines",
    "atomic_write_text",
    "is_out_of_space",
    "write_all",
    "write_failure",
]

# A write takes milliseconds; a temporary file this old is a leftover of a killed process.
STALE_TEMPORARY_SECONDS = 600
# A disk (or a user's quota on it) that is full.
_OUT_OF_SPACE = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
# Why a cache entry may not be written without anything being wrong with the study: the
# disk is full, or read-only, or the study is someone else's (gioia run on a shared copy).
_CACHE_SKIPPED = _OUT_OF_SPACE | {errno.EROFS, errno.EACCES, errno.EPERM}
# Data is written in pieces of this size: a few system calls, never the whole file at once.
_CHUNK_BYTES = 1 << 20


def atomic_write_bytes(path: Path, data: bytes | Iterable[bytes], *, cache: bool = False) -> None:
    """Write ``data`` (bytes, or chunks of them written as they come) to ``path`` via a
    temporary file in the same folder and a rename, so readers see either the old file
    or the complete new one. A file that cannot be written is a GioiaError naming it.

    ``cache=True`` is for the files of ``.gioia/`` that gioia can make again, written by
    the hundred in one folder: the data is not fsynced (after a power cut an entry may be
    empty, which its reader takes for missing), stale temporaries are not looked for
    (which lists the folder, for every file of a thousand-transcript cache), and an entry
    the disk has no room or no permission for is silently not written."""
    try:
        _replace(path, data, cache=cache)
    except OSError as exc:
        if cache and exc.errno in _CACHE_SKIPPED:
            return
        if cache:
            hint = f"gioia's cache ({path.parent}) is safe to delete; delete it and run again"
        else:
            fix = (
                "free some space on that disk and run the command again"
                if is_out_of_space(exc)
                else f"check that you may write to {path.parent}"
            )
            hint = f"{fix}; the previous {path.name}, if there was one, is unchanged"
        raise GioiaError(write_failure(path, exc), hint=hint) from None


def _replace(path: Path, data: bytes | Iterable[bytes], *, cache: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cache:
        _remove_stale_temporaries(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            # mkstemp makes the file private (0600); the output gets the mode a plain
            # write would give it, so a report shared from a team folder stays readable.
            os.chmod(tmp_name, _mode_for(path))
            _write_chunks(fd, [data] if isinstance(data, bytes) else data)
            if not cache:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _write_chunks(fd: int, chunks: Iterable[bytes]) -> None:
    pending = bytearray()
    for chunk in chunks:
        pending += chunk
        if len(pending) >= _CHUNK_BYTES:
            write_all(fd, pending)
            pending.clear()
    write_all(fd, pending)


def write_all(fd: int, data: bytes | bytearray) -> None:
    """``os.write`` until all of ``data`` is written (a write can take only part)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if not written:  # a file system that takes nothing and says nothing: it is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def is_out_of_space(exc: OSError) -> bool:
    return exc.errno in _OUT_OF_SPACE


def write_failure(path: Path | str | None, exc: OSError) -> str:
    """What went wrong writing ``path``, in the words gioia shows: ``no space left on
    device: PATH`` for a full disk, else ``cannot write PATH: reason``."""
    where = f": {path}" if path is not None else ""
    if exc.errno == errno.ENOSPC:
        return f"no space left on device{where}"
    if is_out_of_space(exc):
        return f"disk quota exceeded{where}"
    reason = exc.strerror or str(exc)
    return f"cannot write {path}: {reason}" if path is not None else f"cannot write: {reason}"


def atomic_write_text(path: Path, text: str, *, cache: bool = False) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), cache=cache)


def atomic_write_lines(path: Path, lines: Iterable[str], *, cache: bool = False) -> None:
    """Write text lines as they come, never holding the whole file (a thousand
    transcripts' suggestions are tens of MB), atomically as :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, (line.encode("utf-8") for line in lines), cache=cache)


def _mode_for(path: Path) -> int:
    """The permission bits of the file being replaced, else those of a new file."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        # The umask can only be read by setting it; gioia writes from one thread.
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _remove_stale_temporaries(path: Path) -> None:
    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    for leftover in path.parent.glob(f".{_glob_escape(path.name)}.*.tmp"):
        with contextlib.suppress(OSError):  # already gone, or not ours to remove
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink()


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
