"""The coders' journals: ``codings/<coder>.jsonl``, one decision per line, append-only.

Human decisions are sacred. Lines are appended, flushed and fsynced one at a time and
never rewritten. Reading is forgiving where a crash can leave a mark (a torn last line is
reported and skipped, every earlier line kept) and strict elsewhere (a malformed line in
the middle is an error naming the line, because silently skipping it would drop a
decision). Placing a decision in the current corpus is also here: a line is placed at its
offsets when the text there still equals its quote, else re-anchored by its quote; what
cannot be placed is *orphaned* and reported, never dropped.

One process writes a journal at a time: :func:`lock` holds an advisory lock on a hidden
sidecar file (``codings/.ms.jsonl.lock``, holding the writer's pid) for a whole review
session or batch, and every append takes it too, so two terminals open on the same
coder cannot interleave or tear lines. The lock is released when the process ends, even
by SIGKILL, so a leftover lock file never blocks anyone.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: lock a byte range instead (not exercised by the tests)
    fcntl = None
    import msvcrt

from gioia.errors import JournalError, Location, Problem
from gioia.models import SOURCES, Codebook, Coding, Orphan, PlacedCoding, Transcript
from gioia.serialise import (
    CODING_OPTIONAL,
    CODING_REQUIRED,
    coding_from_dict,
    coding_to_dict,
    dumps_line,
)

__all__ = [
    "Journal",
    "append_coding",
    "append_codings",
    "journal_path",
    "locate_quote",
    "lock",
    "now_utc",
    "place_codings",
    "read_journal",
    "read_journals",
]

CODER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Journal:
    """One coder's journal as read: the decisions in file order, and what was wrong."""

    coder: str
    path: Path
    codings: tuple[Coding, ...]
    lines: tuple[int, ...]  # the 1-based line of each coding, for messages
    problems: tuple[Problem, ...]


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def journal_path(codings_dir: Path, coder: str) -> Path:
    if not CODER_NAME.match(coder):
        raise JournalError(
            f"{coder!r} is not a usable coder name",
            hint="use letters, digits, '.', '_' or '-' (it becomes codings/<coder>.jsonl)",
        )
    return codings_dir / f"{coder}.jsonl"


# How long a single append waits for a journal another process holds: long enough for
# a concurrent append to finish, short enough to fail fast against a review session.
APPEND_WAIT_SECONDS = 2.0
_RETRY_SECONDS = 0.05
_WINDOWS_LOCK_OFFSET = 1 << 20
# Journals this process holds, with how many nested lock() calls hold each.
_held: dict[Path, int] = {}


@contextmanager
def lock(path: Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the journal at ``path`` for this process: hold it around a review session
    or a batch of appends, so that a second process writing the same journal fails with
    a clear JournalError instead of interleaving lines. Re-entrant within a process.
    ``wait`` is how many seconds to retry while another process holds it."""
    sidecar = path.with_name(f".{path.name}.lock").absolute()
    if sidecar in _held:
        _held[sidecar] += 1
        try:
            yield
        finally:
            _held[sidecar] -= 1
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(sidecar, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise JournalError(
            f"cannot write this journal: {exc.strerror or exc}",
            location=Location.of(path),
            hint=f"check that you may write to {path.parent}",
        ) from None
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise _busy(path, fd)
            time.sleep(_RETRY_SECONDS)
        # The holder's pid is only for the second process's message.
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        _held[sidecar] = 1
        try:
            yield
        finally:
            del _held[sidecar]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            # Windows locks bytes, and a locked byte cannot be read: lock one far past
            # the pid so that the second process can still read who holds the journal.
            os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # another process holds it
        return False
    return True


def _busy(path: Path, fd: int) -> JournalError:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        holder = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        holder = ""
    pid = f"pid {holder}" if holder.isdigit() else "pid unknown"
    # The message names the journal itself, so it has no location to print before it.
    return JournalError(
        f"{path} is being written by another gioia process ({pid}); finish or quit that one first",
        hint="one coder's journal is written from one terminal at a time",
    )


def append_coding(path: Path, coding: Coding) -> None:
    """Append one decision, flushed and fsynced before returning. Waits a moment for a
    journal another process is writing, then raises JournalError."""
    with lock(path, wait=APPEND_WAIT_SECONDS), open(path, "ab") as handle:
        # A crash can leave a torn last line without its newline. Start on a fresh line
        # so the torn fragment stays a line of its own and the new decision is intact.
        if handle.tell() > 0:
            with open(path, "rb") as reader:
                reader.seek(-1, os.SEEK_END)
                if reader.read(1) != b"\n":
                    handle.write(b"\n")
        handle.write(dumps_line(coding_to_dict(coding)).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def append_codings(path: Path, codings: Iterable[Coding]) -> int:
    count = 0
    for coding in codings:
        append_coding(path, coding)
        count += 1
    return count


def read_journal(path: Path) -> Journal:
    """Read and validate a journal. Raises JournalError for a malformed line that is not
    the last one; a malformed last line (a torn write) becomes a warning."""
    coder = path.stem
    try:
        if not path.is_file():  # a folder, or a pipe or device that could block forever
            raise OSError(0, "not a regular file")
        data = path.read_bytes()
    except OSError as exc:
        raise JournalError(
            f"cannot read this journal: {exc.strerror or exc}",
            location=Location.of(path),
            hint="a journal is a file codings/<coder>.jsonl that you may read",
        ) from None
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    codings: list[Coding] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        is_last = number == len(lines)
        try:
            codings.append(_parse_line(raw, coder))
            numbers.append(number)
        except ValueError as exc:
            location = Location(str(path), number)
            if is_last:
                problems.append(
                    Problem(
                        f"last line is torn or malformed ({exc}); "
                        "it is skipped, earlier lines kept",
                        location,
                        hint="this happens when a write was interrupted; redo that one decision",
                        severity="warning",
                    )
                )
            else:
                raise JournalError(
                    f"malformed journal line: {exc}",
                    location=location,
                    hint="fix the line by hand in a text editor (journals are JSON Lines); "
                    "gioia never rewrites journals",
                ) from None
    return Journal(coder, path, tuple(codings), tuple(numbers), tuple(problems))


def read_journals(codings_dir: Path, coders: Sequence[str] | None = None) -> list[Journal]:
    """Every journal in ``codings_dir`` (or only the named coders'), sorted by coder."""
    if not codings_dir.is_dir():
        return []
    paths = sorted(codings_dir.glob("*.jsonl"))
    if coders is not None:
        wanted = set(coders)
        paths = [p for p in paths if p.stem in wanted]
    return [read_journal(p) for p in paths]


def _parse_line(raw: bytes, coder: str) -> Coding:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except ValueError:  # Python refuses to read an integer of over 4,300 digits
        raise ValueError("not a journal line (a number thousands of digits long)") from None
    except RecursionError:
        raise ValueError("not a journal line (brackets nested thousands deep)") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    missing = [key for key in CODING_REQUIRED if key not in data]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(CODING_REQUIRED) - set(CODING_OPTIONAL))
    if unknown:
        raise ValueError(f"unknown key {', '.join(unknown)}")
    for key in ("transcript", "concept", "coder", "source", "quote", "at", "memo"):
        if key in data and not isinstance(data[key], str):
            raise ValueError(f"{key} must be a string")
        # JSON can escape half a character (\ud800); no output could be written with it.
        if key in data and not _is_unicode(data[key]):
            raise ValueError(f"{key} holds an escaped lone surrogate such as \\ud800")
    for key in ("start", "end"):
        if not isinstance(data[key], int) or isinstance(data[key], bool):
            raise ValueError(f"{key} must be an integer")
    start, end = data["start"], data["end"]
    if (start == -1) != (end == -1) or (start != -1 and not 0 <= start < end):
        raise ValueError(f"start/end {start}/{end}: need 0 <= start < end, or both -1")
    if data["decision"] not in ("accept", "reject"):
        raise ValueError(f"decision must be accept or reject, not {data['decision']!r}")
    if data["source"] not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    if data["coder"] != coder:
        raise ValueError(f"coder {data['coder']!r} in the journal of {coder!r}")
    score = data.get("score")
    if score is not None and (
        isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score)
    ):
        raise ValueError("score must be a number")  # NaN and Infinity are JSON to Python
    flags = data.get("flags", [])
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise ValueError("flags must be a list of strings")
    if not all(_is_unicode(flag) for flag in flags):
        raise ValueError("flags hold an escaped lone surrogate such as \\ud800")
    return coding_from_dict(data)


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# --------------------------------------------------------------------------- placement


def place_codings(
    journals: Sequence[Journal],
    transcripts: Mapping[str, Transcript],
    codebook: Codebook,
) -> tuple[list[PlacedCoding], list[PlacedCoding], list[Orphan]]:
    """Resolve every decision against the current corpus.

    Returns (counted accepts, all placed decisions, orphans). Per coder, the latest line
    for the same placed span and concept wins, so a coder's later ``reject`` withdraws
    only that coder's earlier ``accept``. Accepts are united across coders, one per span
    and concept.
    """
    placed_all: list[PlacedCoding] = []
    orphans: list[Orphan] = []
    counted: dict[tuple[str, int, int, str], PlacedCoding] = {}
    for journal in journals:
        latest: dict[tuple[str, int, int, str], PlacedCoding] = {}
        for coding, line in zip(journal.codings, journal.lines, strict=True):
            concept = codebook.concept(coding.concept)
            if concept is None:
                orphans.append(Orphan(coding, f"unknown concept {coding.concept!r}", line))
                continue
            transcript = transcripts.get(coding.transcript)
            if transcript is None:
                orphans.append(Orphan(coding, f"no transcript {coding.transcript!r}", line))
                continue
            span = locate_quote(transcript.text, coding.quote, coding.start)
            if isinstance(span, str):
                orphans.append(Orphan(coding, span, line))
                continue
            placed = PlacedCoding(
                coding, concept.id, span[0], span[1], transcript.participants_in(*span)
            )
            placed_all.append(placed)
            latest[(coding.transcript, span[0], span[1], concept.id)] = placed
        for key, placed in latest.items():
            if placed.coding.decision == "accept":
                counted.setdefault(key, placed)
    ordered = sorted(counted.values(), key=lambda p: (p.coding.transcript, p.start, p.concept))
    return ordered, placed_all, orphans


def locate_quote(text: str, quote: str, hint_start: int = -1) -> tuple[int, int] | str:
    """Where ``quote`` lies in ``text``: at ``hint_start`` if it still reads the same
    there, else its one exact occurrence, else its one occurrence ignoring differences
    in whitespace, else, for a quote copied from a transcript file with the speaker
    headers gioia rewrites (Otter's ``Anna  0:04`` lines, ``[00:01:02] Anna:``,
    timestamps, caption timings), its one occurrence with those headers as gioia's
    normalised text has them (see :func:`_spans_across_headers`). Returns a (start, end)
    span, or the reason it cannot be placed: a quote found nowhere, or in several
    places, is never guessed at, because moving a human decision to the wrong talk is
    worse than reporting it."""
    if not quote.strip():
        return "empty quote"
    if hint_start >= 0 and text[hint_start : hint_start + len(quote)] == quote:
        return (hint_start, hint_start + len(quote))
    spans = [(m.start(), m.start() + len(quote)) for m in re.finditer(re.escape(quote), text)]
    if not spans:
        loose = r"\s+".join(re.escape(word) for word in quote.split())
        spans = [m.span() for m in re.finditer(loose, text)]
    if not spans:
        spans = _spans_across_headers(text, quote)
        # As for an exact quote, the hint tells one occurrence from the others.
        spans = [span for span in spans if span[0] == hint_start] or spans
    if not spans:
        return "quote not found in the current transcript text"
    if len(spans) > 1:
        return f"quote occurs {len(spans)} times; cannot tell which is meant"
    return spans[0]


# Speaker headers and timings as transcript files write them: the forms gioia's readers
# drop or rewrite as "Speaker: " (see gioia.ingest). No stage imports another, so their
# shapes are restated here.
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_OTTER_HEADER = re.compile(
    r"(?P<speaker>\S.{0,59}?)(?:[ \t]{2,20}|\t)(?:\d{1,2}:)?\d{1,2}:\d{2}[ \t]*"
)
_TIMING_LINE = re.compile(
    rf"[\[(]?{_TIME}[\])]?"  # a timestamp alone on its line
    rf"|{_TIME}\s*-->\s*{_TIME}(?:\s.*)?"  # a WebVTT or SRT cue timing
    rf"|{_TIME},{_TIME}"  # an SBV cue timing
)
_CUE_NUMBER = re.compile(r"\d{1,6}")
_LABEL_PREFIX = re.compile(
    rf"""(?P<stamp>(?:\[{_TIME}\]|\({_TIME}\)|{_TIME})\s*)?
    (?:-\s+|>>\s*)?
    (?:<v(?:\.[^\s>]*)?\s+(?P<voice>[^>]+)>
      |\[(?P<bracketed>[^\]\d][^\]]{{0,39}})\](?=\s)
      |(?P<bold>\*\*)?(?P<name>[^\W\d][^:*<>\[\]]{{0,39}}?)
       (?:\s*(?P<late_stamp>\[{_TIME}\]|\({_TIME}\)))?\s*(?:\*\*)?:(?:\*\*)?(?=\s|$)
    )""",
    re.VERBOSE,
)
_MAX_LABEL_WORDS = 4


@dataclass(frozen=True)
class _Header:
    """A speaker header or timing in a quote, as the source file wrote it."""

    literal: str
    speaker: str | None  # the speaker gioia renders a label for; None for a timing
    # Unmistakably a header (its own line, timestamped, bold, a voice tag, after a cue
    # timing), so gioia may have dropped it; a plain "Name: text" may be talk.
    marked: bool


def _spans_across_headers(text: str, quote: str) -> list[tuple[int, int]]:
    """The spans of ``quote`` in ``text`` when its speaker headers are read as gioia
    renders them. A marked header between two words may be the ``Speaker:`` label
    gioia wrote for it, the header as written, or gone (a timing; a caption continuing
    its speaker's turn); a plain ``Name:`` label must be there, in either form, as the
    quote has it. Headers before the quote's first word or after its last are not talk
    and not part of the span, except a plain label at the start (it may be talk: "The
    thing is: ..."). Empty when the quote has no headers (the looser matches before
    this one have looked already) or no words."""
    pieces = _quote_pieces(quote)
    words = [i for i, piece in enumerate(pieces) if isinstance(piece, str)]
    if not words or len(words) == len(pieces):
        return []
    first, last = words[0], words[-1]
    pattern = "".join(
        f"(?:{_header_forms(piece)}\\s+)?"
        for piece in pieces[:first]
        if isinstance(piece, _Header) and not piece.marked
    )
    for i in range(first, last + 1):
        piece = pieces[i]
        if isinstance(piece, str):
            pattern += (r"\s+" if i > first else "") + re.escape(piece)
        elif piece.marked:
            pattern += rf"(?:\s+{_header_forms(piece)})?"
        else:
            pattern += rf"\s+{_header_forms(piece)}"
    return [m.span() for m in re.finditer(pattern, text)]


def _quote_pieces(quote: str) -> list[str | _Header]:
    """The quote's words and headers, in order."""
    lines = [line.strip() for line in quote.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    pieces: list[str | _Header] = []
    for i, line in enumerate(lines):
        header = _line_header(line, lines[i + 1] if i + 1 < len(lines) else "")
        if header is not None:
            pieces.append(header)
            continue
        after_timing = (
            bool(pieces) and isinstance(pieces[-1], _Header) and pieces[-1].speaker is None
        )
        label, rest = _label_prefix(line, after_timing)
        if label is not None:
            pieces.append(label)
        pieces.extend(rest.split())
    return pieces


def _line_header(line: str, next_line: str) -> _Header | None:
    """A line that is a header as a whole: Otter's ``Name  0:04``, a timestamp, a cue
    timing, or a cue's number (just before its timing)."""
    otter = _OTTER_HEADER.fullmatch(line)
    if otter is not None:
        return _Header(line, " ".join(otter["speaker"].split()), marked=True)
    if _TIMING_LINE.fullmatch(line) or (
        _CUE_NUMBER.fullmatch(line) and _TIMING_LINE.fullmatch(next_line)
    ):
        return _Header(line, None, marked=True)
    return None


def _label_prefix(line: str, after_timing: bool) -> tuple[_Header | None, str]:
    """The speaker label a line begins with (``Name:``, ``[00:01:02] Name:``,
    ``**Name:**``, ``<v Name>``, ``[Name]``), and the rest of the line."""
    match = _LABEL_PREFIX.match(line)
    if match is None:
        return None, line
    name = " ".join((match["voice"] or match["bracketed"] or match["name"]).split())
    if len(name.split()) > _MAX_LABEL_WORDS:
        return None, line
    rest = line[match.end() :].replace("</v>", " ")
    marked = (
        after_timing
        or not rest.strip()
        or any(match[group] for group in ("stamp", "late_stamp", "bold", "voice", "bracketed"))
    )
    return _Header(match.group().strip(), name, marked), rest


def _header_forms(header: _Header) -> str:
    """A header as the normalised text may have it: as written, or, for a speaker,
    as the label gioia renders (its first spelling of the name, so any case)."""
    literal = r"\s+".join(re.escape(word) for word in header.literal.split())
    if header.speaker is None:
        return f"(?:{literal})"
    label = r"\s+".join(re.escape(word) for word in header.speaker.split())
    return f"(?:(?i:{label}):|{literal})"
