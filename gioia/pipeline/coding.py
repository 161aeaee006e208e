"""Coders' work: the review session, a coding by quote, the audit trail."""

from __future__ import annotations

import difflib
import functools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple, TypeVar

from gioia.errors import GioiaError
from gioia.ingest.speakers import unmapped_speaker
from gioia.journal import (
    append_coding,
    journal_path,
    now_utc,
    place_codings,
    read_journals,
)
from gioia.models import (
    Codebook,
    Coding,
    Concept,
    Suggestion,
    Transcript,
)
from gioia.pipeline.batch_accept import check_placement
from gioia.pipeline.corpus import ingest, parse
from gioia.pipeline.loading import LoadedStudy, Progress, _no_progress
from gioia.pipeline.suggestions import (
    LEARNED,
    learner_for,
    learning_space,
    suggest_for,
)
from gioia.quotes import locate_quote
from gioia.review_queue import (
    UNDO_FLAG,
    ReviewItem,
    covered_keys,
    decided_keys,
    pending_items,
)
from gioia.review_session import ReviewSession

# --------------------------------------------------------------------------- review, code, log


def review_session(
    loaded: LoadedStudy,
    *,
    coder: str,
    learn_from: Sequence[str] | None = None,
    transcript: str | None = None,
    concept: str | None = None,
    theme: str | None = None,
    min_score: float | None = None,
    order: str | None = None,
    progress: Progress = _no_progress,
) -> ReviewSession:
    """The coder's pending suggestions, made afresh from the current transcripts and
    codebook (learnt from the coder's own decisions, or ``learn_from``'s), filtered and
    ordered, ready for :func:`gioia.review.run_review`. The order defaults to
    ``learned`` once the learner has decisions, else transcript position."""
    path = journal_path(loaded.study.paths.codings, coder)
    corpus = ingest(loaded, progress)
    parsed = parse(loaded, corpus, progress)
    learner = learner_for(loaded, coder, learn_from)
    suggested = suggest_for(loaded, corpus, parsed, progress, learner=learner)
    made = suggested.suggestions
    by_id = corpus.by_id()
    check_placement(made, by_id, loaded.codebook, suggested.cache.path)
    if transcript is not None:
        _lookup("transcript", transcript, by_id)
    if concept is not None:
        concept = _lookup("concept", concept, _concepts_by_name(loaded.codebook)).id
    if theme is not None:
        _lookup("theme", theme, {t.id: t for t in loaded.codebook.themes})
    journals = read_journals(loaded.study.paths.codings, [coder])
    _, placed, _ = place_codings(journals, by_id, loaded.codebook)
    segments = [s for t in parsed.segments.values() for s in t]
    decided = decided_keys(placed, coder) | covered_keys(placed, coder, segments)
    if order is None:
        order = "learned" if suggested.stage == LEARNED else "position"
    filters = {"transcript": transcript, "concept": concept, "theme": theme}
    sentences = functools.cache(parsed.sentences)
    items = pending_items(
        made,
        decided,
        by_id,
        loaded.codebook,
        **filters,
        min_score=min_score,
        order=order,
        sentences=sentences,
    )
    already = Counter(
        s.transcript for s in made if (s.transcript, s.start, s.end, s.concept) in decided
    )
    if order != "learned":
        return ReviewSession(items, path, coder, loaded.codebook, decided_before=already)

    from gioia.assist.queue import LearnedOrder  # scikit-learn, imported only to learn

    if learner.coders == (coder,):
        learner_decisions = placed
    else:
        learner_journals = read_journals(loaded.study.paths.codings, learner.coders)
        _, learner_decisions, _ = place_codings(learner_journals, by_id, loaded.codebook)
    space = learning_space(loaded, corpus, parsed, progress)
    chooser = LearnedOrder(space, learner_decisions, learner, suggested.calibration)
    themes = {c.id: c.theme for c in loaded.codebook.concepts}

    def admits(key: tuple[str, int, int, str], score: float) -> bool:
        return (
            (transcript is None or key[0] == transcript)
            and (concept is None or key[3] == concept)
            and (theme is None or themes.get(key[3]) == theme)
            and (min_score is None or score >= min_score)
        )

    def make_item(suggestion: Suggestion, note: str) -> ReviewItem:
        [item] = pending_items([suggestion], set(), by_id, loaded.codebook, sentences=sentences)
        return replace(item, note=note)

    return ReviewSession(
        items,
        path,
        coder,
        loaded.codebook,
        decided_before=already,
        chooser=chooser,
        decided=decided,
        admits=admits,
        make_item=make_item,
    )


T = TypeVar("T")


def _lookup(what: str, value: str, known: Mapping[str, T]) -> T:
    """``known[value]``, or an error that suggests the closest known name."""
    if value in known:
        return known[value]
    close = closest_name(value, known)
    raise GioiaError(
        f"no {what} {value!r} in this study",
        hint=f"did you mean {close!r}?" if close else f"known: {', '.join(list(known)[:8])}",
    )


def closest_name(value: str, known: Iterable[str]) -> str | None:
    """The known name ``value`` most likely meant: a close spelling ("ventng" →
    "venting"), else the name it is a whole word-part of ("isolation" →
    "professional-isolation"), else one that contains it; None when nothing is near."""
    names = list(known)
    close = difflib.get_close_matches(value, names, n=1)
    if close:
        return close[0]
    wanted = value.strip().lower()
    if not wanted:
        return None
    parts = [n for n in names if wanted in n.lower().split("-") or wanted in n.lower()]
    if not parts:
        return None
    return max(parts, key=lambda n: difflib.SequenceMatcher(None, wanted, n.lower()).ratio())


def _concepts_by_name(codebook: Codebook) -> dict[str, Concept]:
    """Concepts by id and by former id (aliases)."""
    named = {alias: c for c in codebook.concepts for alias in c.aliases}
    return named | {c.id: c for c in codebook.concepts}


class Coded(NamedTuple):
    """What `gioia code` did: the coding, and whether it was appended (False: the
    coder's journal already held this very decision, so nothing was written)."""

    coding: Coding
    appended: bool


def code(
    loaded: LoadedStudy,
    *,
    coder: str,
    transcript: str,
    quote: str,
    concept: str,
    memo: str = "",
    power: bool = False,
) -> Coded:
    """Record a human coding of talk no suggestion found: the quote is located in the
    transcript's normalised text, exactly or ignoring whitespace, and must be unique.
    The same decision a second time (same span, concept, memo and flags, and the coder's
    latest line for that span and concept) is not appended again."""
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
    check_codable(loaded, source, start, end)
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
    appended = record_once(loaded, by_id, coding)
    return Coded(coding, appended)


def check_codable(loaded: LoadedStudy, source: Transcript, start: int, end: int) -> None:
    """A GioiaError unless ``start``-``end`` lies in one participant's turn."""
    turn = source.turn_at(start)
    if turn is None or end > turn.end:
        raise GioiaError(
            f"{source.id}: the quote runs across speaker turns",
            hint="code each turn's part separately",
        )
    if turn.is_interviewer:
        raise GioiaError(
            f"{source.id}: the quote is {turn.speaker}'s talk, which is not coded",
            hint="code a participant's words; interviewer turns are kept for context only",
        )
    if turn.participant is None:
        unmapped = unmapped_speaker(source, turn.speaker, loaded.participants)
        raise GioiaError(f"{source.id}: {unmapped.message}", hint=unmapped.hint)


def same_decision(standing: Coding | None, coding: Coding) -> bool:
    """Whether ``standing`` (the coder's latest line for a span and concept) already
    says what ``coding`` would: then appending it would add nothing."""
    return (
        standing is not None
        and UNDO_FLAG not in standing.flags
        and standing.decision == coding.decision
        and standing.memo == coding.memo
        and set(standing.flags) == set(coding.flags)
    )


def record_once(loaded: LoadedStudy, by_id: Mapping[str, Transcript], coding: Coding) -> bool:
    """Append ``coding`` to its coder's journal unless the coder's latest line for its
    span and concept is the same decision; True when appended. (Two identical codings
    racing each other may both be appended: the same decision twice, harmless. The
    append itself holds the journal, and checks the line before anything is opened.)"""
    path = journal_path(loaded.study.paths.codings, coding.coder)
    journals = read_journals(loaded.study.paths.codings, [coding.coder])
    _, placed, _ = place_codings(journals, by_id, loaded.codebook)
    key = (coding.transcript, coding.start, coding.end, coding.concept)
    standing = None
    for p in placed:
        if (p.coding.transcript, p.start, p.end, p.concept) == key:
            standing = p.coding
    if same_decision(standing, coding):
        return False
    append_coding(path, coding)
    return True


# How `gioia log` groups the sources of decisions.
SOURCE_GROUPS = {
    "keyword": "suggestion",
    "pattern": "suggestion",
    "similarity": "suggestion",
    "exemplar": "suggestion",
    "learned": "suggestion",
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
