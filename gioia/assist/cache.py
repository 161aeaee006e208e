"""The suggestion engine's caches in ``.gioia/``: safe to delete, rebuilt when missing.

- :class:`MatchCache` (``.gioia/matches.jsonl``): each transcript's keyword and pattern
  matches, before corpus statistics weigh them, and its lemma counts, under a hash of
  everything they depend on; editing one transcript re-reads that one only.
- Each learner's suggestions (``.gioia/suggestions/<learner>.jsonl``) with a lock file
  beside them that records what they were made from, their counts by concept and the
  learner's cross-validated evaluation: :class:`SuggestionCache`. An unchanged study's
  `gioia suggest` reads the lock and nothing else; `python -m gioia suggest` not even
  that: :mod:`gioia.warm` compares the files of ``.gioia/suggest.stamp.json`` first.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from gioia.fsutil import atomic_write_lines, atomic_write_text
from gioia.keyed_cache import KeyedCacheFile
from gioia.models import Hit, Suggestion, Transcript
from gioia.serialise import (
    dumps_line,
    matches_from_dict,
    matches_to_dict,
    suggestion_from_dict,
    suggestion_to_dict,
)

__all__ = ["MatchCache", "SuggestionCache"]


class MatchCache:
    """Each transcript's keyword and pattern matches and lemma counts, under a hash of
    ``fingerprint`` (gioia, the pipeline, the codebook, segmentation) and the
    transcript's text and turns; the whole corpus's in one file (``path``, a
    :class:`~gioia.keyed_cache.KeyedCacheFile`), written by :meth:`save`."""

    def __init__(self, path: Path, fingerprint: Iterable[bytes]):
        self._entries = KeyedCacheFile(path)
        digest = hashlib.sha256()
        for part in fingerprint:
            digest.update(part + b"\0")
        self._fingerprint = digest.digest()
        # A run asks for a transcript's key to look it up, keep it and save it: worked
        # out once per process (a worker sends back the keys of the entries it made).
        self._keys: dict[str, tuple[Transcript, str]] = {}

    def _key(self, transcript: Transcript) -> str:
        known = self._keys.get(transcript.id)
        if known is not None and known[0] is transcript:
            return known[1]
        digest = hashlib.sha256(self._fingerprint)
        turns = [(t.start, t.end, t.is_interviewer) for t in transcript.turns]
        digest.update(json.dumps(turns).encode() + b"\0" + transcript.text.encode("utf-8"))
        key = digest.hexdigest()[:32]
        self._keys[transcript.id] = (transcript, key)
        return key

    def get(self, transcript: Transcript) -> tuple[list[Hit], dict[str, int]] | None:
        if not self._entries:
            return None  # a cold run: no transcript's text is hashed here, only where matched
        found = self._entries.get(self._key(transcript))
        if found is None:
            return None
        try:
            return matches_from_dict(found)
        except (ValueError, KeyError, TypeError):
            return None  # damaged: the transcript is matched again

    def entry(
        self, transcript: Transcript, hits: Sequence[Hit], lemmas: Counter[str]
    ) -> tuple[str, str]:
        """The entry of ``transcript``'s matches and lemma counts, as its key and line:
        made where the transcript was matched (a worker process, with ``--jobs``) and
        kept by the process that saves the cache (:meth:`keep`)."""
        key = self._key(transcript)
        return key, KeyedCacheFile.line(key, matches_to_dict(hits, lemmas))

    def keep(self, transcript: Transcript, entry: tuple[str, str]) -> None:
        key, line = entry
        self._keys[transcript.id] = (transcript, key)
        self._entries.put_line(key, line)

    def save(self, transcripts: Iterable[Transcript]) -> None:
        """Write the entries of ``transcripts`` (the corpus's; others are dropped)."""
        self._entries.save(self._key(transcript) for transcript in transcripts)


class SuggestionCache:
    """One learner's suggestions (``<key>.jsonl``) and the record of the run that made
    them (``<key>.lock``: the hash of their inputs, counts by concept, and what else the
    run learnt, such as the learner's evaluation)."""

    def __init__(self, folder: Path, key: str):
        self.path = folder / f"{key}.jsonl"
        self.lock = folder / f"{key}.lock"

    def record(self, inputs: str) -> dict | None:
        """What the last run recorded, when it made the suggestions from ``inputs`` and
        they are still there; None otherwise."""
        try:
            record = json.loads(self.lock.read_text(encoding="utf-8"))
            if record["inputs"] != inputs or not self.path.is_file():
                return None
            return dict(record)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def read(self) -> list[Suggestion] | None:
        return read_suggestion_file(self.path)

    def write(self, inputs: str, suggestions: Sequence[Suggestion], **record: object) -> None:
        atomic_write_lines(self.path, (dumps_line(suggestion_to_dict(s)) for s in suggestions))
        atomic_write_text(
            self.lock, json.dumps({"inputs": inputs, **record}, ensure_ascii=False), cache=True
        )

    def publish(self, target: Path) -> None:
        """Make ``target`` (``.gioia/suggestions.jsonl``, the file scripts read) hold
        these suggestions: a hard link when the file system allows, else a copy."""
        if target.is_file() and self.path.is_file() and os.path.samefile(self.path, target):
            return  # already this cache
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)
        try:
            os.link(self.path, temporary)
        except OSError:
            atomic_write_text(target, self.path.read_text(encoding="utf-8"))
            return
        os.replace(temporary, target)
        # Renaming a link onto another link of the same file does nothing (POSIX), which
        # a concurrent publish can make happen between the check above and here.
        temporary.unlink(missing_ok=True)


def read_suggestion_file(path: Path) -> list[Suggestion] | None:
    """The suggestions in ``path``, or None when it is missing or damaged (a damaged
    cache is rebuilt by the next `gioia suggest`)."""
    if not path.is_file():
        return None
    try:
        return [
            suggestion_from_dict(json.loads(line))
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    except (ValueError, KeyError, TypeError):
        return None
