"""A learner's decisions as labels of (segment, concept) pairs: what the ranker learns from.

Whose decisions. A :class:`Learner` names the coders whose journals are learnt from: the
coder alone (``gioia suggest --coder hb``), or journals pooled on purpose
(``--learn-from hb,ms``, or ``settings: suggest: learn_from:``). Coders never learn from
each other otherwise, so that intercoder agreement is not inflated by one coder's
suggestions carrying another's judgement.

Which decisions. Each coder's *standing* decision per span and concept (their latest
line, unless it is an undo, which withdraws it), made by a person: accepts and rejects of
suggestions, recodes (a reject of one concept and an accept of another), ``gioia code``
codings and imported codings. ``source: auto`` lines are left out: a machine's own
acceptances teach it nothing but its own mistakes.

Labels. A segment is *accepted* for a concept when a standing accept of the concept
overlaps it, and *rejected* when a standing rejection does and no accept of the concept
overlaps it (an accept wins, as in counting). A transcript is *worked* when it holds any
decision of the learner: every other pair of its segments is an *implicit* rejection —
talk a coder has worked on and not coded with a concept is, as far as anyone knows, not
that concept. (A pending suggestion there is an implicit rejection too until it is
decided; the ranker learns from implicit rejections with the same weight, which ranks
what is accepted above everything else, as positive-unlabelled learning does.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gioia.models import PlacedCoding, Segment

__all__ = [
    "MACHINE_SOURCES",
    "UNDO_FLAG",
    "Labels",
    "Learner",
    "label_pairs",
    "standing_decisions",
]

# The journal's convention for a line that withdraws the coder's previous decision.
UNDO_FLAG = "undo"
# Decisions no person made: never learnt from.
MACHINE_SOURCES = frozenset({"auto"})


@dataclass(frozen=True)
class Learner:
    """The coders whose decisions a ranker learns from; none: the codebook alone."""

    coders: tuple[str, ...]

    @property
    def name(self) -> str:
        """How the evidence and the report name it: "hb", or "hb and ms"."""
        if len(self.coders) <= 1:
            return "".join(self.coders) or "the codebook"
        return ", ".join(self.coders[:-1]) + " and " + self.coders[-1]

    @property
    def key(self) -> str:
        """A file name for its caches: "codebook", "hb", "hb+ms"."""
        return "+".join(self.coders) or "codebook"


def standing_decisions(decisions: Iterable[PlacedCoding]) -> list[PlacedCoding]:
    """Each coder's latest line per span and concept, unless it is an undo (which
    withdraws the decision); ``decisions`` are in journal order, as
    :func:`gioia.journal.place_codings` gives them."""
    latest: dict[tuple[str, str, int, int, str], PlacedCoding] = {}
    for placed in decisions:
        coding = placed.coding
        latest[(coding.coder, coding.transcript, placed.start, placed.end, placed.concept)] = placed
    return [p for p in latest.values() if UNDO_FLAG not in p.coding.flags]


@dataclass(frozen=True)
class Labels:
    """The learner's decisions as labels of (segment index, concept id) pairs; segment
    indexes are positions in the sequence :func:`label_pairs` was given."""

    accepted: dict[tuple[int, str], PlacedCoding]  # with a decision that accepts it
    rejected: dict[tuple[int, str], PlacedCoding]  # explicitly, and not accepted
    worked: frozenset[str]  # transcripts holding a decision: the rest of their pairs
    decisions: int  # standing human decisions learnt from
    interviews: int  # transcripts they lie in

    def label(self, segment: int, concept: str) -> bool:
        """Accepted (True) or not, for a pair of a worked transcript."""
        return (segment, concept) in self.accepted


def label_pairs(
    segments: Sequence[Segment], decisions: Iterable[PlacedCoding], learner: Learner
) -> Labels:
    """The labels ``learner``'s standing human decisions give the pairs of ``segments``
    (ordered by transcript and start), as the module docstring says."""
    wanted = set(learner.coders)
    standing = [
        p
        for p in standing_decisions(d for d in decisions if d.coding.coder in wanted)
        if p.coding.source not in MACHINE_SOURCES
    ]
    by_transcript: dict[str, list[int]] = {}
    for index, segment in enumerate(segments):
        by_transcript.setdefault(segment.transcript, []).append(index)
    accepted: dict[tuple[int, str], PlacedCoding] = {}
    rejected: dict[tuple[int, str], PlacedCoding] = {}
    for placed in standing:
        for index in by_transcript.get(placed.coding.transcript, ()):
            segment = segments[index]
            if not (placed.start < segment.end and segment.start < placed.end):
                continue
            key = (index, placed.concept)
            if placed.coding.decision == "accept":
                accepted.setdefault(key, placed)
            else:
                rejected.setdefault(key, placed)
    for key in accepted:
        rejected.pop(key, None)
    worked = frozenset(p.coding.transcript for p in standing)
    return Labels(accepted, rejected, worked, len(standing), len(worked))
