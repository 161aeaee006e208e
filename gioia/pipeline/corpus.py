"""Transcripts into the corpus: ingest (normalised text, speakers), then parse
(sentences, segments)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from gioia.anonymise import unmatched_problems
from gioia.doccache import (
    DocCache,
    LazyDocs,
    pipeline_fingerprint,
)
from gioia.errors import ConfigError, GioiaError, Location, Problem, TranscriptError
from gioia.fsutil import atomic_write_text
from gioia.ingest import (
    SUPPORTED_SUFFIXES,
    TranscriptCache,
    attribute_speakers,
    find_transcripts,
    read_transcript,
)
from gioia.models import (
    DEFAULT_INTERVIEWER_LABELS,
    Participant,
    Segment,
    Transcript,
)
from gioia.pipeline.loading import Corpus, LoadedStudy, Progress, _no_progress
from gioia.segment import segment_bounds, segment_transcript, segments_at
from gioia.workers import shared_map

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

R = TypeVar("R")

# --------------------------------------------------------------------------- ingest


def ingest(
    loaded: LoadedStudy,
    progress: Progress = _no_progress,
    *,
    strict: bool = True,
    jobs: int = 1,
    meanwhile: Callable[[], object] | None = None,
) -> Corpus:
    """Read every transcript into its normalised text (written to .gioia/text/), in
    ``jobs`` processes, and attribute speakers to participants. Every unreadable file is
    listed in one error; with ``strict=False`` (for `gioia check`) they are returned as
    problems instead, with the transcripts that could be read. With worker processes,
    this one calls ``meanwhile()`` while they read (e.g. to import what the next stage
    needs: issue 17)."""
    settings = loaded.study.settings
    # gioia.yaml adds labels to the defaults: a study naming its interviewer "Dan" still
    # wants "Interviewer" recognised in a transcript that uses it.
    interviewer_labels = tuple(
        dict.fromkeys((*settings.interviewer_labels, *DEFAULT_INTERVIEWER_LABELS))
    )
    folder = loaded.study.paths.transcripts
    if not folder.is_dir():
        raise GioiaError(
            f"no transcripts folder at {folder}",
            hint="put transcripts in transcripts/ or set settings.paths.transcripts",
        )
    found = find_transcripts(folder, within=loaded.study.root)
    if not found:
        raise GioiaError(
            f"no transcripts found in {folder}",
            hint=f"supported: {', '.join(SUPPORTED_SUFFIXES)} files with speaker turns",
        )
    transcripts: list[Transcript] = []
    problems: list[Problem] = []
    cache = TranscriptCache(loaded.study.paths.cache / "transcripts.jsonl")
    participants = loaded.participants or tuple(Participant(tid) for tid, _ in found)
    reading = [
        _Reading(
            path,
            tid,
            path.relative_to(folder).as_posix(),
            settings.encoding_for(path.relative_to(folder).as_posix()),
            interviewer_labels,
            int(settings.limits.transcript_mb * 2**20),
            loaded.study.paths.cache / "text" / f"{tid}.txt",
            loaded.study.root,
        )
        for tid, path in found
    ]
    readings = _read_all(reading, cache, tuple(participants), jobs, meanwhile)
    for done, (transcript, its_problems, entry) in enumerate(readings, start=1):
        problems += _in_folder(its_problems, folder)
        if transcript is None:
            continue
        if entry is not None:  # read in a worker process: its cache entry came back
            cache.keep(transcript.id, entry)
        problems += [
            Problem(w, Location(str(folder / transcript.path)), severity="warning")
            for w in transcript.warnings
        ]
        transcripts.append(transcript)
        progress("ingest", done, len(found))
    cache.save(t.id for t in transcripts)
    if strict and any(p.is_error for p in problems):
        raise ConfigError(problems, message="some transcripts could not be read")
    if not any(p.is_error for p in problems):  # with every transcript read: a name in none
        problems += unmatched_problems(
            settings.anonymise,
            (t.text for t in transcripts),
            lambda name: loaded.study.location("settings", "anonymise", name),
        )
    speaking = {t.participant for tr in transcripts for t in tr.turns if t.participant}
    for p in loaded.participants:
        if p.id not in speaking:
            problems.append(
                Problem(
                    f"participant {p.id} has no talk in any transcript",
                    Location(str(loaded.study.paths.participants)),
                    hint="add their transcript, or set the transcript/speaker column",
                    severity="warning",
                )
            )
    return Corpus(
        tuple(transcripts), tuple(p for p in participants if p.id in speaking), tuple(problems)
    )


@dataclass(frozen=True)
class _Reading:
    """One transcript file to read, and how."""

    path: Path
    transcript_id: str
    rel_path: str
    encoding: str | None
    interviewer_labels: tuple[str, ...]
    max_bytes: int
    text_file: Path  # where the normalised text is kept for people and tools to read
    within: Path  # the study folder: a link out of it is not followed

    def __call__(
        self, cache: TranscriptCache, participants: Sequence[Participant]
    ) -> tuple[Transcript | None, tuple[Problem, ...]]:
        """The transcript, its speakers attributed to ``participants``, with the
        speakers' problems; or None and the problems that stopped its reading."""
        try:
            read = read_transcript(
                self.path,
                transcript_id=self.transcript_id,
                rel_path=self.rel_path,
                encoding=self.encoding,
                interviewer_labels=self.interviewer_labels,
                max_bytes=self.max_bytes,
                cache=cache,
                within=self.within,
            )
        # Returned, not raised: the problems travel back from a worker process whole.
        except TranscriptError as exc:
            return None, exc.problems
        _write_if_changed(self.text_file, read.text)
        transcript, speaker_problems = attribute_speakers(read, participants)
        return transcript, tuple(speaker_problems)


# What every file's reading shares while _read_all runs, inherited by forked workers:
# not fields of _Reading, which is pickled for every file (the cache grows as files are
# read; the participants are the same for all).
_shared: tuple[TranscriptCache, tuple[Participant, ...]] | None = None


def _read_here(reading: _Reading) -> tuple[Transcript | None, tuple[Problem, ...], None]:
    assert _shared is not None, "_read_all sets what readings share"
    return (*reading(*_shared), None)


def _read_in_worker(
    reading: _Reading,
) -> tuple[Transcript | None, tuple[Problem, ...], str | None]:
    """As :func:`_read_here`, with the cache entry the worker made: its cache is its
    own, so the entry is kept by the process that saves the cache."""
    assert _shared is not None, "_read_all sets what readings share"
    cache = _shared[0]
    transcript, problems, _ = _read_here(reading)
    return transcript, problems, None if transcript is None else cache.entry(transcript.id)


def _read_all(
    reading: Sequence[_Reading],
    cache: TranscriptCache,
    participants: tuple[Participant, ...],
    jobs: int,
    meanwhile: Callable[[], object] | None,
) -> Iterator[tuple[Transcript | None, tuple[Problem, ...], str | None]]:
    """Each file read (in ``jobs`` processes), in order, with ``cache``; speakers
    attributed to ``participants``; ``meanwhile()`` called while workers read."""
    global _shared
    _shared = (cache, participants)
    try:
        if jobs > 1 and len(reading) > 1:
            yield from shared_map(
                _read_here, _read_in_worker, reading, jobs, most=16, meanwhile=meanwhile
            )
        else:
            yield from map(_read_here, reading)
    finally:
        _shared = None


def _in_folder(problems: Sequence[Problem], folder: Path) -> list[Problem]:
    """Readers name files relative to the transcripts folder; messages name them from
    where the user stands."""
    return [
        replace(p, location=replace(p.location, file=str(folder / p.location.file)))
        if p.location and not Path(p.location.file).is_absolute()
        else p
        for p in problems
    ]


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        atomic_write_text(path, text, cache=True)


# --------------------------------------------------------------------------- parse + suggest


class Parsed:
    """The corpus cut into segments, and its parsed documents, worked out when first
    asked for: a run whose suggestions are all reused parses nothing, builds no
    pipeline and loads no document. ``parsed_now`` counts the documents this run had
    to parse (not in the cache); it stays 0 until something asks for them."""

    def __init__(
        self,
        loaded: LoadedStudy,
        corpus: Corpus,
        progress: Progress,
        jobs: int,
    ):
        nlp_settings = loaded.study.settings.nlp
        self._settings = nlp_settings
        self._corpus = corpus
        self._transcripts = corpus.by_id()
        self._progress = progress
        self._jobs = jobs
        self._max_words = loaded.study.settings.segmentation.max_words
        self._cache = DocCache(
            loaded.study.paths.cache / "docs",
            pipeline_fingerprint(nlp_settings.lang, nlp_settings.model),
            trained=nlp_settings.model is not None,
        )
        self._texts = {t.id: t.text for t in corpus.transcripts}
        self.parsed_now = 0
        self.docs: Mapping[str, Doc] = LazyDocs(lambda: self.nlp, self._cache, self._texts)

    @functools.cached_property
    def nlp(self) -> Language:
        from gioia.nlp import build_pipeline  # spaCy is imported only when it is used

        return build_pipeline(self._settings.lang, self._settings.model)

    @functools.cached_property
    def segments(self) -> dict[str, tuple[Segment, ...]]:
        """Transcript id → its segments, parsing the transcripts the cache does not hold
        yet (in ``jobs`` processes)."""
        done = 0

        def tick(_: str) -> None:
            nonlocal done
            done += 1
            self._progress("parse", done, len(self._texts))

        cached = {t: self._cache.sentences(text) for t, text in self._texts.items()}
        if all(spans is not None for spans in cached.values()):
            sentences = {t: spans for t, spans in cached.items() if spans is not None}
            self._progress("parse", len(self._texts), len(self._texts))
        else:
            from gioia.nlp import parse_missing  # spaCy, imported only to parse

            sentences, self.parsed_now = parse_missing(
                lambda: self.nlp, self._texts, self._cache, jobs=self._jobs, progress=tick
            )
            self._cache.save(self._texts.values())
        return {t.id: self._segment(t.id, sentences[t.id]) for t in self._corpus.transcripts}

    def each_document(
        self,
        work: Callable[[str, Doc, tuple[Segment, ...]], R],
        *,
        only: Sequence[str] | None = None,
    ) -> Iterator[tuple[str, R]]:
        """``work(id, doc, segments)`` done on every transcript's document (or those
        ``only`` names) while it is at hand: one pass that parses (in ``jobs`` processes)
        or loads each document once, and cuts it into segments. Yields (id, result) in
        corpus order; ``work`` must be a function that another process can run (it is
        inherited when workers fork)."""
        from gioia.nlp import with_documents  # spaCy, imported only to parse or load

        segment = self._segment
        # The segments work_on cut in this process (not in a forked worker), kept so
        # that they are not cut twice; a worker sends back where its segments are.
        cut_here: dict[str, tuple[Segment, ...]] = {}

        def work_on(transcript: str, doc: Doc, spans: list[tuple[int, int]]) -> object:
            cut_here[transcript] = segment(transcript, spans)
            bounds = segment_bounds(cut_here[transcript])
            return work(transcript, doc, cut_here[transcript]), bounds

        texts = self._texts if only is None else {t: self._texts[t] for t in only}
        everything: dict[str, tuple[Segment, ...]] = {}
        parsed_in_pass = 0
        for done, (transcript, _spans, parsed, (result, bounds)) in enumerate(
            with_documents(lambda: self.nlp, texts, self._cache, work_on, jobs=self._jobs),
            start=1,
        ):
            if transcript in cut_here:
                everything[transcript] = cut_here.pop(transcript)
            else:
                everything[transcript] = segments_at(self._transcripts[transcript], bounds)
            self.parsed_now += parsed
            parsed_in_pass += parsed
            self._progress("parse", done, len(texts))
            yield transcript, result
        if len(everything) == len(self._texts):
            self.__dict__.setdefault("segments", everything)
        if parsed_in_pass:
            self._cache.save(self._texts.values())

    def sentences(self, transcript: str) -> list[tuple[int, int]]:
        """The NLP stage's sentence spans of a transcript, from the cache that cutting the
        corpus into segments fills (from its document when the cache was cleared since)."""
        self.segments  # noqa: B018 - parses what the cache does not hold yet
        found = self._cache.sentences(self._texts[transcript])
        if found is None:
            found = [(s.start_char, s.end_char) for s in self.docs[transcript].sents]
        return found

    def _segment(self, transcript: str, spans: list[tuple[int, int]]) -> tuple[Segment, ...]:
        return segment_transcript(self._transcripts[transcript], spans, self._max_words)


def parse(
    loaded: LoadedStudy, corpus: Corpus, progress: Progress = _no_progress, *, jobs: int = 1
) -> Parsed:
    """The corpus, to be parsed (in ``jobs`` processes, only the transcripts the cache
    does not hold) and cut into segments when its segments or documents are first used."""
    return Parsed(loaded, corpus, progress, jobs)
