"""Many cache entries in one file of ``.gioia/``: read once, written once.

A cold `gioia suggest` wrote several small files per transcript; on a disk with a
journal, creating and renaming a file costs more system time than what goes in it (issue
17: a third of a cold run's time went to the kernel). :class:`KeyedCacheFile` holds the
entries of one cache (each transcript's sentence spans, or its matches) in one JSON-lines
file, ``{"key": ..., "value": ...}`` per line: the run that fills it writes it once, with
only the entries the corpus still has, atomically. Like every cache of ``.gioia/`` it is
safe to delete; a damaged line is one entry made again, and two runs saving at once lose
each other's new entries, never a decision.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gioia.fsutil import atomic_write_lines

__all__ = ["KeyedCacheFile"]


class KeyedCacheFile:
    """Entries by key in the JSON-lines file ``path``, read when first asked for."""

    def __init__(self, path: Path):
        self.path = path
        self._entries: dict[str, Any] | None = None
        self._changed = False

    def _loaded(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {}
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                lines = []  # missing or unreadable: every entry is made again
            for line in lines:
                try:
                    entry = json.loads(line)
                    self._entries[entry["key"]] = entry["value"]
                except (ValueError, KeyError, TypeError):
                    continue  # a damaged line: that entry is made again
        return self._entries

    def get(self, key: str) -> Any | None:
        return self._loaded().get(key)

    def put(self, key: str, value: Any) -> None:
        """Keep ``value`` (made of what JSON holds) under ``key`` until :meth:`save`."""
        self._loaded()[key] = value
        self._changed = True

    def save(self, keys: Iterable[str]) -> None:
        """Write the entries of ``keys`` (what the corpus has now; the others are
        dropped), when one of them is new or another is to be dropped."""
        entries = self._loaded()
        kept = {key: entries[key] for key in dict.fromkeys(keys) if key in entries}
        if not self._changed and len(kept) == len(entries):
            return
        atomic_write_lines(
            self.path,
            (
                json.dumps({"key": key, "value": value}, ensure_ascii=False) + "\n"
                for key, value in kept.items()
            ),
            cache=True,
        )
        self._entries, self._changed = kept, False
