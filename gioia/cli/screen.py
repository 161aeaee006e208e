"""The interactive screens: keys read from the terminal, and the review and reading
screens drawn with rich (through :mod:`gioia.console`'s safe console, so no control
character of a transcript reaches the terminal).

Keys are read from a buffer (:class:`KeyReader`): the terminal is put in cbreak mode once
for the whole session, and everything one read returns is kept, so keys typed faster
than the screen redraws are applied in order, never dropped. (Switching the mode for
every key, as before, flushed what was typed ahead.) The arrow keys read as "left",
"right", "up" and "down"; Ctrl-C and Ctrl-D as "q".
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.markup import escape
from rich.text import Text

from gioia.console import out, terminal_safe

__all__ = [
    "REVIEW_HELP",
    "KeyReader",
    "describe_stage",
    "evidence_text",
    "render_review",
]

ARROWS = {"A": "up", "B": "down", "C": "right", "D": "left"}


class KeyReader:
    """Keystrokes from a terminal's file descriptor, buffered. Use as a context
    manager: it sets cbreak mode (no echo, no line editing) on entry and restores the
    terminal on exit."""

    def __init__(self, fd: int | None = None):
        self.fd = sys.stdin.fileno() if fd is None else fd
        self.buffer = ""
        self._saved: Any = None

    def __enter__(self) -> KeyReader:
        import termios
        import tty

        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd, termios.TCSANOW)  # TCSANOW: keep what is typed ahead
        return self

    def __exit__(self, *exc: object) -> None:
        import termios

        if self._saved is not None:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def _fill(self) -> bool:
        data = os.read(self.fd, 1024)
        if not data:
            return False
        self.buffer += data.decode("utf-8", errors="replace")
        return True

    def key(self) -> str:
        """The next keystroke: one character, an arrow's name, or "" for another
        escape sequence."""
        if not self.buffer and not self._fill():
            return "q"
        char, self.buffer = self.buffer[0], self.buffer[1:]
        if char in ("\x03", "\x04"):
            return "q"
        if char != "\x1b":
            return char
        # An escape sequence: ESC [ or ESC O, parameters, one final letter or "~".
        if not self.buffer:
            return ""  # a lone Escape
        if self.buffer[0] in "[O":
            end = 1
            while end < len(self.buffer) and not (
                self.buffer[end].isalpha() or self.buffer[end] == "~"
            ):
                end += 1
            sequence, self.buffer = self.buffer[: end + 1], self.buffer[end + 1 :]
            return ARROWS.get(sequence[-1], "") if len(sequence) == 2 else ""
        return ""

    def line(self, label: str) -> str:
        """A line of text typed after ``label`` (echoed, Backspace works), ended by
        Enter; what was typed ahead is part of it. Escape cancels (an empty line)."""
        out.file.write(label)
        out.file.flush()
        typed = ""
        while True:
            if not self.buffer and not self._fill():
                return typed
            char, self.buffer = self.buffer[0], self.buffer[1:]
            if char in ("\r", "\n"):
                out.file.write("\n")
                out.file.flush()
                return typed
            if char in ("\x03", "\x04", "\x1b"):
                return ""
            if char in ("\x7f", "\x08"):
                if typed:
                    typed = typed[:-1]
                    out.file.write("\b \b")
            elif char.isprintable():
                typed += char
                out.file.write(terminal_safe(char))
            out.file.flush()


@contextmanager
def keys() -> Iterator[KeyReader]:
    with KeyReader() as reader:
        yield reader


# --------------------------------------------------------------------------- review screen

REVIEW_HELP = {
    "a": "accept: the span shown expresses this concept",
    "r": "reject: the segment does not (rejected whole, whatever span is chosen)",
    "c": "recode: it expresses another concept (search by id or label, pick 1-9)",
    "p": "power quote: accept the span shown, marked to be quoted first",
    "e": "evidence: narrow the span to the sentence(s) with the matched words",
    "+ -": "one sentence more / one fewer",
    "#": "pick the sentences by number (e.g. 2-3)",
    "w": "whole: back to the suggested segment",
    "s n →": "skip / next: decide later (it stays pending)",
    "b ←": "back: the suggestion shown before (decide it again if you like)",
    "t": "next transcript: jump to the next transcript's pending suggestions",
    "m": "memo: a note kept with your next decision",
    "u": "undo: withdraw your last decision and go back to it",
    "?": "help: this screen",
    "q": "quit: every decision is already saved; start again to resume",
}


def _clip(text: str, width: int, lines: int) -> str:
    """At most ``lines`` lines of ``width`` characters, so a screen fits 80×24."""
    flat = terminal_safe(" ".join(text.split()))
    limit = max(width * lines - 1, 10)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_review(view: Any) -> None:
    """Draw one review screen (a :class:`gioia.review.ReviewView`) on stdout."""
    width, height = out.size
    out.clear()
    item = view.item
    progress = view.progress
    if item is None:
        out.print(f"{view.message}. Decided: {progress.decided}.")
        return
    s = item.suggestion
    out.print(
        f"[bold]{escape(s.transcript)}[/]  ·  decided {progress.decided}, pending "
        f"{progress.pending}  ·  this transcript {progress.transcript_decided}/"
        f"{progress.transcript_decided + progress.transcript_pending}",
        overflow="ellipsis",
        no_wrap=True,
    )
    if view.mode == "help":
        _show_help(REVIEW_HELP, key_width=5)
        return
    text = item.transcript.text
    if item.before is not None:
        before = text[item.before.start : item.before.end]
        out.print(Text(_clip(f"{item.before.speaker}: {before}", width, 2), style="dim"))
    segment_lines = max(3, height - 17)
    out.print(_highlighted(item, view.span or item.span, width, segment_lines))
    if item.after is not None:
        after = text[item.after.start : item.after.end]
        out.print(Text(_clip(f"{item.after.speaker}: {after}", width, 2), style="dim"))
    out.rule(style="dim")
    concept = item.concept
    out.print(
        f"[bold]{escape(concept.label)}[/] ({escape(concept.id)})  "
        f"score {s.score:.2f} · {escape(s.method)}",
        overflow="ellipsis",
        no_wrap=True,
    )
    out.print(
        f"theme: {escape(item.theme.label)} · dimension: {escape(item.dimension.label)}",
        overflow="ellipsis",
        no_wrap=True,
    )
    for name, value in (
        ("definition", concept.definition),
        ("include", concept.include),
        ("exclude", concept.exclude),
    ):
        if value:
            out.print(Text(_clip(f"{name}: {value}", width, 1)))
    out.print(Text(_clip(f"evidence: {evidence_text(s.evidence)}", width, 2), style="yellow"))
    if view.mode == "choices":
        for number, choice in enumerate(view.choices, start=1):
            out.print(f"  [bold]{number}[/] {escape(choice.label)} ({escape(choice.id)})")
        out.print("press 1-9 to recode, any other key to cancel")
        return
    state = [item.note] if item.note else []
    if view.status:
        state.append(view.status)
    if view.memo:
        state.append(f"memo: {view.memo}")
    if view.message:
        state.append(view.message)
    if state:
        out.print(Text(_clip(" · ".join(state), width, 1), style="cyan"))
    out.print(
        "[bold]a[/]ccept [bold]r[/]eject re[bold]c[/]ode [bold]p[/]ower · span "
        "[bold]e + - # w[/] · [bold]b[/]ack [bold]n[/]ext [bold]t[/] · [bold]u[/]ndo "
        "[bold]?[/] [bold]q[/]uit",
        overflow="ellipsis",
        no_wrap=True,
    )


def _highlighted(item: Any, span: tuple[int, int], width: int, lines: int) -> Text:
    """The segment (and the sentences around it that the span takes in) with its
    speaker; sentences numbered when the turn has more than one, the span a decision
    records in normal type and the rest dim, the evidence highlighted."""
    s = item.suggestion
    transcript = item.transcript
    start, end = min(s.start, span[0]), max(s.end, span[1])
    speaker = transcript.turn_at(s.start).speaker
    body = Text()
    body.append(terminal_safe(f"{speaker}: "), style="bold")
    limit = max(width * lines - len(speaker) - 3, 20)
    pieces: list[tuple[int, int, str]] = []  # (start, end, label) shown in order
    numbered = [(n, a, b) for n, (a, b) in enumerate(item.sentences, 1) if a < end and start < b]
    if len(item.sentences) > 1 and numbered:
        pieces = [(a, b, f"[{n}]") for n, a, b in numbered]
    else:
        pieces = [(start, end, "")]
    shown = 0
    for a, b, label in pieces:
        if shown >= limit:
            body.append("…")
            break
        if label:
            body.append(label, style="bold cyan")
            body.append(" ")
        piece = transcript.text[a:b]
        if shown + len(piece) > limit:
            piece, b = piece[: limit - shown] + "…", a + limit - shown
        chunk = Text(terminal_safe(piece))
        if not (span[0] <= a and b <= span[1]):
            chunk.stylize("dim")
        for evidence in s.evidence:
            if evidence.start <= s.start and evidence.end >= s.end:
                continue  # about the whole segment (the learner's record), not a word of it
            e_start, e_end = max(evidence.start, a) - a, min(evidence.end, b) - a
            if e_start < e_end:
                chunk.stylize("bold reverse", e_start, e_end)
        body.append_text(chunk)
        body.append(" ")
        shown += len(piece) + len(label) + 1
    return body


def evidence_text(evidence: Sequence[Any]) -> str:
    """The evidence in words: terms sharing a reason grouped before it, e.g.
    "plot, feature [shared with hb's coding in P2: "…"]; learnt from hb [...]"."""
    groups: list[tuple[list[str], str | None]] = []
    for item in evidence:
        if groups and groups[-1][1] == item.cue and item.term not in groups[-1][0]:
            groups[-1][0].append(item.term)
        elif not (groups and groups[-1][1] == item.cue):
            groups.append(([item.term], item.cue))
    return "; ".join(", ".join(terms) + (f" [{cue}]" if cue else "") for terms, cue in groups)


def describe_stage(suggested: Any) -> str:
    """How a run's suggestions were made, for `gioia suggest`'s closing line."""
    learner = suggested.learner
    if suggested.stage == "learned":
        return f"scores learnt from {learner.name}'s decisions (probability of acceptance)"
    if suggested.stage == "records":
        return f"keyword scores adjusted by {learner.name}'s decisions ({suggested.note})"
    if learner.coders:
        return f"keyword scores ({suggested.note})"
    return "keyword scores from the codebook alone (--coder NAME learns from a coder)"


# --------------------------------------------------------------------------- reading screen

READ_HELP = {
    "n ↓ / p ↑": "next / previous sentence (on into the next or previous turn)",
    "] → / [ ←": "next / previous turn",
    "space / b": "page down / up (five turns)",
    "v": "range: start a range at this sentence; move to its other end",
    "w": "the whole turn",
    "c": "code the selection with a concept found by search (pick 1-9)",
    "u": "undo: withdraw the last coding of this session",
    "?": "help: this screen",
    "q": "quit: every coding is already saved; quitting writes nothing",
}
MARGIN = {"coded": "●", "suggested": "○"}


def _margin(marks: Sequence[Any]) -> str:
    kinds = {m.kind for m in marks}
    return "".join(MARGIN[k] if k in kinds else " " for k in ("coded", "suggested")) + " "


def render_reading(view: Any) -> None:
    """Draw one reading screen (a :class:`gioia.reading.ReadingView`) on stdout."""
    width, height = out.size
    out.clear()
    transcript = view.transcript
    current = next(t for t in view.turns if t.index == view.current)
    count = len(current.sentences)
    where = f"sentence {view.sentence + 1}/{count}" if count else "no sentences"
    out.print(
        f"[bold]{escape(transcript.id)}[/]  ·  turn {view.current + 1}/{len(transcript.turns)}"
        f"  ·  {where}  ·  coded now {view.coded}   [dim]● coded ○ suggested[/]",
        overflow="ellipsis",
        no_wrap=True,
    )
    if view.mode == "help":
        _show_help(READ_HELP, key_width=11)
        return
    for turn in view.turns:
        margin = _margin(turn.marks)
        if turn.index != view.current:
            spoken = transcript.turns[turn.index]
            said = transcript.text[spoken.start : spoken.end]
            clipped = _clip(f"{turn.speaker}: {said}", width - len(margin), 2)
            out.print(Text(margin + clipped, style="dim"))
            continue
        out.print(_reading_turn(view, turn, margin, width, max(3, height - 14)))
    out.rule(style="dim")
    if view.mode == "choices":
        for number, choice in enumerate(view.choices, start=1):
            out.print(f"  [bold]{number}[/] {escape(choice.label)} ({escape(choice.id)})")
        out.print("press 1-9 to code the selection, any other key to cancel")
        return
    shown = 0
    for mark in current.marks[:4]:
        quote = transcript.text[mark.start : mark.end]
        what = "suggested" if mark.kind == "suggested" else "coded"
        score = f" {mark.score:.2f}" if mark.score is not None else ""
        numbers = [
            n for n, (a, b) in enumerate(current.sentences, 1) if a < mark.end and mark.start < b
        ]
        where = ""
        if numbers and len(current.sentences) > 1:
            where = f" [{numbers[0]}]" if len(numbers) == 1 else f" [{numbers[0]}-{numbers[-1]}]"
        line = f"{MARGIN[mark.kind]} {mark.concept} ({what}{score}){where}: {quote}"
        out.print(Text(_clip(line, width, 1), style="green" if what == "coded" else "yellow"))
        shown += 1
    if len(current.marks) > shown:
        out.print(f"  … and {len(current.marks) - shown} more")
    if view.message:
        out.print(Text(_clip(view.message, width, 1), style="cyan"))
    out.print(
        "[bold]n p[/] sentence [bold]] [[/] turn [bold]space b[/] page [bold]v[/] range "
        "[bold]w[/] turn [bold]c[/]ode [bold]u[/]ndo [bold]?[/] [bold]q[/]uit",
        overflow="ellipsis",
        no_wrap=True,
    )


def _reading_turn(view: Any, turn: Any, margin: str, width: int, lines: int) -> Text:
    """The current turn, sentences numbered, the selection in reverse type."""
    transcript = view.transcript
    spoken = transcript.turns[turn.index]
    body = Text()
    body.append(terminal_safe(f"{margin}{turn.speaker}: "), style="bold")
    pieces = turn.sentences or ((spoken.start, spoken.end),)
    first, last = view.selected
    limit = max(width * lines - len(turn.speaker) - 5, 20)
    shown = 0
    for number, (start, end) in enumerate(pieces):
        if shown >= limit:
            body.append("…")
            break
        label = f"[{number + 1}]" if len(pieces) > 1 else ""
        if label:
            body.append(label, style="bold cyan")
            body.append(" ")
        piece = transcript.text[start:end]
        if shown + len(piece) > limit:
            piece = piece[: limit - shown] + "…"
        selected = turn.codable and first <= number <= last
        body.append(terminal_safe(" ".join(piece.split())), style="reverse" if selected else "")
        body.append(" ")
        shown += len(piece) + len(label) + 1
    if not turn.codable:
        body.append("(not coded: only participants' talk is)", style="dim")
    return body


def _show_help(keys: dict[str, str], key_width: int) -> None:
    """A screen's keys and what each does, until any key is pressed."""
    for key, text in keys.items():
        out.print(f"  [bold]{escape(key):{key_width}}[/] {escape(text)}", overflow="ellipsis")
    out.print("\npress any key to go back")
