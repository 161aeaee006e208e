"""Accepting suggestions in a batch (`gioia accept`, and `gioia run`'s auto-accept).

Every line of the batch is planned and checked before the first is written, under the
coder's journal lock. A suggestion is left alone when the coder has decided its concept
on any talk it overlaps, whatever the decision (an accept, a reject, an undo, or a coding
placed by its quote): a human decision is never overridden by a batch.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gioia.errors import GioiaError, Location
from gioia.journal import (
    Journal,
    append_coding,
    journal_path,
    lock,
    now_utc,
    place_codings,
    read_journals,
)
from gioia.models import Codebook, Coding, Suggestion, Transcript
from gioia.pipeline.corpus import parse
from gioia.pipeline.loading import Corpus, LoadedStudy
from gioia.pipeline.suggestions import Suggested, suggest_for, transcript_hashes

if TYPE_CHECKING:
    from gioia.assist.ranker import ThresholdRow

__all__ = ["AcceptResult", "accept", "check_placement"]


@dataclass(frozen=True)
class AcceptResult:
    coder: str
    journal: Path
    accepted: int
    already_decided: int
    below_score: int
    threshold: float
    # With a target precision: the learner's cross-validated figures at the threshold.
    expected_precision: float | None = None
    expected_recall: float | None = None
    memo: str = ""


def accept(
    loaded: LoadedStudy,
    corpus: Corpus,
    suggested: Suggested,
    *,
    coder: str,
    min_score: float | None = None,
    target_precision: float | None = None,
) -> AcceptResult:
    """Accept every suggestion of ``suggested`` scoring at least ``min_score`` — or at
    least the lowest threshold whose cross-validated precision reaches
    ``target_precision`` on the learner's own decisions — that ``coder`` has not decided
    yet, recorded as ``source: auto``. Decisions already made are never touched.

    Suggestions are applied only to the text they were made from: made from other
    texts than ``corpus``'s (a transcript edited, renamed, added or removed since), they
    are made again from ``corpus`` first. The whole batch is checked before its first
    line is written: a suggestion that does not fit the transcripts (see
    :func:`check_placement`) refuses it all."""
    if (min_score is None) == (target_precision is None):
        raise GioiaError(
            "give either a minimum score or a target precision",
            hint="--min-score 0.9, or --target-precision 0.9",
        )
    if suggested.texts != transcript_hashes(corpus):
        parsed = parse(loaded, corpus)
        suggested = suggest_for(loaded, corpus, parsed, learner=suggested.learner)
    expected_precision = expected_recall = None
    memo = ""
    if target_precision is not None:
        row = _threshold_for(suggested, target_precision)
        min_score = row.threshold
        expected_precision, expected_recall = row.precision, row.recall
        evaluation = suggested.evaluation
        assert evaluation is not None  # _threshold_for refuses otherwise
        memo = (
            f"auto: score >= {row.threshold:.2f}, the lowest threshold at which "
            f"{evaluation.learner}'s cross-validated precision reaches {target_precision:.2f} "
            f"(precision {row.precision:.2f}, recall {row.recall:.2f}, from "
            f"{evaluation.decisions} decisions in {evaluation.interviews} interviews)"
        )
    assert min_score is not None
    memo = memo or f"auto: score >= {min_score:.2f}, a fixed minimum"
    path = journal_path(loaded.study.paths.codings, coder)
    by_id = corpus.by_id()
    # One lock for the check and the appends: no other process decides in between.
    with lock(path):
        journals = read_journals(loaded.study.paths.codings, [coder])
        decided = _HumanDecisions(journals, by_id, loaded.codebook)
        # Every line planned, and the batch checked whole, before the first is written.
        chosen: list[Suggestion] = []
        already = below = 0
        for s in suggested.suggestions:
            if s.score < min_score:
                below += 1
                continue
            if decided.touches(s):
                already += 1
                continue
            decided.add(s)
            chosen.append(s)
        check_placement(chosen, by_id, loaded.codebook, suggested.cache.path)
        codings = [
            Coding(
                transcript=s.transcript,
                start=s.start,
                end=s.end,
                concept=s.concept,
                decision="accept",
                coder=coder,
                source="auto",
                quote=by_id[s.transcript].text[s.start : s.end],
                at=now_utc(),
                score=s.score,
                memo=memo,
            )
            for s in chosen
        ]
        for coding in codings:
            append_coding(path, coding)
    return AcceptResult(
        coder,
        path,
        len(codings),
        already,
        below,
        min_score,
        expected_precision,
        expected_recall,
        memo,
    )


class _HumanDecisions:
    """What the coder has decided, by concept, where it lies in the current text: a
    line with offsets, one placed by its quote (imports, hand-written lines), and the
    raw span of a line that cannot be placed any more."""

    def __init__(
        self, journals: Sequence[Journal], transcripts: Mapping[str, Transcript], codebook: Codebook
    ):
        self._spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
        self._keys = {c.key for j in journals for c in j.codings}
        _, placed, _ = place_codings(journals, transcripts, codebook)
        for p in placed:
            self._spans.setdefault((p.coding.transcript, p.concept), []).append((p.start, p.end))

    def touches(self, s: Suggestion) -> bool:
        """Whether the coder decided ``s``'s concept on talk that overlaps it."""
        if (s.transcript, s.start, s.end, s.concept) in self._keys:
            return True
        spans = self._spans.get((s.transcript, s.concept), ())
        return any(start < s.end and s.start < end for start, end in spans)

    def add(self, s: Suggestion) -> None:
        """Count ``s`` as decided: the same suggestion listed twice is accepted once."""
        self._keys.add((s.transcript, s.start, s.end, s.concept))


def check_placement(
    suggestions: Sequence[Suggestion],
    transcripts: Mapping[str, Transcript],
    codebook: Codebook,
    cache: Path,
) -> None:
    """Refuse, before anything is written, suggestions that cannot be of these
    transcripts: one naming a transcript not in the study, a concept not in the
    codebook, or a span that is not within one participant turn of its transcript's
    text. Made by gioia from the current corpus, none is; one is only when ``cache``
    was forged."""
    concepts = {c.id for c in codebook.concepts}
    starts: dict[str, list[int]] = {}
    wrong: list[str] = []
    for s in suggestions:
        source = transcripts.get(s.transcript)
        if source is None:
            wrong.append(f"{s.transcript!r} is not a transcript of this study")
            continue
        if s.concept not in concepts:
            wrong.append(f"{s.concept!r} ({s.transcript}) is not a concept of the codebook")
            continue
        if s.transcript not in starts:
            starts[s.transcript] = [turn.start for turn in source.turns]
        at = bisect.bisect_right(starts[s.transcript], s.start) - 1
        turn = source.turns[at] if at >= 0 else None
        if (
            turn is None
            or turn.is_interviewer
            or not turn.start <= s.start < s.end <= min(turn.end, len(source.text))
        ):
            wrong.append(f"{s.transcript} {s.start}-{s.end} is not within a participant's turn")
    if wrong:
        shown = "; ".join(dict.fromkeys(wrong[:3]))
        raise GioiaError(
            f"{len(wrong)} suggestion(s) do not fit the study's transcripts, so none was "
            f"used: {shown}",
            hint=f"they were not made from these transcripts: delete {cache.parent} and "
            "run the command again to make them afresh",
            location=Location.of(cache),
        )


def _threshold_for(suggested: Suggested, target: float) -> ThresholdRow:
    """The threshold for ``target`` precision from the learner's evaluation, or an
    error saying why there is none."""
    evaluation = suggested.evaluation
    learner = suggested.learner
    if not learner.coders:
        raise GioiaError(
            "a target precision needs a coder's decisions to estimate it from",
            hint="name the coder whose decisions to learn from: --coder NAME or --learn-from A,B",
        )
    if evaluation is None or evaluation.refusal:
        why = evaluation.refusal if evaluation else (suggested.note or "no ranker yet")
        raise GioiaError(
            f"too few decisions to estimate precision for {learner.name}: {why}",
            hint="review more suggestions (gioia review) in at least two interviews, "
            "or use --min-score",
        )
    row = evaluation.threshold_for(target)
    if row is None:
        best = max(
            (r for r in evaluation.rows if r.measured and r.precision is not None),
            key=lambda r: (r.precision or 0.0, -r.threshold),
            default=None,
        )
        reached = (
            f"; the best measured is {best.precision:.2f} ({best.right} of {best.suggested} "
            f"pairs at {best.threshold:.2f})"
            if best
            else "; too few pairs at any threshold to measure a precision within ±0.1"
        )
        raise GioiaError(
            f"no threshold reaches a cross-validated precision of {target:.2f} on "
            f"{learner.name}'s decisions{reached}",
            hint="lower --target-precision, or review more suggestions first "
            "(`gioia suggest --evaluate` shows the curve)",
        )
    return row
