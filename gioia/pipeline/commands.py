"""The commands that run several stages: report, run (with its quality gates) and check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gioia.agreement import alpha_gate_failure
from gioia.doccache import describe_pipeline
from gioia.errors import ConfigError, GioiaError, Problem
from gioia.journal import (
    read_journals,
)
from gioia.models import (
    Suggestion,
)
from gioia.pipeline.analysis import (
    AUTO_CODER,
    Analysis,
    analyse,
    reported_agreement,
    saturation_analysis,
)
from gioia.pipeline.batch_accept import AcceptResult, accept
from gioia.pipeline.corpus import Parsed, ingest, parse
from gioia.pipeline.loading import Corpus, LoadedStudy, Progress, _no_progress, load_study
from gioia.pipeline.suggestions import (
    learner_for,
    publish,
    published_suggestions,
    suggest_for,
    suggestions_learnt_from,
)
from gioia.report import (
    build_results,
    srqr_status,
    transcript_summary,
    write_report,
)
from gioia.review import decided_keys
from gioia.structure import representative_quotes

# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class ReportResult:
    paths: list[Path]
    results: dict
    warnings: list[Problem]


def report(
    loaded: LoadedStudy, progress: Progress = _no_progress, *, jobs: int = 1, docx: bool = False
) -> ReportResult:
    """Render the report from the counted codings (suggestions are not re-made);
    ``docx``: report.docx too."""
    corpus = ingest(loaded, progress, jobs=jobs)
    parsed = parse(loaded, corpus, progress, jobs=jobs)
    learnt_from = suggestions_learnt_from(loaded.study)
    suggestions = published_suggestions(loaded.study, corpus)
    return _write_report(loaded, corpus, parsed, suggestions, learnt_from, docx=docx)


def _write_report(
    loaded: LoadedStudy,
    corpus: Corpus,
    parsed: Parsed,
    suggestions: list[Suggestion] | None,
    learnt_from: list[str],
    *,
    docx: bool = False,
) -> ReportResult:
    analysis = analyse(loaded, corpus)
    nlp_settings = loaded.study.settings.nlp
    saturation = saturation_analysis(loaded, corpus, analysis) if corpus.transcripts else None
    # between the coders gioia.yaml names, never picked from the journals found
    reported = reported_agreement(loaded, corpus, parsed)
    agreement = reported.result.to_dict() if reported.result else None
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
        learnt_from=learnt_from,
        decisions=analysis.decisions,
        pending=_pending(suggestions, analysis),
        pipeline=describe_pipeline(nlp_settings.lang, nlp_settings.model),
        saturation=saturation,
        agreement=agreement,
        agreement_not_computed=reported.not_computed,
    )
    paths = write_report(loaded.study.paths.report, data, docx=docx)
    return ReportResult(paths, data, [*corpus.problems, *analysis.warnings, *reported.problems])


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


def run(
    loaded: LoadedStudy, progress: Progress = _no_progress, *, jobs: int = 1, docx: bool = False
) -> RunResult:
    """The whole pipeline for CI: ingest → suggest (learnt from gioia.yaml's
    ``suggest.learn_from``, else the codebook's) → accept into the ``auto`` journal (only
    when gioia.yaml sets ``suggest.auto_accept_min_score`` or
    ``auto_accept_target_precision``) → report. Deterministic for the same inputs."""
    corpus = ingest(loaded, progress, jobs=jobs)
    parsed = parse(loaded, corpus, progress, jobs=jobs)
    suggested = suggest_for(loaded, corpus, parsed, progress, learner=learner_for(loaded))
    publish(loaded, suggested)
    made = suggested.suggestions
    accepted = None
    settings = loaded.study.settings.suggest
    if settings.auto_accept_min_score is not None or settings.auto_accept_target_precision:
        accepted = accept(
            loaded,
            corpus,
            suggested,
            coder=AUTO_CODER,
            min_score=settings.auto_accept_min_score,
            target_precision=settings.auto_accept_target_precision,
        )
    written = _write_report(loaded, corpus, parsed, made, suggested.learnt_from, docx=docx)
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
        if agreement is None:
            why = results.get("agreement_not_computed") or "fewer than two coders have journals"
            failed.append(
                f"agreement of Krippendorff's alpha >= {gates.min_alpha} required, but it "
                f"was not computed: {why}"
            )
        elif reason := alpha_gate_failure(agreement, gates.min_alpha):
            failed.append(reason)
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
