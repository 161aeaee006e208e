"""Imported sources as transcripts, and their codings as journal lines, before writing.

Each text source becomes ``transcripts/<name>.txt``: its text as stored, with LF line
endings, UTF-8. The name is the source's name (a file extension dropped, characters
other than letters, digits, ``.``, ``_`` and ``-`` replaced by ``_``), made unique. A
transcript of that name already in the study is the same transcript when its bytes are
the same (a re-import). With different text (the study's own file, where the source is
its export coded further elsewhere, or a line ending or trailing newline apart) the study's
transcript is kept as it is and the source's codings are *re-anchored* on it: carried
into gioia's reading of the study's file word by word, as below, or found by their quote.
One interview never ends up in two versions, and nothing in the study is rewritten. A
source known only by its coded passages (a highlights list) is re-anchored the same way,
by its quotes, and needs the study's transcript of its name.

A coding's place: gioia reads the written file as it reads any transcript, and the
selection is carried into that reading by :class:`~gioia.interchange.positions.PositionMap`.
The journal line's quote is the normalised text there, so gioia's ``locate_quote`` finds
it exactly. Its ``start``/``end`` are -1 ("place by quote", as imports are written, so a
later edit of the transcript re-anchors it like any hand-written line) when the quote
occurs once in the transcript; a quote that occurs several times (a short "Yes.") keeps
its offsets in the normalised text, which ``locate_quote`` accepts where the text there
still equals the quote, and never moves elsewhere. A selection that cannot be carried
over (its words are in lines gioia does not read as talk, such as a header) is written
with the source's own words and -1/-1: ``gioia check`` reports it as an orphan, and the
decision is kept, not dropped.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gioia.errors import TranscriptError
from gioia.ingest import find_transcripts, read_transcript
from gioia.interchange.levels import PlannedNode
from gioia.interchange.positions import PositionMap, text_for_positions
from gioia.interchange.project_reader import SourceData
from gioia.journal import now_utc, read_journals
from gioia.models import Coding
from gioia.quotes import locate_quote

__all__ = [
    "PlannedCoding",
    "PlannedTranscript",
    "new_journal_lines",
    "plan_codings",
    "plan_transcripts",
]

_DOCUMENT_SUFFIX = re.compile(r"\.(?:txt|docx?|rtf|odt|pdf|md|html?)$", re.IGNORECASE)
_UNSAFE = re.compile(r"[^\w.-]+")
_MAX_NAME = 80
_NOT_IN_CODER_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class PlannedTranscript:
    source: SourceData
    id: str  # the file stem, gioia's transcript id
    path: Path
    data: bytes  # what the file holds (or will)
    unchanged: bool  # already in the study with exactly these bytes
    reanchored: bool  # the study's transcript of this name, with other text: not written
    positions_text: str  # the text the source's positions count in
    normalised: str  # gioia's reading of the file
    warnings: tuple[str, ...]  # gioia's remarks on reading it


@dataclass(frozen=True)
class PlannedCoding:
    transcript: str
    start: int
    end: int
    quote: str
    concept: PlannedNode
    user: str  # guid key of the coder
    at: str
    memo: str
    placed: bool  # False: gioia will report it as an orphan


def plan_transcripts(
    sources: Sequence[SourceData],
    folder: Path,
    read_existing: Callable[[str, Path], tuple[str, tuple[str, ...]]],
) -> tuple[list[PlannedTranscript], list[tuple[SourceData, str]]]:
    """The transcripts to write or re-anchor on, and the sources that cannot be
    transcripts (with why). ``read_existing(stem, path)`` is gioia's reading (normalised
    text, remarks) of a transcript already in the study, with the study's settings."""
    existing = {}
    if folder.is_dir():
        existing = {stem.casefold(): (stem, path) for stem, path in find_transcripts(folder)}
    used: set[str] = set()
    planned: list[PlannedTranscript] = []
    refused: list[tuple[SourceData, str]] = []
    for source in sources:
        if source.text is None and source.problem:
            refused.append((source, source.problem))
            continue
        stem = _unique_stem(source.name, used)
        stem, there = existing.get(stem.casefold(), (stem, None))
        if source.text is None:
            if there is None:
                refused.append((source, f"the study has no transcript {stem!r} to place it on"))
                continue
            data, positions_text, unchanged = b"", "", False
        else:
            text = source.text.replace("\r\n", "\n").replace("\r", "\n")
            data = text.encode("utf-8")
            spans = [(s.start, s.end) for s in source.selections if s.start >= 0]
            positions_text = text_for_positions(source.text, spans)
            unchanged = there == folder / f"{stem}.txt" and there.read_bytes() == data
        path = there if there is not None else folder / f"{stem}.txt"
        reanchored = there is not None and not unchanged
        try:
            if reanchored:
                normalised, remarks = read_existing(stem, path)
            else:
                normalised, remarks = _read_as_gioia_does(stem, data)
        except TranscriptError as exc:
            refused.append((source, f"gioia cannot read its text ({exc.message})"))
            continue
        planned.append(
            PlannedTranscript(
                source,
                stem,
                path,
                data,
                unchanged,
                reanchored,
                positions_text,
                normalised,
                remarks,
            )
        )
    return planned, refused


def plan_codings(
    transcript: PlannedTranscript, concept_for: Callable[[str], PlannedNode | None]
) -> tuple[list[PlannedCoding], list[str]]:
    """Journal lines for the codings of one transcript's source, and a reason for each
    coding that cannot be one."""
    positions = PositionMap(transcript.positions_text, transcript.normalised)
    planned: list[PlannedCoding] = []
    skipped: list[str] = []
    for selection in transcript.source.selections:
        if selection.start < 0:
            place = _place_by_quote(selection.quote, transcript.normalised)
        else:
            place = _place(selection.start, selection.end, transcript, positions)
        for coding in selection.codings:
            concept = concept_for(coding.code)
            if concept is None:
                skipped.append(f"its code {coding.code or '(none)'} is not in the code tree")
            elif isinstance(place, str):
                skipped.append(place)
            else:
                start, end, quote, placed = place
                planned.append(
                    PlannedCoding(
                        transcript.id,
                        start,
                        end,
                        quote,
                        concept,
                        coding.user,
                        coding.at,
                        coding.memo,
                        placed,
                    )
                )
    return planned, skipped


def _place(
    start: int, end: int, transcript: PlannedTranscript, positions: PositionMap
) -> tuple[int, int, str, bool] | str:
    """(start, end, quote, placed) of a journal line for the selection, or why none."""
    text, normalised = transcript.positions_text, transcript.normalised
    if not 0 <= start < end <= len(text):
        return f"its selection {start}-{end} lies outside the text ({len(text)} characters)"
    words = text[start:end].replace("\r\n", "\n").replace("\r", "\n").strip()
    if not words:
        return f"its selection {start}-{end} holds only white space"
    span = positions.span(start, end)
    if span is None:
        found = locate_quote(normalised, words)
        span = found if isinstance(found, tuple) else None
    if span is None:
        return -1, -1, words, False
    return _journal_place(span, normalised)


def _journal_place(span: tuple[int, int], normalised: str) -> tuple[int, int, str, bool]:
    quote = normalised[span[0] : span[1]]
    if locate_quote(normalised, quote) == span:
        return -1, -1, quote, True
    return span[0], span[1], quote, True  # a repeated quote: only its offsets place it


def _place_by_quote(quote: str, normalised: str) -> tuple[int, int, str, bool] | str:
    """(start, end, quote, placed) of a passage known only by its words."""
    words = quote.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not words:
        return "its passage holds only white space"
    span = locate_quote(normalised, words)
    if isinstance(span, str):
        return -1, -1, words, False
    return _journal_place(span, normalised)


def _read_as_gioia_does(stem: str, data: bytes) -> tuple[str, tuple[str, ...]]:
    """gioia's normalised text of the file to be written, read from a temporary copy so
    the study is untouched until everything is planned."""
    with tempfile.TemporaryDirectory(prefix="gioia-import-") as folder:
        path = Path(folder) / f"{stem}.txt"
        path.write_bytes(data)
        transcript = read_transcript(path, transcript_id=stem, rel_path=path.name)
    return transcript.text, transcript.warnings


def _unique_stem(name: str, used: set[str]) -> str:
    base = _DOCUMENT_SUFFIX.sub("", unicodedata.normalize("NFC", name).strip())
    # A leading "." hides a file from gioia, "~$" marks a Word lock file.
    base = _UNSAFE.sub("_", base).lstrip("._-~$")[:_MAX_NAME].rstrip("._-") or "source"
    stem, number = base, 1
    while stem.casefold() in used:
        number += 1
        stem = f"{base}-{number}"
    used.add(stem.casefold())
    return stem


def new_journal_lines(
    planned: Sequence[PlannedCoding],
    users: Mapping[str, str],
    default_user: str,
    codings_dir: Path,
) -> tuple[list[tuple[Coding, bool]], int]:
    """The journal lines (each with whether gioia can place it) not yet in a journal in
    ``codings_dir``, and how many were. A line is there already when one has the same
    transcript, quote (ignoring white space), concept, coder and decision; a line that
    needs its offsets (a repeated quote) must have the same offsets too."""
    seen: set[tuple] = set()
    for journal in read_journals(codings_dir):
        for line in journal.codings:
            seen.add(_dedupe_key(line, line.start, line.end))
            # A line with offsets also stands for the same quote placed by quote.
            seen.add(_dedupe_key(line, -1, -1))
    new = []
    for line in planned:
        coding = Coding(
            transcript=line.transcript,
            start=line.start,
            end=line.end,
            concept=line.concept.id,
            decision="accept",
            coder=_coder_name(users.get(line.user or default_user, ""), line.user),
            source="import",
            quote=line.quote,
            at=line.at or now_utc(),
            memo=line.memo,
        )
        key = _dedupe_key(coding, coding.start, coding.end)
        if key not in seen:
            seen.add(key)
            new.append((coding, line.placed))
    return new, len(planned) - len(new)


def _dedupe_key(coding: Coding, start: int, end: int) -> tuple:
    quote = " ".join(coding.quote.split())
    return (coding.transcript, start, end, quote, coding.concept, coding.coder, coding.decision)


def _coder_name(name: str, user: str) -> str:
    """The journal name of a user: codings/<coder>.jsonl takes plain ASCII ("María" →
    "Maria"); a user the project does not name is known by their GUID."""
    if not name and user:
        name = f"user-{user[:8]}"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return _NOT_IN_CODER_NAME.sub("-", ascii_name).strip("-._") or "imported"
