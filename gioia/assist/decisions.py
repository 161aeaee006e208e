"""What a coder's decisions say about each (segment, concept) pair: the decision features
of :mod:`gioia.assist.features` (``accepted_sim`` to ``accepted_count``, and the term
records).

The coder's decisions are always read from *other interviews* than the segment's own: a
segment's features never use decisions in its own transcript. Training rows then look
exactly like the rows of an interview nobody has coded yet (the ones the ranker is for),
and talk is never "like" the decisions on the turns around it, which share its topic
because they are the same conversation, not because they are the same concept.

``vote_*`` is the similarity-weighted share of the ``VOTERS`` most similar decided
segments that were accepted for the concept; a term is *discredited* for a concept when
its rate (a + 1) / (a + r + 2) is below ``DISCREDITED_BELOW``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy
from scipy import sparse

from gioia.assist.labels import Labels
from gioia.models import PlacedCoding

if TYPE_CHECKING:
    from gioia.assist.features import Space

__all__ = ["DISCREDITED_BELOW", "VOTERS", "DecisionView"]

VOTERS = 10
# As in gioia.assist.records: a term rejected three times and never accepted.
DISCREDITED_BELOW = 0.25


class DecisionView:
    """What a learner's labels say about each pair, read from other interviews only
    (see the module docstring): the decision features of :class:`Space` rows."""

    def __init__(self, space: Space, labels: Labels):
        self.labels = labels
        self.decided = space.segments_of(set(labels.worked))
        k = len(space.concepts)
        self.accepted = numpy.zeros((len(space.segments), k), bool)
        self.rejected = numpy.zeros((len(space.segments), k), bool)
        # Each concept's accepted segments and the decisions accepting them (evidence).
        self.accepted_codings: dict[int, list[tuple[int, PlacedCoding]]] = defaultdict(list)
        for (segment, concept), placed in labels.accepted.items():
            if concept in space.concept_index:
                self.accepted[segment, space.concept_index[concept]] = True
                self.accepted_codings[space.concept_index[concept]].append((segment, placed))
        for (segment, concept), _ in labels.rejected.items():
            if concept in space.concept_index:
                self.rejected[segment, space.concept_index[concept]] = True
        transcripts = len(space.transcript_names)
        self.accepted_in = numpy.zeros((transcripts, k))
        self.decided_in = numpy.zeros(transcripts)
        for segment in self.decided.tolist():
            self.accepted_in[space.transcript[segment]] += self.accepted[segment]
            self.decided_in[space.transcript[segment]] += 1
        # (concept, term) → transcript → [accepted, rejected], over keyword pairs decided
        # explicitly (an undecided keyword pair is pending, not a verdict on its terms).
        self.records: dict[tuple[int, str], dict[int, list[int]]] = defaultdict(
            lambda: defaultdict(lambda: [0, 0])
        )
        for (segment, concept), made in space.keyword.items():
            verdict = (
                0
                if self.accepted[segment, concept]
                else 1
                if self.rejected[segment, concept]
                else None
            )
            if verdict is None:
                continue
            for term in {e.term for e in made.evidence}:
                self.records[(concept, term)][int(space.transcript[segment])][verdict] += 1
        self._totals = {
            key: (sum(v[0] for v in found.values()), sum(v[1] for v in found.values()))
            for key, found in self.records.items()
        }

    def decided_features(self, space: Space, rows: numpy.ndarray) -> list[numpy.ndarray]:
        n, k = len(rows), len(space.concepts)
        own = space.transcript[rows]
        decided = self.decided
        if len(decided) == 0:
            zeros = numpy.zeros((n, k))
            prior = numpy.full((n, k), math.log(0.5))
            return [zeros] * 7 + [prior, zeros]
        other = own[:, None] != space.transcript[decided][None, :]
        accepted = self.accepted[decided]
        rejected = self.rejected[decided]
        talk = _masked(space.talk[rows] @ space.talk[decided].T, other)
        question = _masked(space.questions[rows] @ space.questions[decided].T, other)
        context = _masked(space.context[rows] @ space.context[decided].T, other)
        accepted_sim = _best_of(talk, accepted)
        rejected_sim = _best_of(talk, rejected)
        accepted_q_sim = _best_of(question, accepted)
        rejected_q_sim = _best_of(question, rejected)
        votes = [_vote(m, accepted) for m in (talk, question, context)]
        accepted_elsewhere = self.accepted_in.sum(axis=0)[None, :] - self.accepted_in[own]
        decided_elsewhere = (self.decided_in.sum() - self.decided_in[own])[:, None]
        prior = numpy.log((accepted_elsewhere + 1) / (decided_elsewhere + 2))
        count = numpy.log1p(accepted_elsewhere)
        return [
            accepted_sim, rejected_sim, accepted_q_sim, rejected_q_sim, *votes, prior, count,
        ]  # fmt: skip

    def record_features(self, space: Space, rows: numpy.ndarray) -> list[numpy.ndarray]:
        n, k = len(rows), len(space.concepts)
        best, worst, total, discredited = (numpy.zeros((n, k)) for _ in range(4))
        for i, segment in enumerate(rows.tolist()):
            own = int(space.transcript[segment])
            for concept in numpy.flatnonzero(space.kw[segment, :, 0] > 0).tolist():
                made = space.keyword[(segment, concept)]
                ratios, rates = [], []
                for term in {e.term for e in made.evidence}:
                    a, r = self.record(concept, term, excluding=own)
                    ratios.append(math.log((a + 1) / (r + 1)))
                    rates.append((a + 1) / (a + r + 2))
                best[i, concept], worst[i, concept] = max(ratios), min(ratios)
                total[i, concept] = sum(ratios)
                discredited[i, concept] = float(all(rate < DISCREDITED_BELOW for rate in rates))
        return [best, worst, total, discredited]

    def record(self, concept: int, term: str, *, excluding: int = -1) -> tuple[int, int]:
        """(accepted, rejected) keyword pairs of ``concept`` through ``term``, in
        transcripts other than ``excluding``."""
        found = self.records.get((concept, term))
        if not found:
            return 0, 0
        a, r = self._totals[(concept, term)]
        own = found.get(excluding)
        return (a - own[0], r - own[1]) if own else (a, r)


def _masked(product: sparse.spmatrix, keep: numpy.ndarray) -> numpy.ndarray:
    dense = numpy.asarray(product.todense(), numpy.float32)
    return numpy.where(keep, dense, 0.0)


def _best_of(similarity: numpy.ndarray, members: numpy.ndarray) -> numpy.ndarray:
    """For each row and concept, the largest similarity to a member of the concept."""
    best = numpy.zeros((similarity.shape[0], members.shape[1]), numpy.float32)
    for concept in numpy.flatnonzero(members.any(axis=0)).tolist():
        best[:, concept] = similarity[:, members[:, concept]].max(axis=1)
    return best


def _vote(similarity: numpy.ndarray, accepted: numpy.ndarray) -> numpy.ndarray:
    """The similarity-weighted share of the ``VOTERS`` most similar decided segments
    that were accepted for each concept."""
    voters = min(VOTERS, similarity.shape[1])
    nearest = numpy.argpartition(-similarity, voters - 1, axis=1)[:, :voters]
    weight = numpy.take_along_axis(similarity, nearest, axis=1)
    total = weight.sum(axis=1, keepdims=True)
    share = numpy.einsum("nv,nvc->nc", weight, accepted[nearest].astype(numpy.float64))
    return numpy.divide(share, total, out=numpy.zeros_like(share), where=total > 0)
