"""The review loop: a coder decides, one key at a time, on each pending suggestion.

This module holds the logic only; it never prints or reads a terminal. The caller injects
three things: ``read_key()`` (one keystroke: a character, or "left"/"right" for the arrow
keys), ``prompt(label)`` (a line of text, for memos, recode searches and sentence
numbers) and ``show(view)`` (draw the screen). Tests drive it with scripted keys; the CLI
drives it with a real terminal.

The queue is :mod:`gioia.review_queue`; the session (where the coder is, the span they
chose, the journal lines each decision wrote) is :mod:`gioia.review_session`. After every
key the screen says in one line what the key did, e.g. ``accepted: "I rant in the
coffee room…" → coffee-room``.
"""

from __future__ import annotations

from collections.abc import Callable

from gioia.review_queue import (
    POWER_FLAG,
    UNDO_FLAG,
    Progress,
    ReviewItem,
    covered_keys,
    decided_keys,
    pending_items,
    search_concepts,
)
from gioia.review_session import Chooser, ReviewSession, ReviewView

__all__ = [
    "KEYS",
    "ORDERS",
    "POWER_FLAG",
    "UNDO_FLAG",
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

ORDERS = ("position", "score", "concept", "learned")
# One keystroke per action; the help screen lists them in this order.
KEYS = {
    "a": "accept",
    "r": "reject",
    "c": "recode",
    "p": "power quote",
    "e": "evidence",
    "+": "widen",
    "-": "narrow",
    "#": "sentences",
    "w": "whole",
    "s": "skip",
    "n": "next",
    "b": "back",
    "t": "next transcript",
    "m": "memo",
    "u": "undo",
    "?": "help",
    "q": "quit",
    "right": "next",
    "left": "back",
}


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
        key = read_key()
        action = KEYS.get(key if len(key) > 1 else key.lower())
        if action == "quit":
            return "quit"
        if action == "help":
            show(session.view(mode="help"))
            read_key()
            message = ""
        elif action is None:
            message = f"unknown key {key!r}: press ? for help"
        else:
            message = _act(session, action, read_key, prompt, show)
    show(session.view(message="all suggestions reviewed"))
    return "done"


def _act(
    session: ReviewSession,
    action: str,
    read_key: Callable[[], str],
    prompt: Callable[[str], str],
    show: Callable[[ReviewView], None],
) -> str:
    """Do what one key asks; return the line that says what was done."""
    if action == "accept":
        return session.accept()
    if action == "power quote":
        return session.accept(power=True)
    if action == "reject":
        return session.reject()
    if action == "recode":
        return _recode(session, read_key, prompt, show)
    if action == "skip":
        return session.skip()
    if action == "next":
        return "next" if session.forward() else "no more suggestions"
    if action == "back":
        return "back" if session.back() else "this is the first suggestion shown"
    if action == "next transcript":
        if session.next_transcript():
            return f"on to {session.current.suggestion.transcript}"  # type: ignore[union-attr]
        return "no other transcript has pending suggestions"
    if action == "memo":
        session.set_memo(prompt("memo: "))
        return "memo kept for this decision" if session.memo else "memo cleared"
    if action == "undo":
        return session.undo() or "nothing to undo"
    return _span(session, action, prompt)


def _span(session: ReviewSession, action: str, prompt: Callable[[str], str]) -> str:
    """The keys that choose the span a decision records."""
    item = session.current
    assert item is not None
    if action == "whole":
        session.whole()
        return "span: the whole suggested segment"
    if not item.sentences:
        return "no sentences known for this segment"
    if action == "evidence":
        done = session.narrow_to_evidence()
        what = "the sentence(s) with the evidence"
        return _said_span(session, what) if done else "no matched words to narrow to"
    if action == "widen":
        return _said_span(session, "one sentence more") if session.widen() else "the whole turn"
    if action == "narrow":
        return _said_span(session, "one sentence fewer") if session.narrow() else "one sentence"
    typed = prompt(f"sentences (1-{len(item.sentences)}, e.g. 2-3): ")
    if session.choose_sentences(typed):
        return _said_span(session, "the sentences chosen")
    return f"not sentence numbers of this turn: {typed!r}"


def _said_span(session: ReviewSession, what: str) -> str:
    first, last = session.run or (0, 0)
    numbers = f"{first + 1}" if first == last else f"{first + 1}-{last + 1}"
    return f"span: {what} (sentence {numbers})"


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
        return session.recode(choices[int(key) - 1])
    return "recode cancelled"
