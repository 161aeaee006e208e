"""`gioia read`: one transcript, the coder's codings and pending suggestions on it, and a
session that records codings through the journal functions `gioia code` uses."""

from __future__ import annotations

from dataclasses import replace

from gioia.journal import now_utc, place_codings, read_journals
from gioia.models import Coding
from gioia.pipeline.coding import (
    _lookup,
    check_codable,
    record_once,
)
from gioia.pipeline.corpus import ingest, parse
from gioia.pipeline.loading import LoadedStudy, Progress, _no_progress
from gioia.pipeline.suggestions import learner_for, suggest_for
from gioia.reading import ReadingSession
from gioia.review_queue import covered_keys, decided_keys

__all__ = ["reading_session"]


def reading_session(
    loaded: LoadedStudy,
    *,
    transcript: str,
    coder: str,
    progress: Progress = _no_progress,
) -> ReadingSession:
    """A reading session of ``transcript`` for ``coder``: the coder's standing decisions
    on it, and the suggestions for it (the coder's own, as review offers them) that the
    coder has not decided. An unknown transcript is a GioiaError with "did you mean"."""
    corpus = ingest(loaded, progress)
    by_id = corpus.by_id()
    source = _lookup("transcript", transcript, by_id)
    parsed = parse(loaded, corpus, progress)
    suggested = suggest_for(
        loaded, corpus, parsed, progress, learner=learner_for(loaded, coder, None)
    )
    journals = read_journals(loaded.study.paths.codings, [coder])
    _, placed, _ = place_codings(journals, by_id, loaded.codebook)
    segments = parsed.segments[transcript]
    decided = decided_keys(placed, coder) | covered_keys(placed, coder, segments)
    pending = [
        s
        for s in suggested.suggestions
        if s.transcript == transcript and (s.transcript, s.start, s.end, s.concept) not in decided
    ]
    # The latest line per span and concept, placed (a hand-written -1 span by its quote).
    standing = {}
    for p in placed:
        if p.coding.transcript == transcript:
            standing[(p.start, p.end, p.concept)] = replace(
                p.coding, start=p.start, end=p.end, concept=p.concept
            )

    def record(coding: Coding) -> bool:
        check_codable(loaded, source, coding.start, coding.end)
        return record_once(loaded, by_id, coding)

    return ReadingSession(
        source,
        parsed.sentences(transcript),
        loaded.codebook,
        coder,
        record,
        now_utc,
        codings=list(standing.values()),
        suggestions=pending,
    )
