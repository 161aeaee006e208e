"""The review queue in learned order (``gioia review --order learned``).

The coder sees first the pair they are likeliest to accept, and every
``EXPLORE_EVERY``-th pair the likeliest of a concept they have not coded in any segment
yet, so that the ranker also learns about concepts it has no decision on instead of only
confirming what it already ranks high. (Uncertainty sampling, "the pair nearest 0.5",
would not explore here: a coder accepts one pair in fifty, every probability is below
one half, and the pair nearest 0.5 is the likeliest one.) After each decision the ranker
is fitted again on every decision so far, in the time it takes to draw the next screen,
and the whole study's pairs are scored again: talk with none of the codebook's words
rises into the queue as soon as it resembles what the coder accepts.

Until the learner has enough decisions to fit a ranker (:func:`ranker.not_trainable`),
the queue is the pending suggestions by score, best first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy

from gioia.assist import ranker
from gioia.assist.decisions import DecisionView
from gioia.assist.features import Space, crossed_concepts
from gioia.assist.labels import Learner, label_pairs
from gioia.models import Coding, PlacedCoding, Suggestion

__all__ = ["EXPLORE_EVERY", "LearnedOrder"]

EXPLORE_EVERY = 5

Key = tuple[str, int, int, str]  # (transcript, start, end, concept)


@dataclass(frozen=True)
class Pick:
    suggestion: Suggestion
    exploring: bool  # shown for a concept the coder has not coded yet


class LearnedOrder:
    """Scores every pair with the learner's ranker, fitted again after each decision."""

    def __init__(
        self,
        space: Space,
        decisions: Iterable[PlacedCoding],
        learner: Learner,
        calibration: tuple[float, float] | None = None,
    ):
        self.space = space
        self.learner = learner
        self.decisions = list(decisions)
        self.calibration = calibration
        self.picks = 0
        self._keys = [s.key for s in space.segments]
        self._everything = numpy.arange(len(space.segments))
        self._crossed: numpy.ndarray | None = None
        self._crosses = None
        self._refit()

    @property
    def trained(self) -> bool:
        return self._probability is not None

    def record(self, coding: Coding) -> None:
        """A decision just written to the journal (spans are the segment's own)."""
        concept = self.space.concepts[self.space.concept_index[coding.concept]].id
        self.decisions.append(PlacedCoding(coding, concept, coding.start, coding.end, ()))
        self._refit()

    def _refit(self) -> None:
        """Fit again on every decision so far and score every pair. The pairs of every
        segment are worked out once and serve both: fitting on those of the worked
        interviews, scoring all of them."""
        space = self.space
        self.labels = label_pairs(space.segments, self.decisions, self.learner)
        self._probability = None
        if ranker.not_trainable(self.labels, space) is not None:
            return
        self.view = DecisionView(space, self.labels)
        crossed = crossed_concepts(space, self.labels)
        if self._crosses is None or not numpy.array_equal(crossed, self._crossed):
            # The concept × term columns change only when a concept is crossed anew.
            self._crossed, self._crosses = crossed, space.crosses(self._everything, crossed)
        dense = space.features(self._everything, self.view)
        worked = _pair_rows(space.segments_of(set(self.labels.worked)), len(space.concepts))
        target = ranker.targets(space, self._everything, self.labels)[worked]
        decided = ranker.explicit(space, self._everything, self.labels)[worked]
        model = ranker.fit_design(dense[worked], self._crosses[worked], target, crossed, decided)
        model.calibration = self.calibration
        self.model = model
        self._floor = ranker.floor(space, self.labels)
        decision = model.decision_of(dense, self._crosses)
        self._probability = model.probability(decision).reshape(
            len(space.segments), len(space.concepts)
        )

    def pick(self, allowed: Callable[[Key, float], bool]) -> Pick | None:
        """The next pair to show among those ``allowed(key, probability)`` admits (not
        decided, within the session's filters), as likely as the ranker's floor."""
        candidates = list(self._admitted(allowed))
        if not candidates:
            return None
        self.picks += 1
        best = max(candidates, key=lambda c: (c[0], -c[1], -c[2]))
        exploring = False
        if self.picks % EXPLORE_EVERY == 0:
            coded = {concept for _, concept in self.labels.accepted}
            uncoded = [c for c in candidates if self.space.concepts[c[2]].id not in coded]
            if uncoded:
                best, exploring = max(uncoded, key=lambda c: (c[0], -c[1], -c[2])), True
        p, segment, concept = best
        space = self.space
        evidence = ranker.explain(space, self.view, self.learner, segment, concept)
        key = (*self._keys[segment], space.concepts[concept].id)
        return Pick(Suggestion(*key, round(p, 4), "learned", evidence), exploring)

    def candidates(self, allowed: Callable[[Key, float], bool]) -> int:
        """How many pairs ``allowed`` admits, as likely as the ranker's floor."""
        return sum(1 for _ in self._admitted(allowed))

    def _admitted(self, allowed: Callable[[Key, float], bool]) -> Iterator[tuple[float, int, int]]:
        if self._probability is None:
            return
        likely = numpy.nonzero(self._probability >= self._floor)
        for segment, concept in zip(*(axis.tolist() for axis in likely), strict=True):
            p = float(self._probability[segment, concept])
            if allowed((*self._keys[segment], self.space.concepts[concept].id), p):
                yield p, segment, concept


def _pair_rows(segments: numpy.ndarray, concepts: int) -> numpy.ndarray:
    """The row numbers, in a row-major pair matrix, of every pair of ``segments``."""
    return (segments[:, None] * concepts + numpy.arange(concepts)[None, :]).reshape(-1)
