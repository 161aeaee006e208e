"""Writing files so that a crash never leaves a half-written one behind.

Every output gioia writes (the report, results.json, exports, the caches in ``.gioia/``)
goes through :func:`atomic_write_bytes`: the data is written to a hidden temporary file
next to the target (``.report.html.<random>.tmp``), flushed to disk, and renamed over the
target. A reader, or a process killed at any moment, sees the previous complete file or
the new complete one, never a truncated one. (The folder is not fsynced after the rename:
after a power cut an output may be the previous version, which gioia can write again;
the journals, which it cannot, are fsynced line by line in :mod:`gioia.journal`.)

A process killed between creating the temporary file and the rename leaves that hidden
file behind. The next write of the same target removes such leftovers once they are
older than :data:`STALE_TEMPORARY_SECONDS`: younger ones may belong to another gioia
process writing the same file right now.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "STALE_TEMPORARY_SECONDS",
    "atomic_write_bytes",
    "atomic_write_lines",
    "atomic_write_text",
]

# A write takes milliseconds; a temporary file this old is a leftover of a killed process.
STALE_TEMPORARY_SECONDS = 600


def atomic_write_bytes(path: Path, data: bytes | Iterable[bytes], *, cache: bool = False) -> None:
    """Write ``data`` (bytes, or chunks of them written as they come) to ``path`` via a
    temporary file in the same folder and a rename, so readers see either the old file
    or the complete new one.

    ``cache=True`` is for the files of ``.gioia/`` that gioia can make again, written by
    the hundred in one folder: the data is not fsynced (after a power cut an entry may be
    empty, which its reader takes for missing) and stale temporaries are not looked for
    (which lists the folder, for every file of a thousand-transcript cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cache:
        _remove_stale_temporaries(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            # mkstemp makes the file private (0600); the output gets the mode a plain
            # write would give it, so a report shared from a team folder stays readable.
            os.chmod(tmp_name, _mode_for(path))
            if isinstance(data, bytes):
                handle.write(data)
            else:
                for chunk in data:
                    handle.write(chunk)
            if not cache:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str, *, cache: bool = False) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), cache=cache)


def atomic_write_lines(path: Path, lines: Iterable[str]) -> None:
    """Write text lines as they come, never holding the whole file (a thousand
    transcripts' suggestions are tens of MB), atomically as :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, (line.encode("utf-8") for line in lines))


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
