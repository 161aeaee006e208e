"""Learning which keyword evidence a coder trusts, from their decisions on earlier
suggestions (DESIGN §6).

A keyword suggestion says "this talk may be concept C, because it contains term T". Once
a coder has decided on some of those suggestions, the journal tells how often C through T
was right for *this* study: "plot" may be evidence of a code about ICE plots in one turn
in ten, because every turn of the study talks about plots.

Term record. A keyword or pattern suggestion of concept C is *decided* when a counted
accept of C overlaps its span (accepted), or else when a coder's standing rejection of C
overlaps it (rejected; an undo is not a rejection, see
:func:`gioia.assist.labels.standing_decisions`). Each distinct term of its evidence then
counts one acceptance or one rejection in the record of (C, term). Every term of a
suggestion shares its decision, because the coder decided on the talk, not on a term.

Acceptance rate. With ``a`` acceptances and ``r`` rejections, the rate is Laplace's rule of
succession, the mean of a Beta(1, 1) prior updated by the record:

    rate = (a + 1) / (a + r + 2)

so an undecided term sits at 1/2 and one rejection moves it to 1/3, not to 0.

Score. A keyword suggestion's score is the noisy-or of its terms' weights (see
:mod:`gioia.assist.matching`), which a suggestion does not carry one by one; each of its n distinct
terms is taken to weigh the same, ``w = 1 - (1 - score) ** (1 / n)`` (for one term, the
score itself). Each weight is then updated as a probability by its term's record, its
odds multiplied by the likelihood ratio of the record against an undecided term,

    odds(w') = odds(w) * rate / (1 - rate) = odds(w) * (a + 1) / (r + 1)

and the score is the noisy-or of the updated weights. A term rejected 3 of 3 times for the
concept divides the odds by 4 (0.5 becomes 0.2), 8 of 8 times by 9; a term accepted twice
multiplies them by 3; an undecided term changes nothing.

Suppression. A term whose rate is below ``DISCREDITED_BELOW`` is *discredited* for the
concept; a suggestion all of whose terms are discredited is not made. With no acceptance
that takes ``REJECTIONS_TO_DISCREDIT`` rejections, so one rejection never silences a term,
and any acceptance needs many more rejections to outweigh it.

Each piece of evidence whose term has a record says so in its ``cue`` ("rejected 3 of 3
times for this concept"), after any negation or hedge, so the coder sees why a score moved.
Suggestions of other methods, and decided suggestions, are returned unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import count

from gioia.assist.labels import standing_decisions
from gioia.models import Evidence, PlacedCoding, Suggestion

__all__ = [
    "DISCREDITED_BELOW",
    "LEARNT_METHODS",
    "REJECTIONS_TO_DISCREDIT",
    "TermRecord",
    "learn_from_decisions",
    "term_records",
]

# The methods whose evidence is a term the codebook states (a keyword or a pattern), so
# that the same term recurs across suggestions and a record of it means something.
LEARNT_METHODS = frozenset({"keyword", "pattern"})
# Chosen with the benchmark's development protocol, which reads the coding of P1-P3 only
# (docs/suggest-quality.md): the best F1 of 0.10-0.45 there. A lower bar keeps offering
# terms rejected many times over; a higher one silences terms rejected only twice.
DISCREDITED_BELOW = 0.25
# The fewest rejections, with no acceptance, that bring a term's rate below
# DISCREDITED_BELOW: the least r with (0 + 1) / (r + 2) < DISCREDITED_BELOW (3).
REJECTIONS_TO_DISCREDIT = next(r for r in count(1) if 1 / (r + 2) < DISCREDITED_BELOW)


@dataclass(frozen=True)
class TermRecord:
    """How often suggestions of one concept through one term were accepted and rejected."""

    accepted: int = 0
    rejected: int = 0

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def acceptance_rate(self) -> float:
        """Laplace's rule of succession: (accepted + 1) / (decided + 2)."""
        return (self.accepted + 1) / (self.decided + 2)

    @property
    def likelihood_ratio(self) -> float:
        """rate / (1 - rate): how much the record multiplies the odds of a suggestion."""
        return (self.accepted + 1) / (self.rejected + 1)

    def describe(self) -> str:
        if self.rejected:
            return f"rejected {self.rejected} of {self.decided} times for this concept"
        return f"accepted {self.accepted} of {self.decided} times for this concept"


def term_records(
    suggestions: Iterable[Suggestion],
    accepted: Iterable[PlacedCoding],
    decisions: Iterable[PlacedCoding],
) -> dict[tuple[str, str], TermRecord]:
    """(concept, term) → its record over the decided keyword and pattern ``suggestions``
    (see the module docstring). ``accepted`` are the counted codings, ``decisions`` every
    placed journal line in journal order."""
    verdicts = _Verdicts(accepted, decisions)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for suggestion in suggestions:
        if suggestion.method not in LEARNT_METHODS:
            continue
        verdict = verdicts.of(suggestion)
        if verdict is None:
            continue
        for term in _distinct_terms(suggestion):
            counts[(suggestion.concept, term)][0 if verdict == "accept" else 1] += 1
    return {key: TermRecord(a, r) for key, (a, r) in sorted(counts.items())}


def learn_from_decisions(
    suggestions: Sequence[Suggestion],
    accepted: Sequence[PlacedCoding],
    decisions: Sequence[PlacedCoding],
    *,
    discredited_below: float = DISCREDITED_BELOW,
) -> list[Suggestion]:
    """``suggestions`` with the undecided keyword and pattern ones rescored by their
    terms' records, and those all of whose terms are discredited left out (see the module
    docstring); order is kept. ``accepted`` and ``decisions`` as for :func:`term_records`."""
    records = term_records(suggestions, accepted, decisions)
    if not records:
        return list(suggestions)
    verdicts = _Verdicts(accepted, decisions)
    learnt: list[Suggestion] = []
    for suggestion in suggestions:
        if suggestion.method not in LEARNT_METHODS or verdicts.of(suggestion) is not None:
            learnt.append(suggestion)
            continue
        terms = _distinct_terms(suggestion)
        known = {
            t: records[(suggestion.concept, t)] for t in terms if (suggestion.concept, t) in records
        }
        if not known:
            learnt.append(suggestion)
            continue
        if len(known) == len(terms) and all(
            r.acceptance_rate < discredited_below for r in known.values()
        ):
            continue
        learnt.append(
            replace(
                suggestion,
                score=_rescored(suggestion.score, len(terms), list(known.values())),
                evidence=tuple(_annotated(e, known.get(e.term)) for e in suggestion.evidence),
            )
        )
    return learnt


def _rescored(score: float, terms: int, records: Sequence[TermRecord]) -> float:
    """The noisy-or of ``terms`` equal weights making ``score``, the weights of the terms
    with a record updated by it (see the module docstring)."""
    if score <= 0.0 or score >= 1.0:
        return score  # certain either way: no record moves a probability of 0 or 1
    weight = 1.0 - (1.0 - score) ** (1.0 / terms)
    remaining = (1.0 - weight) ** (terms - len(records))  # the terms without a record
    for record in records:
        odds = weight / (1.0 - weight) * record.likelihood_ratio
        remaining *= 1.0 - odds / (1.0 + odds)
    return round(1.0 - remaining, 4)


def _annotated(evidence: Evidence, record: TermRecord | None) -> Evidence:
    if record is None:
        return evidence
    cue = record.describe() if not evidence.cue else f"{evidence.cue}; {record.describe()}"
    return replace(evidence, cue=cue)


def _distinct_terms(suggestion: Suggestion) -> list[str]:
    return list(dict.fromkeys(e.term for e in suggestion.evidence))


class _Verdicts:
    """Whether a suggestion's span was accepted or rejected for its concept: a counted
    accept overlapping it wins over any rejection (as when coders disagree, the counted
    accept stands); an undo withdraws a decision rather than rejecting."""

    def __init__(self, accepted: Iterable[PlacedCoding], decisions: Iterable[PlacedCoding]):
        self._accepted = _spans(accepted)
        self._rejected = _spans(
            p for p in standing_decisions(decisions) if p.coding.decision == "reject"
        )

    def of(self, suggestion: Suggestion) -> str | None:
        key = (suggestion.transcript, suggestion.concept)
        if _overlaps(suggestion, self._accepted.get(key, ())):
            return "accept"
        if _overlaps(suggestion, self._rejected.get(key, ())):
            return "reject"
        return None


def _spans(codings: Iterable[PlacedCoding]) -> dict[tuple[str, str], list[tuple[int, int]]]:
    spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for placed in codings:
        spans[(placed.coding.transcript, placed.concept)].append((placed.start, placed.end))
    return spans


def _overlaps(suggestion: Suggestion, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < suggestion.end and suggestion.start < end for start, end in spans)
