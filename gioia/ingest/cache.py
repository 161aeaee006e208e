"""Transcripts already read, kept by a hash of their file: a warm run skips decoding,
format detection and normalisation for every file that did not change.

One JSON file per transcript in ``.gioia/transcripts/``, holding the key it was read
under and the transcript (speakers not yet attributed to participants: that depends on
participants.csv and is redone every run). Safe to delete; a damaged entry is read again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from gioia import __version__
from gioia.fsutil import atomic_write_text
from gioia.models import Transcript
from gioia.serialise import transcript_from_dict, transcript_to_dict

__all__ = ["TranscriptCache"]

# Bump when reading or normalising changes, so that old entries are not reused.
_READER_REVISION = 1


class TranscriptCache:
    def __init__(self, folder: Path):
        self.folder = folder

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
        path = self._path(transcript_id)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["key"] != key:
                return None
            return transcript_from_dict(entry["transcript"])
        # Missing, or damaged in any way: the file is read again.
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, transcript: Transcript) -> None:
        entry = {"key": key, "transcript": transcript_to_dict(transcript)}
        atomic_write_text(
            self._path(transcript.id), json.dumps(entry, ensure_ascii=False), cache=True
        )

    def _path(self, transcript_id: str) -> Path:
        return self.folder / f"{transcript_id}.json"
