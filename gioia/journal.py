"""The coders' journals: ``codings/<coder>.jsonl``, one decision per line, append-only.

Human decisions are sacred. Lines are appended, flushed and fsynced one at a time and
never rewritten; an append that fails (a full disk says ``no space left on device:
PATH``) takes back the part of itself the disk still took, and nothing else is ever
removed. Lines end in ``\n`` (as gioia writes them), ``\r\n`` or a lone ``\r``.

Reading is forgiving where a crash or a full disk can leave a mark, and strict elsewhere.
A torn write (the start of a line cut short, which is never valid JSON) is reported and
skipped wherever it is: as the last line, or before lines appended after it, since an
append starts on a fresh line when the journal does not end in one, so that the fragment
stays a line of its own and every later decision counts. Any other malformed line, the
last one too, is an error naming its line, because skipping it would drop a decision;
:func:`gioia.journal_lines.is_torn_write` states the rule exactly. A journal with
content from which no decision can be read says so.

Placing a decision in the current corpus is also here: a line is placed at its offsets
when the text there still equals its quote, else re-anchored by its quote; what cannot be
placed is *orphaned* and reported, never dropped.

One process writes a journal at a time: :func:`lock` holds an advisory lock on a hidden
sidecar file (``codings/.ms.jsonl.lock``, holding the writer's pid) for a whole review
session or batch, and every append takes it too, so two terminals open on the same
coder cannot interleave or tear lines. The lock is released when the process ends, even
by SIGKILL, so a leftover lock file never blocks anyone.

A study can come from anyone (a cloned repository, a colleague's zip), so nothing in
``codings/`` is trusted to be what its name says. A journal or lock file is opened only
as a regular file of its own: never through a symbolic link (``O_NOFOLLOW``; a link
would let an append or the emptying of a lock file land anywhere, inside the study or
out of it), never when it is a folder, pipe or device. A lock file is emptied when the
lock is taken and released, so one that holds anything but a process id, or that is a
hard link to another file, is refused and left as it is.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: lock a byte range instead (not exercised by the tests)
    fcntl = None
    import msvcrt

from gioia.errors import JournalError, Location, Problem
from gioia.fsutil import is_out_of_space, write_all, write_failure
from gioia.journal_lines import is_torn_write, is_unicode, malformed, parse_line, torn_problem
from gioia.models import Codebook, Coding, Orphan, PlacedCoding, Transcript
from gioia.quotes import locate_quote
from gioia.serialise import (
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

# \Z, not $: "$" also matches before a final newline, which made "hb\n" a coder.
# Line breaks of any system: \n, \r\n, and a lone \r (classic Mac OS, some editors).
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"  # which Notepad puts at the start of a file it saves as UTF-8
CODER_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


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
    if not CODER_NAME.fullmatch(coder):
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
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    fd = _open_regular(sidecar, os.O_RDWR | os.O_CREAT, _LOCK_FILE, journal=path)
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise _busy(path, fd)
            time.sleep(_RETRY_SECONDS)
        _check_lock_file(sidecar, fd)
        # The holder's pid is only for the second process's message: a disk too full
        # to hold it still lets the lock be held.
        with suppress(OSError):
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
        _held[sidecar] = 1
        try:
            yield
        finally:
            del _held[sidecar]
            with suppress(OSError):
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


# What a file of codings/ is, for messages.
_JOURNAL = "journal"
_LOCK_FILE = "lock file"
# Refuse a link at the last component of a name, and never wait on a pipe or device.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)  # Windows would otherwise translate line endings
# The most a lock file holds: a process id and a newline.
_LOCK_FILE_BYTES = 32


def _open_regular(path: Path, flags: int, what: str, *, journal: Path | None = None) -> int:
    """Open ``path``, a journal or its lock file, never through a symbolic link (a
    cloned study can carry one pointing anywhere) and only if it is a regular file (a
    pipe would block for ever, a device would swallow the journal). A folder or disk
    that cannot be written is reported for the ``journal`` a lock file is for."""
    writing = bool(flags & (os.O_WRONLY | os.O_RDWR))
    if not _NOFOLLOW and path.is_symlink():  # no O_NOFOLLOW (Windows): look first
        raise _linked(path, what)
    try:
        fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK | _BINARY, 0o666)
    except OSError as exc:
        if path.is_symlink():  # ELOOP on Linux and macOS, EMLINK on FreeBSD
            raise _linked(path, what) from None
        raise _cannot_open(journal or path, exc, what, writing=writing) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _not_regular(path, what, writing=writing)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _check_lock_file(sidecar: Path, fd: int) -> None:
    """The lock file is emptied when the lock is taken and released: make sure it is
    gioia's, holding nothing but a process id, and no other name of another file."""
    status = os.fstat(fd)
    os.lseek(fd, 0, os.SEEK_SET)
    content = os.read(fd, _LOCK_FILE_BYTES + 1).strip()
    if status.st_nlink > 1:  # (a file system without link counts says 0)
        reason = "is also another file (a hard link)"
    elif status.st_size > _LOCK_FILE_BYTES or (content and not content.isdigit()):
        reason = "holds something other than the process id gioia writes there"
    else:
        return
    raise JournalError(
        f"this journal's lock file {reason}; gioia will not overwrite it",
        location=Location.of(sidecar),
        hint="move it out of codings/: gioia makes its lock file itself",
    )


def _linked(path: Path, what: str) -> JournalError:
    try:
        target = f" (to {os.readlink(path)})"
    except OSError:
        target = ""
    if what == _LOCK_FILE:
        hint = f"delete the link ({path.name}): gioia makes its lock file itself"
    else:
        hint = (
            "replace the link by the file it points to if that is this study's journal, "
            "else delete it; a study copied or cloned from elsewhere can carry links that "
            "point out of it"
        )
    return JournalError(
        f"this {what} is a symbolic link{target}; gioia reads and writes journals only "
        "as files of their own, never through a link",
        location=Location.of(path),
        hint=hint,
    )


def _not_regular(path: Path, what: str, *, writing: bool) -> JournalError:
    return JournalError(
        f"cannot {'write' if writing else 'read'} this {what}: not a regular file",
        location=Location.of(path),
        hint=f"a {what} in codings/ is a plain file; move this one away",
    )


def _cannot_open(path: Path, exc: OSError, what: str, *, writing: bool) -> JournalError:
    if writing:
        return _cannot_write(path, exc)
    return JournalError(
        f"cannot read this {what}: {exc.strerror or exc}",
        location=Location.of(path),
        hint="a journal is a file codings/<coder>.jsonl that you may read",
    )


def _cannot_write(path: Path, exc: OSError) -> JournalError:
    if is_out_of_space(exc):
        # The message names the file itself, so it has no location to print before it.
        return JournalError(
            write_failure(path, exc),
            hint="free some space on that disk, then record the decision again: it was "
            "not recorded (every earlier decision is kept)",
        )
    return JournalError(
        f"cannot write this journal: {exc.strerror or exc}",
        location=Location.of(path),
        hint=f"check that you may write to {path.parent}",
    )


def append_coding(path: Path, coding: Coding) -> None:
    """Append one decision, flushed and fsynced before returning. Waits a moment for a
    journal another process is writing, then raises JournalError. A decision with text
    no UTF-8 file can hold, or a write that fails, is a JournalError, the journal left
    as it was."""
    data = _encoded_line(path, coding)  # before anything is opened or written
    with lock(path, wait=APPEND_WAIT_SECONDS):
        fd = _open_regular(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, _JOURNAL)
        size = -1
        try:
            size = os.fstat(fd).st_size
            # A crash or a full disk can leave a torn last line without its newline.
            # Start on a fresh line so that the torn fragment stays a line of its own
            # and the decision is intact.
            if size > 0:
                os.lseek(fd, size - 1, os.SEEK_SET)
                if os.read(fd, 1) not in (b"\n", b"\r"):
                    data = b"\n" + data
            write_all(fd, data)
            os.fsync(fd)
        except OSError as exc:  # a full disk, most likely
            _take_back(fd, size)
            raise _cannot_write(path, exc) from None
        finally:
            os.close(fd)


def _take_back(fd: int, size: int) -> None:
    """Shrink the journal back to ``size`` after a failed append, removing the bytes of
    it that a full disk still took, and only those: the lock is held, so nothing else was
    appended after ``size``. Should that fail too, the part stays a torn fragment, which
    the next append ends with a newline and reading skips with a warning."""
    with suppress(OSError):
        if size >= 0 and os.fstat(fd).st_size > size:
            os.ftruncate(fd, size)


def _encoded_line(path: Path, coding: Coding) -> bytes:
    """The journal line of ``coding``, or a JournalError naming the field that holds
    half a character (a lone surrogate, as Python gives the bytes of a non-UTF-8
    command line or file name), which no UTF-8 file can hold."""
    data = coding_to_dict(coding)
    for key, value in data.items():
        for text in value if key == "flags" else (value,):
            if isinstance(text, str) and not is_unicode(text):
                bad = next(c for c in text if not is_unicode(c))
                raise JournalError(
                    f"the {key} of this decision cannot be written to the journal: it holds "
                    f"U+{ord(bad):04X}, half a character (what a byte of text that is not "
                    "UTF-8 becomes: from a terminal or a file name in another encoding)",
                    location=Location.of(path),
                    hint=f"give the {key} as UTF-8 text; check the encoding (locale) of "
                    "your terminal",
                )
    return dumps_line(data).encode("utf-8")


def append_codings(path: Path, codings: Iterable[Coding]) -> int:
    count = 0
    for coding in codings:
        append_coding(path, coding)
        count += 1
    return count


def read_journal(path: Path) -> Journal:
    """Read and validate a journal. Raises JournalError for a malformed line; a torn
    write (:func:`gioia.journal_lines.is_torn_write`), wherever it is, becomes a warning
    and is skipped. Lines end in ``\n``, ``\r\n`` or a lone ``\r``; a UTF-8 byte order
    mark is ignored."""
    coder = path.stem
    # Not through a link, and not a folder, pipe or device (which could block forever).
    fd = _open_regular(path, os.O_RDONLY, _JOURNAL)
    try:
        with os.fdopen(fd, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise _cannot_open(path, exc, _JOURNAL, writing=False) from None
    lines = _LINE_BREAK.split(data.removeprefix(_BOM))
    ended = lines[-1] == b""
    if ended:
        lines.pop()
    codings: list[Coding] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            codings.append(parse_line(raw, coder))
            numbers.append(number)
        except ValueError as exc:
            location = Location(str(path), number)
            if not is_torn_write(raw):
                raise malformed(raw, exc, location) from None
            problems.append(torn_problem(location, exc, last=number == len(lines) and not ended))
    if not codings and problems:
        problems.append(
            Problem(
                "no decision could be read from this journal: all it holds is torn, "
                "skipped (see above)",
                problems[0].location,
                hint="if the coder made decisions, restore the journal from a backup or "
                "version control; else redo them",
                severity="warning",
            )
        )
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
