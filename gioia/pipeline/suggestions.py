"""Suggestions made and cached, and batch acceptance (`gioia accept`)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gioia import __version__
from gioia.doccache import TokenTable, pipeline_fingerprint
from gioia.fsutil import atomic_write_lines, atomic_write_text
from gioia.journal import (
    append_coding,
    journal_path,
    lock,
    now_utc,
    place_codings,
    read_journals,
)
from gioia.models import (
    Coding,
    Hit,
    Segment,
    Suggestion,
    Transcript,
    text_hash,
)
from gioia.pipeline.corpus import Parsed
from gioia.pipeline.loading import Corpus, LoadedStudy, Progress, _no_progress
from gioia.serialise import (
    dumps_line,
    matches_from_dict,
    matches_to_dict,
    suggestion_from_dict,
    suggestion_to_dict,
)
from gioia.study import Study

if TYPE_CHECKING:
    from spacy.tokens import Doc


def suggest(
    loaded: LoadedStudy, corpus: Corpus, parsed: Parsed, progress: Progress = _no_progress
) -> list[Suggestion]:
    """Suggestions for every segment, written to .gioia/suggestions.jsonl (never to a journal):
    keyword and pattern matches, vector similarity when the pipeline has vectors, and
    exemplars learnt from the counted coders' decisions so far. When nothing they depend
    on changed since the last run, that run's suggestions are reused."""
    inputs = _suggestion_inputs(loaded, corpus)
    if _read_lock(loaded.study, inputs) is not None:
        previous = read_suggestions(loaded.study)
        if previous is not None:
            progress("suggest", len(corpus.transcripts), len(corpus.transcripts))
            return previous
    suggestions = _make_suggestions(loaded, corpus, parsed, progress)
    atomic_write_lines(
        suggestions_path(loaded.study),
        (dumps_line(suggestion_to_dict(s)) for s in suggestions),
    )
    counts = {concept.id: 0 for concept in loaded.codebook.concepts}
    for made in suggestions:
        counts[made.concept] += 1
    lock = {"inputs": inputs, "by_concept": counts}
    atomic_write_text(_lock_path(loaded.study), json.dumps(lock, ensure_ascii=False))
    return suggestions


def count_suggestions(
    loaded: LoadedStudy, corpus: Corpus, parsed: Parsed, progress: Progress = _no_progress
) -> dict[str, int]:
    """How many suggestions each concept of the codebook has, as :func:`suggest` makes
    them; when nothing they depend on changed, read from the record the last run left,
    without reading (or making) a single suggestion."""
    counts = _read_lock(loaded.study, _suggestion_inputs(loaded, corpus))
    concepts = {concept.id for concept in loaded.codebook.concepts}
    if (
        counts is not None
        and counts.keys() == concepts
        and suggestions_path(loaded.study).is_file()
    ):
        progress("suggest", len(corpus.transcripts), len(corpus.transcripts))
        return counts
    counts = {concept.id: 0 for concept in loaded.codebook.concepts}
    for made in suggest(loaded, corpus, parsed, progress):
        counts[made.concept] += 1
    return counts


def _lock_path(study: Study) -> Path:
    return suggestions_path(study).with_suffix(".lock")


def _read_lock(study: Study, inputs: str) -> dict[str, int] | None:
    """The suggestions by concept that the last run recorded, when it made them from
    ``inputs``; None when it made them from anything else (or left no readable record)."""
    try:
        lock = json.loads(_lock_path(study).read_text(encoding="utf-8"))
        if lock["inputs"] != inputs:
            return None
        return {str(concept): int(n) for concept, n in lock["by_concept"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _suggestion_inputs(loaded: LoadedStudy, corpus: Corpus) -> str:
    """A hash of everything suggestions depend on: gioia and the NLP pipeline, the
    codebook, the settings, every transcript's text and speakers, and the journals
    (exemplars learn from decisions)."""
    settings = loaded.study.settings
    digest = hashlib.sha256()
    for part in (
        __version__,
        pipeline_fingerprint(settings.nlp.lang, settings.nlp.model),
        settings.model_dump_json(include={"nlp", "segmentation", "coders"}),
        loaded.study.paths.codebook.read_bytes().hex(),
    ):
        digest.update(part.encode("utf-8") + b"\0")
    for transcript in corpus.transcripts:
        speakers = [(t.start, t.participant) for t in transcript.turns]
        digest.update(f"{transcript.id}\0{text_hash(transcript.text)}\0{speakers}".encode())
    codings = loaded.study.paths.codings
    for path in sorted(codings.glob("*.jsonl")) if codings.is_dir() else ():
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _make_suggestions(
    loaded: LoadedStudy, corpus: Corpus, parsed: Parsed, progress: Progress
) -> list[Suggestion]:
    # The stages that make suggestions import spaCy: only a run that makes them pays the
    # second it takes, and a run that reuses them starts at once.
    from gioia.learning import learn_from_decisions
    from gioia.similarity import CorpusStats, lemma_frequency, suggest_exemplars
    from gioia.suggest import ConceptMatcher, find_hits, suggest_by_vectors, weigh_hits

    matcher = ConceptMatcher(parsed.nlp, loaded.codebook, str(loaded.study.paths.codebook))

    cache = _MatchCache(loaded)
    by_id = corpus.by_id()

    def match_and_count(
        transcript_id: str, doc: Doc, segments: tuple[Segment, ...]
    ) -> tuple[list[Hit], Counter[str]]:
        found = find_hits(doc, segments, matcher)
        lemma_counts = lemma_frequency(TokenTable.of_doc(doc), segments)
        cache.put(by_id[transcript_id], found, lemma_counts)  # in the worker, in parallel
        return found, lemma_counts

    # One pass over the documents (in parallel with --jobs): each is parsed or loaded
    # once, matched, and counted for corpus statistics; the matches are weighed when the
    # statistics are complete. A transcript matched before against the same codebook is
    # not read at all: its matches and counts come from the match cache.
    hits: dict[str, list[Hit]] = {}
    frequency: Counter[str] = Counter()
    for transcript in corpus.transcripts:
        cached = cache.get(transcript)
        if cached is not None:
            hits[transcript.id], lemma_counts = cached
            frequency.update(lemma_counts)
    missing = [t.id for t in corpus.transcripts if t.id not in hits]
    for transcript_id, (found_hits, lemma_counts) in parsed.each_document(
        match_and_count, only=missing
    ):
        hits[transcript_id] = found_hits
        frequency.update(lemma_counts)
    segments = sum(len(s) for s in parsed.segments.values())
    stats = CorpusStats(segments, dict(frequency))
    suggestions: list[Suggestion] = []
    for transcript in corpus.transcripts:
        suggestions += weigh_hits(transcript.id, hits[transcript.id], stats)
    progress("suggest", len(corpus.transcripts), len(corpus.transcripts))
    found = {(s.transcript, s.start, s.end, s.concept) for s in suggestions}
    suggestions += suggest_by_vectors(
        parsed.nlp, loaded.codebook, parsed.docs, parsed.segments, found
    )
    journals = read_journals(loaded.study.paths.codings, loaded.study.settings.coders)
    accepted, decisions, _ = place_codings(journals, by_id, loaded.codebook)
    found = {(s.transcript, s.start, s.end, s.concept) for s in suggestions}
    suggestions += suggest_exemplars(
        parsed.nlp,
        loaded.codebook,
        parsed.docs,
        parsed.segments,
        stats,
        accepted,
        decisions,
        found,
    )
    # Last, so that every method's suggestions answer for the terms the coders rejected.
    suggestions = learn_from_decisions(suggestions, accepted, decisions)
    suggestions.sort(key=lambda s: (s.transcript, s.start, s.end, s.concept))
    return suggestions


class _MatchCache:
    """Each transcript's keyword and pattern matches (before corpus statistics weigh
    them) and lemma counts, kept in ``.gioia/matches/`` under a hash of everything they
    depend on: gioia, the pipeline, the codebook, segmentation, and the transcript's text
    and turns. Editing one transcript re-reads that one only. Safe to delete."""

    def __init__(self, loaded: LoadedStudy):
        settings = loaded.study.settings
        self.folder = loaded.study.paths.cache / "matches"
        digest = hashlib.sha256()
        for part in (
            __version__,
            pipeline_fingerprint(settings.nlp.lang, settings.nlp.model),
            settings.model_dump_json(include={"nlp", "segmentation"}),
        ):
            digest.update(part.encode("utf-8") + b"\0")
        digest.update(loaded.study.paths.codebook.read_bytes())
        self._fingerprint = digest.digest()

    def _path(self, transcript: Transcript) -> Path:
        digest = hashlib.sha256(self._fingerprint)
        turns = [(t.start, t.end, t.is_interviewer) for t in transcript.turns]
        digest.update(json.dumps(turns).encode() + b"\0" + transcript.text.encode("utf-8"))
        return self.folder / f"{digest.hexdigest()[:32]}.json"

    def get(self, transcript: Transcript) -> tuple[list[Hit], dict[str, int]] | None:
        try:
            return matches_from_dict(json.loads(self._path(transcript).read_text("utf-8")))
        # Missing or damaged: the transcript is matched again.
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, transcript: Transcript, hits: Sequence[Hit], lemmas: Counter[str]) -> None:
        data = json.dumps(matches_to_dict(hits, lemmas), ensure_ascii=False)
        atomic_write_text(self._path(transcript), data, cache=True)


def suggestions_path(study: Study) -> Path:
    return study.paths.cache / "suggestions.jsonl"


def read_suggestions(study: Study) -> list[Suggestion] | None:
    """The suggestions of the last ``gioia suggest``, or None when there are none yet."""
    path = suggestions_path(study)
    if not path.is_file():
        return None
    try:
        return [
            suggestion_from_dict(json.loads(line))
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
    except (ValueError, KeyError, TypeError):
        return None  # a damaged cache is rebuilt by the next `gioia suggest`


# --------------------------------------------------------------------------- accept


@dataclass(frozen=True)
class AcceptResult:
    coder: str
    journal: Path
    accepted: int
    already_decided: int
    below_score: int


def accept(
    loaded: LoadedStudy,
    corpus: Corpus,
    suggestions: Sequence[Suggestion],
    *,
    coder: str,
    min_score: float,
) -> AcceptResult:
    """Accept every suggestion scoring at least ``min_score`` that ``coder`` has not
    decided yet, recorded as ``source: auto``. Decisions already made are never touched."""
    path = journal_path(loaded.study.paths.codings, coder)
    # One lock for the check and the appends: no other process decides in between.
    with lock(path):
        journals = read_journals(loaded.study.paths.codings, [coder])
        decided = {c.key for j in journals for c in j.codings}
        texts = {t.id: t.text for t in corpus.transcripts}
        accepted = already = below = 0
        for s in suggestions:
            if s.score < min_score:
                below += 1
                continue
            if (s.transcript, s.start, s.end, s.concept) in decided:
                already += 1
                continue
            append_coding(
                path,
                Coding(
                    transcript=s.transcript,
                    start=s.start,
                    end=s.end,
                    concept=s.concept,
                    decision="accept",
                    coder=coder,
                    source="auto",
                    quote=texts[s.transcript][s.start : s.end],
                    at=now_utc(),
                    score=s.score,
                ),
            )
            accepted += 1
    return AcceptResult(coder, path, accepted, already, below)
