"""Many cache entries in one file of ``.gioia/``: read once, written once.

A cold `gioia suggest` wrote several small files per transcript; on a disk with a
journal, creating and renaming a file costs more system time than what goes in it (issue
17: a third of a cold run's time went to the kernel). :class:`KeyedCacheFile` holds the
entries of one cache (each transcript's sentence spans, or its matches) in one JSON-lines
file, ``{"key": ..., "value": ...}`` per line: the run that fills it writes it once, with
only the entries the corpus still has, atomically. Like every cache of ``.gioia/`` it is
safe to delete; a damaged line is one entry made again, and two runs saving at once lose
each other's new entries, never a decision.

Entries are held as their lines and decoded when asked for: a run that changes one
transcript writes the others' lines back as they were read, and a worker process
(``--jobs``) sends the line it made (:meth:`KeyedCacheFile.line`), so the process that
saves the file encodes nothing while the workers run, nor after.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gioia.fsutil import atomic_write_lines

__all__ = ["KeyedCacheFile"]

# Every line starts so, the key follows: the key is read without decoding the value.
_HEAD = '{"key": '
_VALUE = ', "value": '
_decoder = json.JSONDecoder()


class KeyedCacheFile:
    """Entries by key in the JSON-lines file ``path``, read when first asked for."""

    def __init__(self, path: Path):
        self.path = path
        self._lines: dict[str, str] | None = None
        self._changed = False

    @staticmethod
    def line(key: str, value: Any) -> str:
        """The line that holds ``value`` (made of what JSON holds) under ``key``."""
        return (
            f"{_HEAD}{json.dumps(key, ensure_ascii=False)}{_VALUE}"
            + json.dumps(value, ensure_ascii=False)
            + "}\n"
        )

    def _loaded(self) -> dict[str, str]:
        if self._lines is None:
            self._lines = {}
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
            except (OSError, UnicodeDecodeError):
                lines = []  # missing or unreadable: every entry is made again
            for line in lines:
                key = _key_of(line)
                if key is not None:
                    self._lines[key] = line
        return self._lines

    def __len__(self) -> int:
        return len(self._loaded())

    def get(self, key: str) -> Any | None:
        line = self._loaded().get(key)
        if line is None:
            return None
        try:
            return json.loads(line)["value"]
        except (ValueError, KeyError, TypeError):
            return None  # a damaged line: that entry is made again

    def put(self, key: str, value: Any) -> None:
        """Keep ``value`` (made of what JSON holds) under ``key`` until :meth:`save`."""
        self.put_line(key, self.line(key, value))

    def line_of(self, key: str) -> str | None:
        """The line that holds ``key``'s entry, to send to the process that saves."""
        return self._loaded().get(key)

    def put_line(self, key: str, line: str) -> None:
        """Keep ``line`` (made by :meth:`line`, in this process or another) as the
        entry of ``key`` until :meth:`save`."""
        self._loaded()[key] = line
        self._changed = True

    def save(self, keys: Iterable[str]) -> None:
        """Write the entries of ``keys`` (what the corpus has now; the others are
        dropped), when one of them is new or another is to be dropped."""
        lines = self._loaded()
        kept = {key: lines[key] for key in dict.fromkeys(keys) if key in lines}
        if not self._changed and len(kept) == len(lines):
            return
        atomic_write_lines(self.path, kept.values(), cache=True)
        self._lines, self._changed = kept, False


def _key_of(line: str) -> str | None:
    """The key of a line as :meth:`KeyedCacheFile.line` writes it; None for a line
    damaged before its value, or not ending where a line ends (a torn last line)."""
    if not line.startswith(_HEAD) or not line.endswith("}\n"):
        return None
    try:
        key, end = _decoder.raw_decode(line, len(_HEAD))
    except ValueError:
        return None
    return key if isinstance(key, str) and line.startswith(_VALUE, end) else None
