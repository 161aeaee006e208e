"""The counted codings: the data structure, saturation and agreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gioia.agreement import AgreementResult, CoderCodings
from gioia.agreement import agreement as compute_agreement
from gioia.errors import GioiaError, Location, Problem
from gioia.journal import (
    journal_path,
    place_codings,
    read_journals,
)
from gioia.models import (
    Node,
    Orphan,
    PlacedCoding,
)
from gioia.pipeline.corpus import Parsed
from gioia.pipeline.loading import Corpus, LoadedStudy
from gioia.saturation import saturation as compute_saturation
from gioia.structure import build_nodes

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
    warnings += _unattributed_problems(loaded, counted)
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


def _unattributed_problems(loaded: LoadedStudy, counted: Sequence[PlacedCoding]) -> list[Problem]:
    """A warning per journal and transcript holding counted codings that overlap no
    participant's talk: they count as segments, but for nobody in n of N."""
    found: dict[tuple[str, str], list[PlacedCoding]] = {}
    for placed in counted:
        if not placed.participants:
            found.setdefault((placed.coding.coder, placed.coding.transcript), []).append(placed)
    return [
        Problem(
            f"{len(items)} counted coding(s) in {transcript} overlap no participant's talk "
            f"(only interviewer talk, speaker labels, or an unmapped speaker), so they count "
            f"for no participant: {', '.join(sorted({p.concept for p in items}))}",
            Location(str(journal_path(loaded.study.paths.codings, coder))),
            hint="code the participant's words instead, or map the speaker to a participant "
            "in participants.csv",
            severity="warning",
        )
        for (coder, transcript), items in sorted(found.items())
    ]


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
