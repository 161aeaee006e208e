"""The order of the stages, and the only module that knows it.

Each public function here is what one command does, as a plain function that returns
data: the CLI renders it. Stages never import each other; this module passes their
outputs along: study → ingest → parse → segment → suggest → journal → structure → report.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import string
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from spacy.language import Language
from spacy.tokens import Doc

from gioia import __version__
from gioia.agreement import AgreementResult, CoderCodings
from gioia.agreement import agreement as compute_agreement
from gioia.codebook import load_codebook
from gioia.discover import concept_stubs, discover_candidates, load_general_frequencies
from gioia.errors import ConfigError, GioiaError, Location, Problem, TranscriptError
from gioia.fsutil import atomic_write_bytes, atomic_write_text
from gioia.ingest import (
    SUPPORTED_SUFFIXES,
    attribute_speakers,
    find_transcripts,
    read_transcript,
)
from gioia.interchange import (
    ImportResult,
    build_csv,
    build_qdc,
    build_qdpx,
    import_qdc,
    import_qdpx,
)
from gioia.journal import (
    append_coding,
    journal_path,
    locate_quote,
    now_utc,
    place_codings,
    read_journals,
)
from gioia.models import (
    DEFAULT_INTERVIEWER_LABELS,
    Codebook,
    Coding,
    Concept,
    Node,
    Orphan,
    Participant,
    PlacedCoding,
    Segment,
    Suggestion,
    Transcript,
    text_hash,
)
from gioia.nlp import (
    DocCache,
    LazyDocs,
    build_pipeline,
    describe_pipeline,
    parse_missing,
    pipeline_fingerprint,
)
from gioia.report import (
    build_results,
    node_summary,
    reportable_attributes,
    srqr_status,
    transcript_summary,
    write_report,
)
from gioia.review import ReviewSession, decided_keys, pending_items
from gioia.saturation import saturation as compute_saturation
from gioia.segment import segment_transcript
from gioia.serialise import dumps_line, suggestion_from_dict, suggestion_to_dict
from gioia.similarity import CorpusStats, suggest_exemplars
from gioia.structure import build_nodes, representative_quotes
from gioia.study import Study, load_participants, open_study
from gioia.suggest import ConceptMatcher, suggest_by_vectors, suggest_for_transcript

__all__ = [
    "AcceptResult",
    "Analysis",
    "Corpus",
    "LoadedStudy",
    "Progress",
    "accept",
    "agreement_analysis",
    "analyse",
    "audit_log",
    "check",
    "code",
    "discover",
    "export",
    "failed_gates",
    "import_file",
    "ingest",
    "load_study",
    "node_summary",
    "report",
    "review_session",
    "run",
    "saturation_analysis",
    "suggest",
    "transcript_summary",
]

T = TypeVar("T")

# Called as progress(stage, done, total) while a stage works through transcripts.
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class LoadedStudy:
    """A study whose configuration files all validated."""

    study: Study
    codebook: Codebook
    participants: tuple[Participant, ...]  # participants.csv rows; () if there is none
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class Corpus:
    transcripts: tuple[Transcript, ...]
    participants: tuple[Participant, ...]  # those with talk in the corpus, in study order
    problems: tuple[Problem, ...]  # warnings; errors too when ingested with strict=False

    def by_id(self) -> dict[str, Transcript]:
        return {t.id: t for t in self.transcripts}


def load_study(root: Path, *, out: Path | None = None) -> LoadedStudy:
    """Open a study and validate gioia.yaml, codebook.yaml and participants.csv together,
    so one run lists every configuration problem. ``out`` moves everything gioia writes
    (the report and the .gioia cache) elsewhere, for a study that is read-only."""
    study, warnings = open_study(root)
    if out is not None:
        study = replace(
            study, paths=replace(study.paths, report=out.resolve(), cache=out.resolve() / ".gioia")
        )
    problems: list[Problem] = list(warnings)
    codebook = None
    participants: tuple[Participant, ...] = ()
    try:
        codebook, codebook_warnings = load_codebook(study.paths.codebook)
        problems += codebook_warnings
    except ConfigError as exc:
        problems += exc.problems
    try:
        participants, participant_warnings = load_participants(study.paths.participants)
        problems += participant_warnings
    except ConfigError as exc:
        problems += exc.problems
    problems += _attribution_problems(study, participants)
    if codebook is None or any(p.is_error for p in problems):
        raise ConfigError(problems)
    return LoadedStudy(study, codebook, participants, tuple(problems))


def _attribution_problems(study: Study, participants: Sequence[Participant]) -> list[Problem]:
    """Fields of the attribution template must be columns of participants.csv, and are
    only filled in when reportable (DESIGN §4)."""
    template = study.settings.attribution
    where = study.location("settings", "attribution")
    columns = {k for p in participants for k in p.attributes}
    allowed = reportable_attributes(study.settings.reportable, participants)
    problems = []
    for _, name, _, _ in string.Formatter().parse(template):
        if not name or name == "id":
            continue
        if participants and name not in columns:
            problems.append(
                Problem(
                    f"attribution template {template!r} names {{{name}}}, "
                    "which is not a column of participants.csv",
                    where,
                    hint="use {id} or a participants.csv column",
                )
            )
        elif name not in allowed:
            problems.append(
                Problem(
                    f"attribution field {{{name}}} is not reportable: quotes will leave it out",
                    where,
                    hint=f"add {name} to settings.reportable if it may appear in reports",
                    severity="warning",
                )
            )
    return problems


# --------------------------------------------------------------------------- ingest


def ingest(
    loaded: LoadedStudy, progress: Progress = _no_progress, *, strict: bool = True
) -> Corpus:
    """Read every transcript into its normalised text (written to .gioia/text/), and
    attribute speakers to participants. Every unreadable file is listed in one error;
    with ``strict=False`` (for `gioia check`) they are returned as problems instead,
    with the transcripts that could be read."""
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
    found = find_transcripts(folder)
    if not found:
        raise GioiaError(
            f"no transcripts found in {folder}",
            hint=f"supported: {', '.join(SUPPORTED_SUFFIXES)} files with speaker turns",
        )
    transcripts: list[Transcript] = []
    problems: list[Problem] = []
    participants = loaded.participants or tuple(Participant(tid) for tid, _ in found)
    for done, (tid, path) in enumerate(found, start=1):
        rel = path.relative_to(folder).as_posix()
        try:
            transcript = read_transcript(
                path,
                transcript_id=tid,
                rel_path=rel,
                encoding=settings.encoding.get(rel) or settings.encoding.get(path.name),
                interviewer_labels=interviewer_labels,
            )
        except TranscriptError as exc:
            problems += _in_folder(exc.problems, folder)
            continue
        transcript, speaker_problems = attribute_speakers(transcript, participants)
        problems += _in_folder(speaker_problems, folder)
        problems += [
            Problem(w, Location(str(path)), severity="warning") for w in transcript.warnings
        ]
        transcripts.append(transcript)
        progress("ingest", done, len(found))
    if strict and any(p.is_error for p in problems):
        raise ConfigError(problems, message="some transcripts could not be read")
    text_dir = loaded.study.paths.cache / "text"
    for transcript in transcripts:
        _write_if_changed(text_dir / f"{transcript.id}.txt", transcript.text)
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
        atomic_write_text(path, text)


# --------------------------------------------------------------------------- parse + suggest


@dataclass(frozen=True)
class Parsed:
    nlp: Language
    docs: Mapping[str, Doc]  # loaded from the cache on access, one at a time
    segments: dict[str, tuple[Segment, ...]]
    parsed_now: int  # documents that were not in the cache


def parse(
    loaded: LoadedStudy, corpus: Corpus, progress: Progress = _no_progress, *, jobs: int = 1
) -> Parsed:
    """Parse the transcripts the cache does not hold yet (in ``jobs`` processes) and cut
    every transcript into segments."""
    nlp_settings = loaded.study.settings.nlp
    nlp = build_pipeline(nlp_settings.lang, nlp_settings.model)
    cache = DocCache(
        loaded.study.paths.cache / "docs",
        pipeline_fingerprint(nlp_settings.lang, nlp_settings.model),
    )
    texts = {t.id: t.text for t in corpus.transcripts}
    done = 0

    def tick(_: str) -> None:
        nonlocal done
        done += 1
        progress("parse", done, len(texts))

    sentences, parsed_now = parse_missing(nlp, texts, cache, jobs=jobs, progress=tick)
    max_words = loaded.study.settings.segmentation.max_words
    segments = {t.id: segment_transcript(t, sentences[t.id], max_words) for t in corpus.transcripts}
    return Parsed(nlp, LazyDocs(nlp, cache, texts), segments, parsed_now)


def suggest(
    loaded: LoadedStudy, corpus: Corpus, parsed: Parsed, progress: Progress = _no_progress
) -> list[Suggestion]:
    """Suggestions for every segment, written to .gioia/suggestions.jsonl (never to a journal):
    keyword and pattern matches, vector similarity when the pipeline has vectors, and
    exemplars learnt from the counted coders' decisions so far. When nothing they depend
    on changed since the last run, that run's suggestions are reused."""
    inputs = _suggestion_inputs(loaded, corpus)
    lock = suggestions_path(loaded.study).with_suffix(".lock")
    if lock.is_file() and lock.read_text(encoding="utf-8") == inputs:
        previous = read_suggestions(loaded.study)
        if previous is not None:
            progress("suggest", len(corpus.transcripts), len(corpus.transcripts))
            return previous
    suggestions = _make_suggestions(loaded, corpus, parsed, progress)
    atomic_write_text(
        suggestions_path(loaded.study),
        "".join(dumps_line(suggestion_to_dict(s)) for s in suggestions),
    )
    atomic_write_text(lock, inputs)
    return suggestions


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
    matcher = ConceptMatcher(parsed.nlp, loaded.codebook, str(loaded.study.paths.codebook))
    stats = CorpusStats.of_segments(parsed.docs, parsed.segments)
    suggestions: list[Suggestion] = []
    for done, transcript in enumerate(corpus.transcripts, start=1):
        suggestions += suggest_for_transcript(
            parsed.docs[transcript.id], parsed.segments[transcript.id], matcher, stats
        )
        progress("suggest", done, len(corpus.transcripts))
    found = {(s.transcript, s.start, s.end, s.concept) for s in suggestions}
    suggestions += suggest_by_vectors(
        parsed.nlp, loaded.codebook, parsed.docs, parsed.segments, found
    )
    journals = read_journals(loaded.study.paths.codings, loaded.study.settings.coders)
    accepted, decisions, _ = place_codings(journals, corpus.by_id(), loaded.codebook)
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
    suggestions.sort(key=lambda s: (s.transcript, s.start, s.end, s.concept))
    return suggestions


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


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class Analysis:
    nodes: list[Node]
    counted: list[PlacedCoding]
    decisions: list[PlacedCoding]  # every placed journal line of the counted coders
    orphans: list[Orphan]
    coders: list[str]
    warnings: list[Problem] = field(default_factory=list)


def analyse(loaded: LoadedStudy, corpus: Corpus) -> Analysis:
    """Place the counted coders' decisions in the corpus and count the data structure."""
    journals = read_journals(loaded.study.paths.codings, loaded.study.settings.coders)
    counted, decisions, orphans = place_codings(journals, corpus.by_id(), loaded.codebook)
    nodes = build_nodes(loaded.codebook, counted, [p.id for p in corpus.participants])
    warnings = [p for j in journals for p in j.problems]
    warnings += [_orphan_problem(loaded, o) for o in orphans]
    return Analysis(nodes, counted, decisions, orphans, [j.coder for j in journals], warnings)


def _orphan_problem(loaded: LoadedStudy, orphan: Orphan) -> Problem:
    coding = orphan.coding
    if orphan.reason.startswith("unknown concept"):
        hint = (
            f"if {coding.concept!r} was renamed, add it to the new concept's aliases: in "
            "codebook.yaml; if it was removed, the decision stays in the journal unused"
        )
    elif orphan.reason.startswith("no transcript"):
        hint = "restore the transcript, or leave the decision: it is kept, not counted"
    else:
        hint = (
            "the transcript changed where this was coded; record the coding again on the "
            "current text (gioia code) — the old line stays in the journal"
        )
    return Problem(
        f"orphaned {coding.decision} of {coding.concept!r} in {coding.transcript}: {orphan.reason}",
        Location(str(journal_path(loaded.study.paths.codings, coding.coder)), orphan.line),
        hint=hint,
        severity="warning",
    )


# --------------------------------------------------------------------------- commands


# The journal `gioia run` auto-accepts into; never counted as a human coder in agreement.
AUTO_CODER = "auto"


@dataclass(frozen=True)
class ReportResult:
    paths: list[Path]
    results: dict
    warnings: list[Problem]


def report(
    loaded: LoadedStudy, progress: Progress = _no_progress, *, jobs: int = 1
) -> ReportResult:
    """Render the report from the counted codings (suggestions are not re-made)."""
    corpus = ingest(loaded, progress)
    parsed = parse(loaded, corpus, progress, jobs=jobs)
    return _write_report(loaded, corpus, parsed, read_suggestions(loaded.study))


def _write_report(
    loaded: LoadedStudy, corpus: Corpus, parsed: Parsed, suggestions: list[Suggestion] | None
) -> ReportResult:
    analysis = analyse(loaded, corpus)
    nlp_settings = loaded.study.settings.nlp
    saturation = saturation_analysis(loaded, corpus, analysis) if corpus.transcripts else None
    human_coders = [c for c in analysis.coders if c != AUTO_CODER]
    agreement = (
        agreement_analysis(loaded, corpus, parsed, human_coders).to_dict()
        if len(human_coders) >= 2
        else None
    )
    data = build_results(
        study=loaded.study,
        codebook=loaded.codebook,
        transcripts=corpus.transcripts,
        participants=corpus.participants,
        nodes=analysis.nodes,
        counted=analysis.counted,
        orphans=analysis.orphans,
        coders=analysis.coders,
        quotes=representative_quotes(analysis.counted),
        suggestions=suggestions,
        segment_count=sum(len(s) for s in parsed.segments.values()),
        decisions=analysis.decisions,
        pending=_pending(suggestions, analysis),
        pipeline=describe_pipeline(nlp_settings.lang, nlp_settings.model),
        saturation=saturation,
        agreement=agreement,
    )
    paths = write_report(loaded.study.paths.report, data)
    return ReportResult(paths, data, [*corpus.problems, *analysis.warnings])


def _pending(suggestions: Sequence[Suggestion] | None, analysis: Analysis) -> int | None:
    """Suggestions no counted coder has decided yet (None before any `gioia suggest`)."""
    if suggestions is None:
        return None
    decided = set().union(*(decided_keys(analysis.decisions, c) for c in analysis.coders))
    return sum(1 for s in suggestions if (s.transcript, s.start, s.end, s.concept) not in decided)


@dataclass(frozen=True)
class RunResult:
    suggestions: int
    parsed_now: int
    accepted: AcceptResult | None
    report: ReportResult
    failed_gates: list[str]  # why each quality gate of gioia.yaml failed


def run(loaded: LoadedStudy, progress: Progress = _no_progress, *, jobs: int = 1) -> RunResult:
    """The whole pipeline for CI: ingest → suggest → accept (only when gioia.yaml sets
    ``suggest.auto_accept_min_score``) → report. Deterministic for the same inputs."""
    corpus = ingest(loaded, progress)
    parsed = parse(loaded, corpus, progress, jobs=jobs)
    made = suggest(loaded, corpus, parsed, progress)
    accepted = None
    min_score = loaded.study.settings.suggest.auto_accept_min_score
    if min_score is not None:
        accepted = accept(loaded, corpus, made, coder=AUTO_CODER, min_score=min_score)
    written = _write_report(loaded, corpus, parsed, made)
    return RunResult(
        len(made), parsed.parsed_now, accepted, written, failed_gates(loaded, written.results)
    )


def failed_gates(loaded: LoadedStudy, results: Mapping) -> list[str]:
    """The quality gates of gioia.yaml (``settings.gates``) that the results fail, each
    with the reason; empty when all pass."""
    gates = loaded.study.settings.gates
    failed = []
    saturation = results.get("saturation")
    if gates.saturation_required and (not saturation or saturation["guest"]["point"] is None):
        reason = saturation["guest"]["reason"] if saturation else "no interviews"
        failed.append(f"saturation required but not reached: {reason}")
    if gates.min_alpha is not None:
        agreement = results.get("agreement")
        alpha = agreement["pooled"]["alpha"] if agreement else None
        if agreement is None:
            failed.append(
                f"agreement of alpha >= {gates.min_alpha} required, but fewer than two "
                "coders have journals"
            )
        elif alpha is None or alpha < gates.min_alpha:
            shown = "undefined" if alpha is None else f"{alpha:.3f}"
            failed.append(f"Krippendorff's alpha {shown} is below the gate {gates.min_alpha}")
    return failed


@dataclass(frozen=True)
class CheckResult:
    problems: list[Problem]
    transcripts: list[dict] = field(default_factory=list)  # transcript_summary of each
    codings: int = 0
    srqr: list[dict] = field(default_factory=list)  # each SRQR item's status

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def check(root: Path) -> CheckResult:
    """Validate everything and list *all* problems: configuration, transcripts (and the
    speakers taken as interviewer in each), journals, and decisions that cannot be placed."""
    try:
        loaded = load_study(root)
    except ConfigError as exc:
        return CheckResult(list(exc.problems))
    problems = list(loaded.warnings)
    try:
        corpus = ingest(loaded, strict=False)
    except GioiaError as exc:
        return CheckResult(problems + list(exc.problems))
    problems += corpus.problems
    summaries = [transcript_summary(t) for t in corpus.transcripts]
    if any(p.is_error for p in corpus.problems):
        # Decisions about unreadable transcripts cannot be placed; check the journals'
        # lines only, so the list of problems is still complete.
        try:
            problems += [p for j in read_journals(loaded.study.paths.codings) for p in j.problems]
        except GioiaError as exc:
            problems += exc.problems
        return CheckResult(problems, summaries)
    try:
        analysis = analyse(loaded, corpus)
    except GioiaError as exc:
        return CheckResult(problems + list(exc.problems), summaries)
    srqr = srqr_status(
        loaded.study.metadata,
        has_codings=bool(analysis.counted),
        has_participants=bool(corpus.participants),
    )
    return CheckResult(problems + analysis.warnings, summaries, len(analysis.counted), srqr)


# --------------------------------------------------------------------------- review, code, log


def review_session(
    loaded: LoadedStudy,
    *,
    coder: str,
    transcript: str | None = None,
    concept: str | None = None,
    theme: str | None = None,
    min_score: float | None = None,
    order: str = "position",
    progress: Progress = _no_progress,
) -> ReviewSession:
    """The coder's pending suggestions, made afresh from the current transcripts and
    codebook, filtered and ordered, ready for :func:`gioia.review.run_review`."""
    path = journal_path(loaded.study.paths.codings, coder)
    corpus = ingest(loaded, progress)
    parsed = parse(loaded, corpus, progress)
    made = suggest(loaded, corpus, parsed, progress)
    by_id = corpus.by_id()
    if transcript is not None:
        _lookup("transcript", transcript, by_id)
    if concept is not None:
        concept = _lookup("concept", concept, _concepts_by_name(loaded.codebook)).id
    if theme is not None:
        _lookup("theme", theme, {t.id: t for t in loaded.codebook.themes})
    journals = read_journals(loaded.study.paths.codings, [coder])
    _, placed, _ = place_codings(journals, by_id, loaded.codebook)
    decided = decided_keys(placed, coder)
    items = pending_items(
        made,
        decided,
        by_id,
        loaded.codebook,
        transcript=transcript,
        concept=concept,
        theme=theme,
        min_score=min_score,
        order=order,
    )
    already = Counter(
        s.transcript for s in made if (s.transcript, s.start, s.end, s.concept) in decided
    )
    return ReviewSession(items, path, coder, loaded.codebook, decided_before=already)


def _lookup(what: str, value: str, known: Mapping[str, T]) -> T:
    """``known[value]``, or an error that suggests the closest known name."""
    if value in known:
        return known[value]
    close = difflib.get_close_matches(value, list(known), n=1)
    raise GioiaError(
        f"no {what} {value!r} in this study",
        hint=f"did you mean {close[0]!r}?" if close else f"known: {', '.join(list(known)[:8])}",
    )


def _concepts_by_name(codebook: Codebook) -> dict[str, Concept]:
    """Concepts by id and by former id (aliases)."""
    named = {alias: c for c in codebook.concepts for alias in c.aliases}
    return named | {c.id: c for c in codebook.concepts}


def code(
    loaded: LoadedStudy,
    *,
    coder: str,
    transcript: str,
    quote: str,
    concept: str,
    memo: str = "",
    power: bool = False,
) -> Coding:
    """Record a human coding of talk no suggestion found: the quote is located in the
    transcript's normalised text, exactly or ignoring whitespace, and must be unique."""
    corpus = ingest(loaded)
    by_id = corpus.by_id()
    source = _lookup("transcript", transcript, by_id)
    found = _lookup("concept", concept, _concepts_by_name(loaded.codebook))
    span = locate_quote(source.text, quote)
    text_file = loaded.study.paths.cache / "text" / f"{transcript}.txt"
    if isinstance(span, str):
        more = (
            "quote more of the sentence so that it is unique"
            if "times" in span
            else (f"copy the quote from {text_file}, where the transcript's normalised text is")
        )
        raise GioiaError(f"{transcript}: {span}", hint=more)
    start, end = span
    turn = source.turn_at(start)
    if turn is None or end > turn.end:
        raise GioiaError(
            f"{transcript}: the quote runs across speaker turns",
            hint="code each turn's part separately",
        )
    if turn.is_interviewer or turn.participant is None:
        raise GioiaError(
            f"{transcript}: the quote is {turn.speaker}'s talk, which is not coded",
            hint="code a participant's words; interviewer turns are kept for context only",
        )
    coding = Coding(
        transcript=transcript,
        start=start,
        end=end,
        concept=found.id,
        decision="accept",
        coder=coder,
        source="human",
        quote=source.text[start:end],
        at=now_utc(),
        memo=memo,
        flags=("power",) if power else (),
    )
    append_coding(journal_path(loaded.study.paths.codings, coder), coding)
    return coding


# How `gioia log` groups the sources of decisions.
SOURCE_GROUPS = {
    "keyword": "suggestion",
    "pattern": "suggestion",
    "similarity": "suggestion",
    "exemplar": "suggestion",
    "auto": "auto",
    "human": "manual",
    "import": "import",
}


def audit_log(loaded: LoadedStudy) -> list[dict]:
    """The audit trail per coder: decisions by kind, by source, and by day."""
    trail = []
    for journal in read_journals(loaded.study.paths.codings):
        kinds: Counter[str] = Counter()
        sources: Counter[str] = Counter()
        days: Counter[str] = Counter()
        for coding in journal.codings:
            kind = "undo" if "undo" in coding.flags else coding.decision
            kinds[kind] += 1
            sources[f"{SOURCE_GROUPS[coding.source]}:{kind}"] += 1
            days[coding.at[:10]] += 1
        trail.append(
            {
                "coder": journal.coder,
                "journal": str(journal.path),
                "decisions": len(journal.codings),
                "by_decision": dict(sorted(kinds.items())),
                "by_source": dict(sorted(sources.items())),
                "by_day": dict(sorted(days.items())),
                "first": min((c.at for c in journal.codings), default=None),
                "last": max((c.at for c in journal.codings), default=None),
                "problems": [str(p) for p in journal.problems],
            }
        )
    return trail


# --------------------------------------------------------------------------- saturation, agreement


def interview_order(loaded: LoadedStudy, corpus: Corpus, order: str | Sequence[str]) -> list[str]:
    """Transcript ids in analysis order: "files", "participants" (participants.csv row
    order), a participants.csv column (sorted by its values, numbers as numbers, so an
    ISO date column gives interview order), or an explicit list of transcript ids."""
    files = [t.id for t in corpus.transcripts]
    if not isinstance(order, str):
        unknown = [tid for tid in order if tid not in files]
        missing = [tid for tid in files if tid not in order]
        if unknown or missing:
            raise GioiaError(
                "settings.saturation.order must list every transcript once"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                + (f"; missing: {', '.join(missing)}" if missing else ""),
                hint="list transcript ids (file names without extension), or use "
                "files, participants or a participants.csv column",
            )
        return list(dict.fromkeys(order))
    if order == "files":
        return files
    participants = list(corpus.participants)
    if order != "participants":
        columns = {key for p in participants for key in p.attributes}
        if order not in columns:
            raise GioiaError(
                f"saturation order {order!r} is not files, participants or a "
                "participants.csv column",
                hint=f"columns: {', '.join(sorted(columns)) or '(none)'}",
            )
        participants.sort(key=lambda p: _sortable(p.attributes.get(order, "")))
    first_turn: dict[str, str] = {}
    for transcript in corpus.transcripts:
        for turn in transcript.turns:
            if turn.participant and turn.participant not in first_turn:
                first_turn[turn.participant] = transcript.id
    ordered = [first_turn[p.id] for p in participants if p.id in first_turn]
    ordered = list(dict.fromkeys(ordered))
    return ordered + [tid for tid in files if tid not in ordered]


def _sortable(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def saturation_analysis(
    loaded: LoadedStudy,
    corpus: Corpus,
    analysis: Analysis,
    *,
    level: str | None = None,
    order: str | Sequence[str] | None = None,
) -> dict:
    """Code saturation of the counted codings (results.json ``saturation``)."""
    settings = loaded.study.settings.saturation
    level = level or settings.level
    ids = interview_order(loaded, corpus, order if order is not None else settings.order)
    theme_of = {c.id: c.theme for c in loaded.codebook.concepts}
    codes: dict[str, set[str]] = {tid: set() for tid in ids}
    for coding in analysis.counted:
        codes[coding.coding.transcript].add(
            coding.concept if level == "concept" else theme_of[coding.concept]
        )
    result = compute_saturation(
        [(tid, frozenset(codes[tid])) for tid in ids],
        base=settings.base,
        run=settings.run,
        threshold=settings.threshold,
        francis_initial=settings.francis.initial,
        francis_stop=settings.francis.stop,
        permutations=settings.permutations,
        seed=settings.seed,
    )
    return result.to_dict(level)


def agreement_analysis(
    loaded: LoadedStudy,
    corpus: Corpus,
    parsed: Parsed,
    coders: Sequence[str],
    *,
    level: str = "concept",
) -> AgreementResult:
    """Agreement between ``coders`` on every segment: each coder's latest accepts, in the
    transcripts where that coder decided anything (elsewhere their values are missing)."""
    available = {j.coder for j in read_journals(loaded.study.paths.codings)}
    absent = [c for c in coders if c not in available]
    if len(set(coders)) < 2 or absent:
        raise GioiaError(
            "agreement needs two or more coders with journals"
            + (f"; no journal for {', '.join(absent)}" if absent else ""),
            hint=f"coders with journals: {', '.join(sorted(available)) or '(none)'}",
        )
    journals = read_journals(loaded.study.paths.codings, coders)
    by_id = corpus.by_id()
    segments = [s for tid in by_id for s in parsed.segments[tid]]
    units = [(f"{s.transcript}:{s.start}-{s.end}", s.transcript) for s in segments]
    per_coder = []
    for journal in journals:
        counted, placed, _ = place_codings([journal], by_id, loaded.codebook)
        coded = set()
        for coding in counted:
            for s in parsed.segments[coding.coding.transcript]:
                if s.start < coding.end and coding.start < s.end:  # overlapping talk
                    coded.add((f"{s.transcript}:{s.start}-{s.end}", coding.concept))
        reviewed = frozenset(p.coding.transcript for p in placed)
        per_coder.append(CoderCodings(journal.coder, reviewed, frozenset(coded)))
    concepts = [c.id for c in loaded.codebook.concepts]
    theme_of = {c.id: c.theme for c in loaded.codebook.concepts} if level == "theme" else None
    return compute_agreement(per_coder, units, concepts, theme_of=theme_of)


# --------------------------------------------------------------------------- discover


def discover(
    loaded: LoadedStudy,
    corpus: Corpus,
    parsed: Parsed,
    *,
    min_count: int = 2,
    min_participants: int = 2,
    limit: int | None = 30,
) -> dict:
    """Candidate in-vivo first-order concepts (``gioia discover``): recurring, distinctive
    phrases of participant talk that no keyword covers (see :mod:`gioia.discover`).
    Returns ``candidates`` (phrase, lemmas, count, participants, examples,
    distinctiveness), the most distinctive first, and ``yaml``: the candidates as
    codebook concept stubs to paste under a theme."""
    words = {token.lower_ for doc in parsed.docs.values() for token in doc}
    candidates = discover_candidates(
        parsed.nlp,
        loaded.codebook,
        corpus.by_id(),
        parsed.docs,
        parsed.segments,
        load_general_frequencies(parsed.nlp.lang, words),
        min_count=min_count,
        min_participants=min_participants,
        limit=limit,
    )
    taken = [node_id for node_id, *_ in loaded.codebook.iter_nodes()]
    return {
        "candidates": [asdict(c) for c in candidates],
        "yaml": concept_stubs(candidates, taken),
    }


# --------------------------------------------------------------------------- interchange

EXPORT_FORMATS = ("qdpx", "qdc", "csv")


def export(loaded: LoadedStudy, *, format: str, out: Path | None = None) -> Path:
    """The study as a REFI-QDA project (qdpx), its codebook (qdc) or its counted codings
    as CSV, written atomically to ``out`` (default: report/<study>.<format>)."""
    if format not in EXPORT_FORMATS:
        raise GioiaError(f"unknown export format {format!r}", hint="use qdpx, qdc or csv")
    study = loaded.study
    target = out or study.paths.report / f"{study.root.resolve().name}.{format}"
    if format == "qdc":
        atomic_write_bytes(target, build_qdc(loaded.codebook))
        return target
    corpus = ingest(loaded)
    analysis = analyse(loaded, corpus)
    common = {
        "codebook": loaded.codebook,
        "transcripts": corpus.transcripts,
        "participants": corpus.participants,
        "codings": analysis.counted,
        "attributes": reportable_attributes(study.settings.reportable, corpus.participants),
    }
    if format == "qdpx":
        title = study.metadata.get("title") or loaded.codebook.title
        atomic_write_bytes(target, build_qdpx(title=title, **common))
    else:
        atomic_write_text(target, build_csv(**common))
    return target


def import_file(source: Path, study: Path, *, levels: str | None = None) -> ImportResult:
    """Build or update a study from another QDA tool's REFI-QDA export (.qdpx or .qdc).
    Journals are only appended to; importing the same file twice adds nothing."""
    suffix = source.suffix.lower()
    if not source.is_file():
        raise GioiaError(f"no file {source}", hint="give the path of a .qdpx or .qdc export")
    if suffix == ".qdpx":
        return import_qdpx(source, study, levels=levels)
    if suffix == ".qdc":
        return import_qdc(source, study, levels=levels)
    raise GioiaError(
        f"{source.name}: gioia imports REFI-QDA .qdpx projects and .qdc codebooks",
        hint="export your project from NVivo, ATLAS.ti, MAXQDA, QualCoder or Taguette as REFI-QDA",
    )
