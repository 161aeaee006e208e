"""The span a review decision records: the suggested segment, or a run of sentences of
its turn the coder chose — narrowed to the sentences carrying the evidence (the matched
terms' positions), widened or narrowed by a sentence, or picked by number. A mixin of
:class:`gioia.review_session.ReviewSession`, kept apart to keep both short."""

from __future__ import annotations

from gioia.review_queue import ReviewItem
from gioia.sentences import covering, evidence_run, parse_numbers

__all__ = ["SpanChoice"]


class SpanChoice:
    """``run`` is the chosen sentences (first, last) of the current item's turn, or None
    for the suggested segment; the session resets it whenever the item changes."""

    run: tuple[int, int] | None = None

    def _require(self) -> ReviewItem:  # the session's: the current item
        raise NotImplementedError

    def span(self) -> tuple[int, int]:
        """What a decision records: the chosen sentences, or the suggested segment."""
        item = self._require()
        if self.run is None:
            return item.span
        first, last = self.run
        return (item.sentences[first][0], item.sentences[last][1])

    def narrow_to_evidence(self) -> bool:
        item = self._require()
        evidence = [(e.start, e.end) for e in item.suggestion.evidence]
        found = evidence_run(item.sentences, *item.span, evidence)
        if found is None:
            return False
        self.run = found
        return True

    def widen(self) -> bool:
        """One sentence more: the next in the turn, or the one before at its end."""
        first, last = self._run()
        if last + 1 < len(self._require().sentences):
            self.run = (first, last + 1)
        elif first > 0:
            self.run = (first - 1, last)
        else:
            return False
        return True

    def narrow(self) -> bool:
        """One sentence fewer: the last one chosen."""
        first, last = self._run()
        if first == last:
            return False
        self.run = (first, last - 1)
        return True

    def choose_sentences(self, typed: str) -> bool:
        found = parse_numbers(typed, len(self._require().sentences))
        if found is not None:
            self.run = found
        return found is not None

    def whole(self) -> None:
        self.run = None

    def _run(self) -> tuple[int, int]:
        item = self._require()
        return self.run or covering(item.sentences, *item.span) or (0, 0)
