"""The review loop: a coder decides, one key at a time, on each pending suggestion.

This module holds the logic only; it never prints or reads a terminal. The caller injects
three things: ``read_key()`` (one keystroke), ``prompt(label)`` (a line of text, for memos
and recode searches) and ``show(view)`` (draw the screen). Tests drive it with scripted
keys; the CLI drives it with a real terminal.

Every decision is appended to the coder's journal, flushed and fsynced, *before* the next
suggestion is shown, so a crash loses at most the decision being typed. Pending means
"not yet decided by this coder": starting again resumes where the coder left off.

Undo never rewrites the journal. It appends a line for the same span and concept with
``decision: reject`` and ``flags: ["undo"]``: as the latest line it withdraws an earlier
accept (a reject counts for nothing), and it marks the suggestion as pending again.

Orders: transcript position, score, concept — a fixed queue — or ``learned``: a
:class:`Chooser` (:class:`gioia.assist.queue.LearnedOrder`) picks each next pair after
hearing every decision, so the queue changes as the coder works.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from gioia.journal import append_coding, now_utc
from gioia.models import (
    Codebook,
    Coding,
    Concept,
    Dimension,
    PlacedCoding,
    Segment,
    Suggestion,
    Theme,
    Transcript,
    Turn,
)

__all__ = [
    "KEYS",
    "ORDERS",
    "Chooser",
    "Progress",
    "ReviewItem",
    "ReviewSession",
    "ReviewView",
    "covered_keys",
    "decided_keys",
    "pending_items",
    "run_review",
    "search_concepts",
]

UNDO_FLAG = "undo"
POWER_FLAG = "power"
ORDERS = ("position", "score", "concept", "learned")
# One keystroke per action; the footer shows them in this order.
KEYS = {
    "a": "accept",
    "r": "reject",
    "c": "recode",
    "s": "skip",
    "m": "memo",
    "p": "power quote",
    "u": "undo",
    "?": "help",
    "q": "quit",
}
RECODE_CHOICES = 9  # shown as keys 1-9


@dataclass(frozen=True)
class ReviewItem:
    """One pending suggestion with what the coder needs to decide on it."""

    suggestion: Suggestion
    transcript: Transcript
    concept: Concept
    theme: Theme
    dimension: Dimension
    before: Turn | None  # the turn before the segment's turn, for context
    after: Turn | None
    note: str = ""  # why the learned order shows it now, when that is worth saying

    @property
    def text(self) -> str:
        return self.transcript.text[self.suggestion.start : self.suggestion.end]

    @property
    def key(self) -> tuple[str, int, int, str]:
        s = self.suggestion
        return (s.transcript, s.start, s.end, s.concept)


@dataclass(frozen=True)
class Progress:
    decided: int
    pending: int
    transcript_decided: int
    transcript_pending: int


@dataclass(frozen=True)
class ReviewView:
    """Everything the screen shows at one moment."""

    item: ReviewItem | None
    progress: Progress
    memo: str = ""
    power: bool = False
    message: str = ""
    mode: str = "item"  # "item" | "help" | "choices"
    choices: tuple[Concept, ...] = ()


Key = tuple[str, int, int, str]  # (transcript, start, end, concept)


class Chosen(Protocol):
    suggestion: Suggestion
    exploring: bool


class Chooser(Protocol):
    """What the learned order needs: hear each decision, pick the next pair."""

    @property
    def trained(self) -> bool: ...

    def record(self, coding: Coding) -> None: ...

    def pick(self, allowed: Callable[[Key, float], bool]) -> Chosen | None: ...

    def candidates(self, allowed: Callable[[Key, float], bool]) -> int: ...


def decided_keys(placed: Iterable[PlacedCoding], coder: str) -> set[tuple[str, int, int, str]]:
    """(transcript, start, end, concept) of every suggestion ``coder`` has decided: the
    latest line for a span and concept decides, unless it is an undo."""
    latest: dict[tuple[str, int, int, str], Coding] = {}
    for p in placed:
        if p.coding.coder == coder:
            latest[(p.coding.transcript, p.start, p.end, p.concept)] = p.coding
    return {key for key, coding in latest.items() if UNDO_FLAG not in coding.flags}


def covered_keys(
    placed: Iterable[PlacedCoding], coder: str, segments: Iterable[Segment]
) -> set[Key]:
    """(transcript, start, end, concept) of every segment that a standing decision of
    ``coder`` on the concept overlaps: a segment whose talk the coder already coded (or
    rejected) with a concept, by a quote of it, is not offered again for that concept."""
    standing = {}
    for p in placed:
        if p.coding.coder == coder:
            standing[(p.coding.transcript, p.start, p.end, p.concept)] = p.coding
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for (transcript, start, end, concept), coding in standing.items():
        if UNDO_FLAG not in coding.flags:
            spans.setdefault(transcript, []).append((start, end, concept))
    return {
        (s.transcript, s.start, s.end, concept)
        for s in segments
        for start, end, concept in spans.get(s.transcript, ())
        if start < s.end and s.start < end
    }


def pending_items(
    suggestions: Sequence[Suggestion],
    decided: set[tuple[str, int, int, str]],
    transcripts: Mapping[str, Transcript],
    codebook: Codebook,
    *,
    transcript: str | None = None,
    concept: str | None = None,
    theme: str | None = None,
    min_score: float | None = None,
    order: str = "position",
) -> list[ReviewItem]:
    """The suggestions still to review, filtered and ordered."""
    items = []
    for s in suggestions:
        found = codebook.concept(s.concept)
        if found is None or (s.transcript, s.start, s.end, found.id) in decided:
            continue
        if transcript is not None and s.transcript != transcript:
            continue
        if concept is not None and found.id != concept:
            continue
        if theme is not None and found.theme != theme:
            continue
        if min_score is not None and s.score < min_score:
            continue
        source = transcripts[s.transcript]
        turn_index = next(
            (i for i, t in enumerate(source.turns) if t.start <= s.start < t.end), None
        )
        before = source.turns[turn_index - 1] if turn_index else None
        after = (
            source.turns[turn_index + 1]
            if turn_index is not None and turn_index + 1 < len(source.turns)
            else None
        )
        theme_node = next(t for t in codebook.themes if t.id == found.theme)
        dimension_node = next(d for d in codebook.dimensions if d.id == found.dimension)
        items.append(
            ReviewItem(
                replace(s, concept=found.id),
                source,
                found,
                theme_node,
                dimension_node,
                before,
                after,
            )
        )
    if order in ("score", "learned"):
        items.sort(key=lambda i: (-i.suggestion.score, i.suggestion.transcript, i.suggestion.start))
    elif order == "concept":
        rank = {c.id: n for n, c in enumerate(codebook.concepts)}
        items.sort(key=lambda i: (rank[i.concept.id], i.suggestion.transcript, i.suggestion.start))
    return items


def search_concepts(codebook: Codebook, query: str, limit: int = RECODE_CHOICES) -> list[Concept]:
    """Concepts whose id, label or aliases best match ``query``: substring matches first,
    then by similarity, so "coff" finds "coffee-room" and "cofee rom" still does."""
    query = query.strip().lower()
    if not query:
        return []

    def score(concept: Concept) -> float:
        names = [concept.id, concept.label.lower(), *concept.aliases]
        best = max(difflib.SequenceMatcher(None, query, name).ratio() for name in names)
        if any(query in name for name in names):
            best += 1.0
        return best

    ranked = sorted(codebook.concepts, key=lambda c: -score(c))
    return [c for c in ranked if score(c) >= 0.4][:limit]


@dataclass
class _Decision:
    """The journal lines one keystroke wrote, so that undo can withdraw them all."""

    index: int
    codings: list[Coding] = field(default_factory=list)


class ReviewSession:
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
        self.done: set[int] = set()  # indexes decided in this session
        self.history: list[_Decision] = []
        # suggestions decided in earlier sessions, per transcript
        self.decided_before = dict(decided_before or {})
        self.memo = ""
        self.power = False
        # The learned order: the chooser picks each next pair among those not decided
        # that the session's filters admit; make_item turns its pick into an item.
        self.chooser = chooser
        self.decided = set(decided)
        self.admits = admits
        self.make_item = make_item
        if chooser is not None:
            self._choose()

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
        return ReviewView(self.current, self.progress(), self.memo, self.power, **extra)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ decisions

    def accept(self) -> None:
        item = self._require()
        self._decide([self._coding(item, item.concept.id, "accept", item.suggestion.method)])

    def reject(self) -> None:
        item = self._require()
        self._decide([self._coding(item, item.concept.id, "reject", item.suggestion.method)])

    def recode(self, concept: Concept) -> None:
        """This talk is not the suggested concept but ``concept``: reject the one and
        record the other as a human coding of the same span."""
        item = self._require()
        self._decide(
            [
                self._coding(item, item.concept.id, "reject", item.suggestion.method, memo=""),
                self._coding(item, concept.id, "accept", "human"),
            ]
        )

    def skip(self) -> None:
        self._require()
        self._advance()

    def set_memo(self, memo: str) -> None:
        self.memo = memo.strip()

    def toggle_power(self) -> None:
        self.power = not self.power

    def undo(self) -> bool:
        """Withdraw the last decision of this session and go back to it."""
        if not self.history:
            return False
        last = self.history.pop()
        for coding in last.codings:
            undone = replace(
                coding, decision="reject", at=self.clock(), memo="undo", flags=(UNDO_FLAG,)
            )
            append_coding(self.journal, undone)
            self._heard(undone)
        self.done.discard(last.index)
        self.index = last.index
        self.memo, self.power = "", False
        return True

    # ------------------------------------------------------------------ internals

    def _require(self) -> ReviewItem:
        item = self.current
        if item is None:
            raise IndexError("no suggestion left to review")
        return item

    def _coding(
        self, item: ReviewItem, concept: str, decision: str, source: str, memo: str | None = None
    ) -> Coding:
        s = item.suggestion
        accepted = decision == "accept"
        return Coding(
            transcript=s.transcript,
            start=s.start,
            end=s.end,
            concept=concept,
            decision=decision,  # type: ignore[arg-type]
            coder=self.coder,
            source=source,
            quote=item.text,
            at=self.clock(),
            score=s.score if source == s.method else None,
            memo=self.memo if memo is None else memo,
            flags=(POWER_FLAG,) if accepted and self.power else (),
        )

    def _decide(self, codings: list[Coding]) -> None:
        for coding in codings:
            append_coding(self.journal, coding)  # flushed and fsynced before moving on
            self._heard(coding)
        self.history.append(_Decision(self.index, codings))
        self.done.add(self.index)
        self._advance()

    def _heard(self, coding: Coding) -> None:
        """Keep the learned order's view of the decisions in step with the journal."""
        if self.chooser is None:
            return
        key = coding.key
        if UNDO_FLAG in coding.flags:
            self.decided.discard(key)
        else:
            self.decided.add(key)
        self.chooser.record(coding)

    def _advance(self) -> None:
        self.memo, self.power = "", False
        if self.chooser is not None:
            self._choose()
            return
        self.index += 1
        while self.index < len(self.items) and self.index in self.done:
            self.index += 1

    def _open(self, key: Key, score: float) -> bool:
        return key not in self.decided and self.admits(key, score)

    def _choose(self) -> None:
        """The learned order's next item: the chooser's pick once it has a ranker, else
        the best-scoring item still open."""
        assert self.chooser is not None
        chosen = self.chooser.pick(self._open) if self.chooser.trained else None
        if chosen is None:
            self.index = next(
                (
                    i
                    for i, item in enumerate(self.items)
                    if i not in self.done and self._open(item.key, item.suggestion.score)
                ),
                len(self.items),
            )
            return
        note = "shown to learn about a concept you have not coded yet" if chosen.exploring else ""
        made = chosen.suggestion
        key = (made.transcript, made.start, made.end, made.concept)
        for i, item in enumerate(self.items):
            if i not in self.done and item.key == key:
                self.items[i] = replace(item, suggestion=chosen.suggestion, note=note)
                self.index = i
                return
        assert self.make_item is not None, "a learned order needs make_item"
        self.items.append(self.make_item(chosen.suggestion, note))
        self.index = len(self.items) - 1


def run_review(
    session: ReviewSession,
    read_key: Callable[[], str],
    prompt: Callable[[str], str],
    show: Callable[[ReviewView], None],
) -> str:
    """Drive ``session`` with keystrokes until the queue is done or the coder quits.
    Returns "done" or "quit"."""
    message = ""
    while session.current is not None:
        show(session.view(message=message))
        message = ""
        key = read_key()
        action = KEYS.get(key.lower())
        if action == "quit":
            return "quit"
        if action == "accept":
            session.accept()
        elif action == "reject":
            session.reject()
        elif action == "skip":
            session.skip()
        elif action == "memo":
            session.set_memo(prompt("memo: "))
            message = "memo kept for this decision" if session.memo else "memo cleared"
        elif action == "power quote":
            session.toggle_power()
            message = "marked as a power quote" if session.power else "power quote unmarked"
        elif action == "undo":
            message = "last decision undone" if session.undo() else "nothing to undo"
        elif action == "help":
            show(session.view(mode="help"))
            read_key()
        elif action == "recode":
            message = _recode(session, read_key, prompt, show)
        else:
            message = f"unknown key {key!r}: press ? for help"
    show(session.view(message="all suggestions reviewed"))
    return "done"


def _recode(
    session: ReviewSession,
    read_key: Callable[[], str],
    prompt: Callable[[str], str],
    show: Callable[[ReviewView], None],
) -> str:
    choices = tuple(search_concepts(session.codebook, prompt("recode to (search): ")))
    if not choices:
        return "no concept matches; nothing recorded"
    show(session.view(mode="choices", choices=choices))
    key = read_key()
    if key.isdigit() and 1 <= int(key) <= len(choices):
        chosen = choices[int(key) - 1]
        session.recode(chosen)
        return f"recoded as {chosen.id}"
    return "recode cancelled"
