"""One coder's review session: a queue of pending suggestions, where the coder is in it,
the span they have chosen, and the decisions they have made.

Every decision is appended to the coder's journal, flushed and fsynced, *before* the next
suggestion is shown, so a crash loses at most the decision being typed.

Undo never rewrites the journal. It appends a line for the same span and concept with
``decision: reject`` and ``flags: ["undo"]``: as the latest line it withdraws an earlier
accept (a reject counts for nothing), and it marks the suggestion as pending again. A
decision made again on an item gone back to withdraws the earlier one the same way.

Which items are decided follows the rule a restart uses (:func:`gioia.review_queue.
covered_keys`): an item is decided once a standing decision of this session on its
concept overlaps it. So the header's counts after a decision are the counts a restart
shows, whatever the span chosen.

Where the coder is: the *trail* of items shown, in the order shown. Back and next walk
it; past its end, next is the next pending item (the queue's, or the learned order's
pick). A decision made while back in the trail returns to its far end.

Orders: transcript position, score, concept — a fixed queue — or ``learned``: a
:class:`Chooser` (:class:`gioia.assist.queue.LearnedOrder`) picks each next pair after
hearing every decision, so the queue changes as the coder works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from gioia.journal import append_coding, now_utc
from gioia.models import Codebook, Coding, Concept, Suggestion
from gioia.review_queue import (
    POWER_FLAG,
    UNDO_FLAG,
    Chooser,
    Chosen,
    Key,
    Progress,
    ReviewItem,
    ReviewView,
    first_words,
)
from gioia.review_span import SpanChoice

__all__ = ["Chooser", "ReviewSession", "ReviewView", "first_words"]


@dataclass
class _Decision:
    """The journal lines one keystroke wrote, so that undo can withdraw them all."""

    index: int
    codings: list[Coding] = field(default_factory=list)
    said: str = ""  # the confirmation, e.g. 'accepted: "I rant in…" → venting'


class ReviewSession(SpanChoice):
    """A queue of review items and the coder's decisions on them."""

    def __init__(
        self,
        items: Sequence[ReviewItem],
        journal: Path,
        coder: str,
        codebook: Codebook,
        *,
        decided_before: Mapping[str, int] | None = None,
        clock: Callable[[], str] = now_utc,
        chooser: Chooser | None = None,
        decided: Iterable[Key] = (),
        admits: Callable[[Key, float], bool] = lambda key, score: True,
        make_item: Callable[[Suggestion, str], ReviewItem] | None = None,
    ):
        self.items = list(items)
        self.journal = journal
        self.coder = coder
        self.codebook = codebook
        self.clock = clock
        self.index = 0
        self.trail: list[int] = []  # indexes of the items shown, in the order shown
        self.pos = -1  # where in the trail the coder is
        self.done: set[int] = set()  # indexes a standing decision of this session covers
        self.history: list[_Decision] = []
        self.decisions: dict[int, _Decision] = {}  # the standing decision on an item
        self.standing: dict[Key, Coding] = {}  # this session's latest line per key
        self.spans: dict[tuple[str, str], list[tuple[int, int]]] = {}  # of standing ones
        # suggestions decided in earlier sessions, per transcript
        self.decided_before = dict(decided_before or {})
        self.memo = ""
        self.run: tuple[int, int] | None = None  # sentences chosen; None: the segment
        # The learned order: the chooser picks each next pair among those not decided
        # that the session's filters admit; make_item turns its pick into an item.
        self.chooser = chooser
        self.decided = set(decided)
        self.admits = admits
        self.make_item = make_item
        if chooser is not None:
            self._choose()
        else:
            self._go(0)

    @property
    def current(self) -> ReviewItem | None:
        return self.items[self.index] if self.index < len(self.items) else None

    def progress(self) -> Progress:
        item = self.current
        if self.chooser is not None and self.chooser.trained:
            return self._learned_progress(item)
        in_transcript = [
            i
            for i, it in enumerate(self.items)
            if item is not None and it.suggestion.transcript == item.suggestion.transcript
        ]
        earlier = self.decided_before.get(item.suggestion.transcript, 0) if item else 0
        return Progress(
            decided=sum(self.decided_before.values()) + len(self.done),
            pending=len(self.items) - len(self.done),
            transcript_decided=earlier + sum(1 for i in in_transcript if i in self.done),
            transcript_pending=sum(1 for i in in_transcript if i not in self.done),
        )

    def _learned_progress(self, item: ReviewItem | None) -> Progress:
        """Pending is what the ranker now finds likely enough, so it moves as it learns."""
        assert self.chooser is not None
        transcript = item.suggestion.transcript if item else None
        earlier = self.decided_before.get(transcript, 0) if transcript else 0
        return Progress(
            decided=sum(self.decided_before.values()) + len(self.done),
            pending=self.chooser.candidates(self._open),
            transcript_decided=earlier
            + sum(1 for i in self.done if self.items[i].suggestion.transcript == transcript),
            transcript_pending=self.chooser.candidates(
                lambda key, p: key[0] == transcript and self._open(key, p)
            ),
        )

    def view(self, **extra: object) -> ReviewView:
        item = self.current
        return ReviewView(  # type: ignore[arg-type]
            item,
            self.progress(),
            self.memo,
            span=self.span() if item else None,
            run=self.run,
            status=self.status(),
            **extra,
        )

    def status(self) -> str:
        """How the current item stands when it was decided in this session."""
        decision = self.decisions.get(self.index)
        if decision is not None:
            return f"decided: {decision.said}"
        if self.index in self.done:
            return "decided: covered by another decision on this concept"
        return ""

    # ------------------------------------------------------------------ decisions

    def accept(self, power: bool = False) -> str:
        item = self._require()
        coding = self._coding(item, item.concept.id, "accept", item.suggestion.method, power)
        said = "accepted as a power quote" if power else "accepted"
        return self._decide([coding], f'{said}: "{first_words(coding.quote)}" → {item.concept.id}')

    def reject(self) -> str:
        """The suggestion is wrong: rejected for the whole suggested segment."""
        item = self._require()
        self.run = None
        coding = self._coding(item, item.concept.id, "reject", item.suggestion.method)
        return self._decide(
            [coding], f'rejected: "{first_words(coding.quote)}" ✗ {item.concept.id}'
        )

    def recode(self, concept: Concept) -> str:
        """This talk is not the suggested concept but ``concept``: reject the one (for
        the suggested segment) and record the other as a human coding of the chosen span."""
        item = self._require()
        run, self.run = self.run, None
        rejected = self._coding(item, item.concept.id, "reject", item.suggestion.method, memo="")
        self.run = run
        accepted = self._coding(item, concept.id, "accept", "human")
        return self._decide(
            [rejected, accepted],
            f'recoded: "{first_words(accepted.quote)}" → {concept.id} (not {item.concept.id})',
        )

    def skip(self) -> str:
        """Decide later: on to the next item (it stays pending)."""
        item = self._require()
        decided = self.index in self.done
        self.forward()
        return "next" if decided else f'skipped: "{first_words(item.text)}" (still pending)'

    def set_memo(self, memo: str) -> None:
        self.memo = memo.strip()

    def undo(self) -> str | None:
        """Withdraw the last decision of this session and go back to it."""
        if not self.history:
            return None
        last = self.history.pop()
        for coding in last.codings:
            self._withdraw(coding)
        self.decisions.pop(last.index, None)
        self._refresh_done()
        self._go(last.index)
        item = self.items[last.index]
        return f'undone: "{first_words(item.text)}" → {item.concept.id} is pending again'

    # ------------------------------------------------------------------ moving

    def back(self) -> bool:
        if self.pos <= 0:
            return False
        self.pos -= 1
        self._at(self.trail[self.pos])
        return True

    def forward(self) -> bool:
        """The next item of the trail, or past its end the next pending one."""
        if self.pos + 1 < len(self.trail):
            self.pos += 1
            self._at(self.trail[self.pos])
            return True
        self._next_open()
        return self.current is not None

    def next_transcript(self) -> bool:
        """On to the first pending item of another transcript."""
        item = self._require()
        other = item.suggestion.transcript
        if self.chooser is not None and self.chooser.trained:
            chosen = self.chooser.pick(lambda key, p: key[0] != other and self._open(key, p))
            if chosen is not None:
                self._take(chosen)
                return True
        frontier = self.trail[-1] if self.trail else 0
        order = [*range(frontier + 1, len(self.items)), *range(frontier + 1)]
        for i in order:
            it = self.items[i]
            if (
                i not in self.done
                and it.suggestion.transcript != other
                and (self.chooser is None or self._open(it.key, it.suggestion.score))
            ):
                self._go(i)
                return True
        return False

    # ------------------------------------------------------------------ internals

    def _require(self) -> ReviewItem:
        item = self.current
        if item is None:
            raise IndexError("no suggestion left to review")
        return item

    def _coding(
        self,
        item: ReviewItem,
        concept: str,
        decision: str,
        source: str,
        power: bool = False,
        memo: str | None = None,
    ) -> Coding:
        s = item.suggestion
        start, end = self.span()
        return Coding(
            transcript=s.transcript,
            start=start,
            end=end,
            concept=concept,
            decision=decision,  # type: ignore[arg-type]
            coder=self.coder,
            source=source,
            quote=item.transcript.text[start:end],
            at=self.clock(),
            # the score is the suggested segment's, not a span chosen from it
            score=s.score if source == s.method and (start, end) == item.span else None,
            memo=self.memo if memo is None else memo,
            flags=(POWER_FLAG,) if power and decision == "accept" else (),
        )

    def _decide(self, codings: list[Coding], said: str) -> str:
        earlier = self.decisions.get(self.index)
        if earlier is not None:  # decided again: withdraw what the new lines do not replace
            keys = {c.key for c in codings}
            for coding in earlier.codings:
                if coding.key not in keys:
                    self._withdraw(coding)
        for coding in codings:
            append_coding(self.journal, coding)  # flushed and fsynced before moving on
            self._heard(coding)
        decision = _Decision(self.index, codings, said)
        self.history.append(decision)
        self.decisions[self.index] = decision
        self._refresh_done()
        if self.pos + 1 < len(self.trail) and self.trail[-1] not in self.done:
            self.pos = len(self.trail) - 1  # back where the coder was before going back
            self._at(self.trail[-1])
        else:
            self._next_open()
        return said

    def _withdraw(self, coding: Coding) -> None:
        undone = replace(
            coding, decision="reject", at=self.clock(), memo="undo", flags=(UNDO_FLAG,)
        )
        append_coding(self.journal, undone)
        self._heard(undone)

    def _heard(self, coding: Coding) -> None:
        """Keep the session's (and the learned order's) view of the decisions in step
        with the journal."""
        self.standing[coding.key] = coding
        if self.chooser is None:
            return
        if UNDO_FLAG in coding.flags:
            self.decided.discard(coding.key)
        else:
            self.decided.add(coding.key)
        self.chooser.record(coding)

    def _refresh_done(self) -> None:
        """The items a standing decision of this session on their concept overlaps."""
        self.spans = {}
        for (transcript, start, end, concept), coding in self.standing.items():
            if UNDO_FLAG not in coding.flags:
                self.spans.setdefault((transcript, concept), []).append((start, end))
        self.done = {i for i, item in enumerate(self.items) if self._covered(item.key)}

    def _covered(self, key: Key) -> bool:
        transcript, start, end, concept = key
        return any(s < end and start < e for s, e in self.spans.get((transcript, concept), ()))

    def _at(self, index: int) -> None:
        """Show the item at ``index`` (a move within the trail)."""
        self.index = index
        self.memo, self.run = "", None

    def _go(self, index: int) -> None:
        """Show the item at ``index`` as the trail's newest step."""
        self._at(index)
        if index < len(self.items):
            self.trail.append(index)
            self.pos = len(self.trail) - 1

    def _next_open(self) -> None:
        if self.chooser is not None:
            self._choose()
            return
        index = (self.trail[-1] if self.trail else -1) + 1
        while index < len(self.items) and index in self.done:
            index += 1
        self._go(index)

    def _open(self, key: Key, score: float) -> bool:
        """Not decided (before, or by a decision of this session that overlaps it, a
        narrowed span too) and admitted by the session's filters."""
        return key not in self.decided and not self._covered(key) and self.admits(key, score)

    def _choose(self) -> None:
        """The learned order's next item: the chooser's pick once it has a ranker, else
        the best-scoring item still open."""
        assert self.chooser is not None
        # Items shown and left pending (skipped) wait for the next session.
        shown = {self.items[i].key for i in self.trail if i not in self.done}

        def allowed(key: Key, score: float) -> bool:
            return key not in shown and self._open(key, score)

        chosen = self.chooser.pick(allowed) if self.chooser.trained else None
        if chosen is None:
            self._go(
                next(
                    (
                        i
                        for i, item in enumerate(self.items)
                        if i not in self.done and allowed(item.key, item.suggestion.score)
                    ),
                    len(self.items),
                )
            )
            return
        self._take(chosen)

    def _take(self, chosen: Chosen) -> None:
        note = "shown to learn about a concept you have not coded yet" if chosen.exploring else ""
        made = chosen.suggestion
        key = (made.transcript, made.start, made.end, made.concept)
        for i, item in enumerate(self.items):
            if i not in self.done and item.key == key:
                self.items[i] = replace(item, suggestion=chosen.suggestion, note=note)
                self._go(i)
                return
        assert self.make_item is not None, "a learned order needs make_item"
        self.items.append(self.make_item(chosen.suggestion, note))
        self._go(len(self.items) - 1)
