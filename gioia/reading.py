"""Reading a transcript and coding it as you read (`gioia read`).

The logic only: this module never prints or reads a terminal. The coder moves a cursor
sentence by sentence or turn by turn; the *selection* is the cursor's sentence, a range
of sentences of one turn (an anchor set with "v", then moved from), or the whole turn.
Coding the selection with a concept records a human coding of exactly that span, with
its quote, through ``record`` (the journal functions `gioia code` uses: the journal held,
an atomic append, nothing appended when the same decision stands). Nothing is written
but a decision: moving and quitting write nothing.

Each turn is shown with what is already there: the coder's standing codings on it, and
the suggestions for it the coder has not decided (a coding of the concept that overlaps
a suggestion decides it, as in review).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from gioia.models import Codebook, Coding, Concept, Suggestion, Transcript
from gioia.review_queue import UNDO_FLAG, search_concepts
from gioia.review_session import first_words
from gioia.sentences import turn_sentences

__all__ = ["READ_KEYS", "Mark", "ReadingSession", "ReadingView", "TurnView", "run_reading"]

Span = tuple[int, int]


@dataclass(frozen=True)
class Mark:
    """A margin mark: the coder's coding ("coded") or a pending suggestion
    ("suggested") of ``concept`` on ``start``-``end``."""

    kind: str
    concept: str
    start: int
    end: int
    score: float | None = None


@dataclass(frozen=True)
class TurnView:
    index: int
    speaker: str
    codable: bool  # a participant's talk (not the interviewer's, not an unmapped speaker)
    sentences: tuple[Span, ...]
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class ReadingView:
    """Everything the reading screen shows at one moment."""

    transcript: Transcript
    turns: tuple[TurnView, ...]  # the current turn and the ones around it
    current: int  # the current turn's index in the transcript
    sentence: int  # the cursor's sentence in the current turn
    selection: Span
    selected: tuple[int, int]  # the selection's sentences (first, last), 0-based
    coded: int  # this session's codings
    message: str = ""
    mode: str = "read"  # "read" | "help" | "choices"
    choices: tuple[Concept, ...] = ()


class ReadingSession:
    """A cursor in one transcript and the coder's codings of it."""

    def __init__(
        self,
        transcript: Transcript,
        sentences: Sequence[Span],
        codebook: Codebook,
        coder: str,
        record: Callable[[Coding], bool],
        clock: Callable[[], str],
        *,
        codings: Sequence[Coding] = (),
        suggestions: Sequence[Suggestion] = (),
    ):
        self.transcript = transcript
        self.codebook = codebook
        self.coder = coder
        self.record = record
        self.clock = clock
        self.sentences = [
            turn_sentences(transcript.text, t.start, t.end, sentences) for t in transcript.turns
        ]
        # The coder's standing decisions, by (start, end, concept): the latest line wins.
        self.standing: dict[tuple[int, int, str], Coding] = {
            (c.start, c.end, c.concept): c for c in codings
        }
        self.suggestions = list(suggestions)
        self.history: list[list[Coding]] = []  # this session's codings, for undo
        self.turn = next((i for i, t in enumerate(transcript.turns) if self._codable(i)), 0)
        self.sentence = 0
        self.anchor: int | None = None
        self.whole = False

    # ------------------------------------------------------------------ what is shown

    def view(self, context: int = 1, **extra: object) -> ReadingView:
        low, high = max(self.turn - context, 0), min(self.turn + context + 1, self.turn_count)
        first, last = self.selected()
        return ReadingView(  # type: ignore[arg-type]
            self.transcript,
            tuple(self.turn_view(i) for i in range(low, high)),
            self.turn,
            self.sentence,
            self.selection(),
            (first, last),
            len(self.history),
            **extra,
        )

    def turn_view(self, index: int) -> TurnView:
        turn = self.transcript.turns[index]
        return TurnView(
            index, turn.speaker, self._codable(index), self.sentences[index], self.marks(index)
        )

    def marks(self, index: int) -> tuple[Mark, ...]:
        """The coder's standing codings and the pending suggestions on a turn."""
        turn = self.transcript.turns[index]
        coded = [
            Mark("coded", concept, start, end)
            for (start, end, concept), c in self.standing.items()
            if c.decision == "accept" and start < turn.end and turn.start < end
        ]
        suggested = [
            Mark("suggested", s.concept, s.start, s.end, s.score)
            for s in self.suggestions
            if s.start < turn.end and turn.start < s.end and not self._decided(s)
        ]
        return tuple(sorted(coded, key=lambda m: (m.start, m.concept))) + tuple(suggested)

    @property
    def codable(self) -> bool:
        """Whether the current turn is talk that is coded."""
        return self._codable(self.turn)

    @property
    def turn_count(self) -> int:
        return len(self.transcript.turns)

    def selected(self) -> tuple[int, int]:
        count = len(self.sentences[self.turn])
        if self.whole or not count:
            return (0, max(count - 1, 0))
        if self.anchor is None:
            return (self.sentence, self.sentence)
        return (min(self.anchor, self.sentence), max(self.anchor, self.sentence))

    def selection(self) -> Span:
        spans = self.sentences[self.turn]
        turn = self.transcript.turns[self.turn]
        if not spans:
            return (turn.start, turn.end)
        first, last = self.selected()
        return (spans[first][0], spans[last][1])

    # ------------------------------------------------------------------ moving

    def next_sentence(self) -> bool:
        if self.sentence + 1 < len(self.sentences[self.turn]):
            self.sentence += 1
            self.whole = False
            return True
        return self._to_turn(self.turn + 1)

    def previous_sentence(self) -> bool:
        if self.sentence > 0:
            self.sentence -= 1
            self.whole = False
            return True
        if not self._to_turn(self.turn - 1):
            return False
        self.sentence = max(len(self.sentences[self.turn]) - 1, 0)
        return True

    def next_turn(self, by: int = 1) -> bool:
        return self._to_turn(min(self.turn + by, self.turn_count - 1))

    def previous_turn(self, by: int = 1) -> bool:
        return self._to_turn(max(self.turn - by, 0))

    def toggle_range(self) -> bool:
        """Start a range at the cursor's sentence (True), or drop the range (False)."""
        self.whole = False
        self.anchor = self.sentence if self.anchor is None else None
        return self.anchor is not None

    def toggle_whole_turn(self) -> bool:
        self.whole, self.anchor = not self.whole, None
        return self.whole

    def _to_turn(self, index: int) -> bool:
        if not 0 <= index < self.turn_count or index == self.turn:
            return False
        self.turn, self.sentence = index, 0
        self.anchor, self.whole = None, False
        return True

    # ------------------------------------------------------------------ coding

    def code(self, concept: Concept) -> str:
        """Code the selection with ``concept``: one human coding, appended unless the
        same decision stands. Returns the line that says what happened."""
        if not self.codable:
            speaker = self.transcript.turns[self.turn].speaker
            return f"{speaker}'s talk is not coded: only participants' talk is"
        start, end = self.selection()
        coding = Coding(
            transcript=self.transcript.id,
            start=start,
            end=end,
            concept=concept.id,
            decision="accept",
            coder=self.coder,
            source="human",
            quote=self.transcript.text[start:end],
            at=self.clock(),
        )
        quote = first_words(coding.quote)
        if not self.record(coding):
            return f'already coded: "{quote}" → {concept.id}; nothing appended'
        self.standing[(start, end, concept.id)] = coding
        self.history.append([coding])
        self.anchor, self.whole = None, False
        return f'coded: "{quote}" → {concept.id}'

    def undo(self) -> str:
        """Withdraw this session's last coding (an appended reject marked undo)."""
        if not self.history:
            return "nothing to undo"
        for coding in self.history.pop():
            undone = replace(
                coding, decision="reject", at=self.clock(), memo="undo", flags=(UNDO_FLAG,)
            )
            self.record(undone)
            self.standing[(coding.start, coding.end, coding.concept)] = undone
        return f'undone: "{first_words(coding.quote)}" → {coding.concept}'

    # ------------------------------------------------------------------ internals

    def _codable(self, index: int) -> bool:
        turn = self.transcript.turns[index]
        return not turn.is_interviewer and turn.participant is not None

    def _decided(self, suggestion: Suggestion) -> bool:
        """Whether a standing decision of the concept overlaps the suggestion."""
        return any(
            concept == suggestion.concept
            and UNDO_FLAG not in c.flags
            and start < suggestion.end
            and suggestion.start < end
            for (start, end, concept), c in self.standing.items()
        )


# One keystroke per action; the help screen lists them in this order.
READ_KEYS = {
    "n": "next sentence",
    "down": "next sentence",
    "p": "previous sentence",
    "up": "previous sentence",
    "]": "next turn",
    "right": "next turn",
    "[": "previous turn",
    "left": "previous turn",
    " ": "page down",
    "b": "page up",
    "v": "range",
    "w": "whole turn",
    "c": "code",
    "u": "undo",
    "?": "help",
    "q": "quit",
}
PAGE_TURNS = 5


def run_reading(
    session: ReadingSession,
    read_key: Callable[[], str],
    prompt: Callable[[str], str],
    show: Callable[[ReadingView], None],
) -> int:
    """Drive ``session`` with keystrokes until the coder quits; returns how many codings
    this session recorded (and kept)."""
    message = ""
    while True:
        show(session.view(message=message))
        key = read_key()
        action = READ_KEYS.get(key)
        if action == "quit":
            return len(session.history)
        if action == "help":
            show(session.view(mode="help"))
            read_key()
            message = ""
        elif action == "code":
            message = _code(session, read_key, prompt, show)
        elif action is None:
            message = f"unknown key {key!r}: press ? for help"
        else:
            message = _move(session, action)


def _move(session: ReadingSession, action: str) -> str:
    if action == "undo":
        return session.undo()
    if action == "range":
        return "range: move to its other end, then c" if session.toggle_range() else "range off"
    if action == "whole turn":
        return "the whole turn selected" if session.toggle_whole_turn() else "one sentence"
    moved = {
        "next sentence": session.next_sentence,
        "previous sentence": session.previous_sentence,
        "next turn": session.next_turn,
        "previous turn": session.previous_turn,
        "page down": lambda: session.next_turn(PAGE_TURNS),
        "page up": lambda: session.previous_turn(PAGE_TURNS),
    }[action]()
    if moved:
        return ""
    return "the end of the transcript" if "next" in action or "down" in action else "the start"


def _code(
    session: ReadingSession,
    read_key: Callable[[], str],
    prompt: Callable[[str], str],
    show: Callable[[ReadingView], None],
) -> str:
    if not session.codable:
        return session.code(session.codebook.concepts[0])  # says why nothing is coded
    choices = tuple(search_concepts(session.codebook, prompt("code as (search): ")))
    if not choices:
        return "no concept matches; nothing recorded"
    show(session.view(mode="choices", choices=choices))
    key = read_key()
    if key.isdigit() and 1 <= int(key) <= len(choices):
        return session.code(choices[int(key) - 1])
    return "coding cancelled"
