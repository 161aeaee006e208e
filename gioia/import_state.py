"""Whether an import into a study began and did not finish.

An import plans everything first and writes only then, but its writes are many files
(transcripts, codebook.yaml, participants.csv, then one journal line at a time): killed
half-way, it leaves a study that holds part of another program's codings and reads as
complete. So the import records itself as begun, in ``.gioia-import.json`` in the study
folder, before its first write, and removes the record after its last. While the record
is there, every command that opens the study refuses with what happened and the fix:
importing the same file again adds only what is missing.

The record lives beside gioia.yaml rather than in ``.gioia/``, which holds caches a
researcher may delete at will.
"""

from __future__ import annotations

import json
from pathlib import Path

from gioia.errors import Location, Problem
from gioia.fsutil import atomic_write_text

__all__ = ["MARKER", "begin_import", "finish_import", "interrupted_import"]

MARKER = ".gioia-import.json"


def begin_import(root: Path, source: Path, started: str) -> None:
    """Record that importing ``source`` into the study at ``root`` has begun."""
    record = {"file": str(source.resolve()), "started": started}
    atomic_write_text(root / MARKER, json.dumps(record, ensure_ascii=False) + "\n")


def finish_import(root: Path) -> None:
    (root / MARKER).unlink(missing_ok=True)


def interrupted_import(root: Path) -> Problem | None:
    """An error when an import into the study at ``root`` began and did not finish."""
    marker = root / MARKER
    if not marker.is_file():
        return None
    try:
        record = json.loads(marker.read_text(encoding="utf-8"))
        source, started = str(record["file"]), str(record["started"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        source, started = "the file", "an earlier run"
    return Problem(
        f"an import of {source} into this study began at {started} and did not finish: the "
        "study holds only part of it",
        Location(str(marker)),
        hint=f"run `gioia import {source} {root}` again: it adds only what is missing; if "
        f"that file is gone, delete {MARKER} to work with the study as it is",
    )
