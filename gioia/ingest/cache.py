"""Transcripts already read, kept by a hash of their file: a warm run skips decoding,
format detection and normalisation for every file that did not change.

One file for the corpus, ``.gioia/transcripts.jsonl`` (a
:class:`~gioia.keyed_cache.KeyedCacheFile`), holding for each transcript the key it was
read under and the transcript (speakers not yet attributed to participants: that
depends on participants.csv and is redone every run); ingest saves it once all files are
read. Safe to delete; a damaged entry is read again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from gioia import __version__
from gioia.keyed_cache import KeyedCacheFile
from gioia.models import Transcript
from gioia.serialise import transcript_from_dict, transcript_to_dict

__all__ = ["TranscriptCache"]

# Bump when reading or normalising changes, so that old entries are not reused.
_READER_REVISION = 1


class TranscriptCache:
    def __init__(self, path: Path):
        self._entries = KeyedCacheFile(path)
        self._read_here: set[str] = set()  # the transcripts this process read anew

    @staticmethod
    def key(
        data: bytes,
        *,
        transcript_id: str,
        rel_path: str,
        encoding: str | None,
        interviewer_labels: Sequence[str],
        max_bytes: int,
    ) -> str:
        """Everything reading a file depends on: gioia, the bytes, and the settings."""
        digest = hashlib.sha256()
        options = [__version__, _READER_REVISION, transcript_id, rel_path, encoding]
        options += [list(interviewer_labels), max_bytes]
        digest.update(json.dumps(options).encode("utf-8") + b"\0")
        digest.update(data)
        return digest.hexdigest()

    def get(self, transcript_id: str, key: str) -> Transcript | None:
        entry = self._entries.get(transcript_id)
        try:
            if entry is None or entry["key"] != key:
                return None
            return transcript_from_dict(entry["transcript"])
        # Damaged in any way: the file is read again.
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, transcript: Transcript) -> None:
        entry = {"key": key, "transcript": transcript_to_dict(transcript)}
        self._entries.put(transcript.id, entry)
        self._read_here.add(transcript.id)

    def entry(self, transcript_id: str) -> str | None:
        """The entry this process made for ``transcript_id`` (None when it was in the
        cache already), as its line: a worker process sends it back to the one that
        saves the cache (:meth:`keep`)."""
        if transcript_id not in self._read_here:
            return None
        return self._entries.line_of(transcript_id)

    def keep(self, transcript_id: str, entry: str) -> None:
        self._entries.put_line(transcript_id, entry)

    def save(self, transcript_ids: Iterable[str]) -> None:
        """Write the entries of ``transcript_ids`` (the corpus's; others are dropped)."""
        self._entries.save(transcript_ids)
