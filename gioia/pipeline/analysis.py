"""The counted codings: the data structure, saturation and agreement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gioia.agreement import AgreementResult, CoderCodings, joined_names
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
from gioia.pipeline.coding import closest_name
from gioia.pipeline.corpus import Parsed
from gioia.pipeline.loading import Corpus, LoadedStudy
from gioia.report import attribution, reportable_attributes
from gioia.retrieve import Retrieval, Selector, retrieve
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


def retrieval(
    loaded: LoadedStudy, corpus: Corpus, analysis: Analysis, by: Selector, wanted: str
) -> Retrieval:
    """`gioia show`: every counted coding of a node (with its descendants) or of a
    participant, with the coders who accepted it; participants attributed as the report
    attributes quotes (gioia.yaml's attribution, reportable attributes only)."""
    settings = loaded.study.settings
    reportable = reportable_attributes(settings.reportable, loaded.participants)
    return retrieve(
        by,
        wanted,
        codebook=loaded.codebook,
        transcripts=corpus.transcripts,
        participants=loaded.participants,
        speaking=[p.id for p in corpus.participants],
        counted=analysis.counted,
        decisions=analysis.decisions,
        reportable=reportable,
        attributions={
            p.id: attribution(settings.attribution, p, reportable) for p in loaded.participants
        },
        closest=closest_name,
    )


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


# The journal `gioia run` auto-accepts into: a machine, never a coder for agreement unless
# named on the command line (`gioia agreement --coders hb,auto` compares it on purpose).
AUTO_CODER = "auto"


def journal_coders(loaded: LoadedStudy) -> list[str]:
    """The coders with a journal in codings/, sorted."""
    codings = loaded.study.paths.codings
    return sorted(p.stem for p in codings.glob("*.jsonl")) if codings.is_dir() else []


def agreement_coders(loaded: LoadedStudy, given: Sequence[str] | None = None) -> list[str]:
    """The coders whose agreement is computed, never picked by gioia: ``given`` (the
    command line) when given, else those gioia.yaml names (``settings: coders:``) but the
    ``auto`` journal; empty when neither names any. Fewer than two is the caller's to
    refuse (a usage error on the command line, a sentence in the report)."""
    if given is not None:
        return list(dict.fromkeys(given))
    named = loaded.study.settings.coders
    return [] if named is None else [c for c in dict.fromkeys(named) if c != AUTO_CODER]


def agreement_hint(loaded: LoadedStudy) -> str:
    """How to name the coders to compare, with the coders that have journals."""
    humans = [c for c in journal_coders(loaded) if c != AUTO_CODER]
    example = ", ".join(humans[:2]) if len(humans) >= 2 else "hb, ms"
    return (
        f"name them in gioia.yaml (settings: coders: [{example}]) or on the command line "
        f"(--coders {example.replace(' ', '')}); coders with journals: "
        f"{', '.join(journal_coders(loaded)) or '(none)'}"
    )


@dataclass(frozen=True)
class ReportedAgreement:
    """The agreement a report shows: computed between the coders gioia.yaml names, or
    None with the reason (None too when there is nothing to compare: one journal)."""

    result: AgreementResult | None
    not_computed: str | None = None  # why not, as a sentence's end
    problems: list[Problem] = field(default_factory=list)


def reported_agreement(loaded: LoadedStudy, corpus: Corpus, parsed: Parsed) -> ReportedAgreement:
    """Agreement for the report and the gate of `gioia run`: between the coders named in
    gioia.yaml (``settings: coders:``, without ``auto``). When none are named and two or
    more coders have journals, it is not computed and the reason says how to name them."""
    named = agreement_coders(loaded)
    humans = [c for c in journal_coders(loaded) if c != AUTO_CODER]
    if loaded.study.settings.coders is None:
        if len(humans) == 1 and AUTO_CODER in journal_coders(loaded):
            return ReportedAgreement(
                None,
                f"one coder ({humans[0]}) besides the {AUTO_CODER} journal of automatic "
                "acceptances, which is not a coder",
            )
        if len(humans) < 2:
            return ReportedAgreement(None)
        return ReportedAgreement(
            None,
            f"no coders are named, and gioia does not pick them; {len(humans)} coders have "
            f"journals ({', '.join(humans)}): name the coders to compare in gioia.yaml "
            f"(settings: coders: [{', '.join(humans)}])",
        )
    if len(named) < 2:
        only = f"one coder ({named[0]})" if named else "no coder but auto"
        return ReportedAgreement(
            None, f"gioia.yaml names {only} under settings: coders:, and agreement needs two"
        )
    codings = loaded.study.paths.codings
    missing = [c for c in named if c not in journal_coders(loaded)]
    if missing:
        files = ", ".join(str(journal_path(codings, c)) for c in missing)
        return ReportedAgreement(
            None,
            f"{joined_names(missing)}, named in gioia.yaml, "
            f"{'has' if len(missing) == 1 else 'have'} no journal ({files})",
            [
                Problem(
                    f"coder {c!r} is named in gioia.yaml (settings: coders:) but has no journal",
                    Location(str(journal_path(codings, c))),
                    hint="check the name's spelling, or remove it from settings: coders: "
                    "until that coder has coded",
                    severity="warning",
                )
                for c in missing
            ],
        )
    return ReportedAgreement(agreement_analysis(loaded, corpus, parsed, named))


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
    codings = loaded.study.paths.codings
    available = set(journal_coders(loaded))
    absent = [c for c in coders if c not in available]
    if len(set(coders)) < 2 or absent:
        where = "; ".join(f"no journal for {c} ({journal_path(codings, c)})" for c in absent)
        raise GioiaError(
            "agreement needs two or more coders with journals" + (f"; {where}" if where else ""),
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
