"""Transcript files → normalised :class:`~gioia.models.Transcript`.

Each format has its own module that turns decoded text into :class:`RawTurn`\\ s; this
module picks the reader (by suffix, then by content where formats share one), and renders
every format the same way, into the text all offsets in gioia refer to::

    Speaker: spoken text of the first turn
    second paragraph of the same turn

    Other speaker: ...

Unicode NFC; a turn's lines joined by single spaces, its paragraphs by "\\n", turns by a
blank line; runs of whitespace collapsed; timestamps dropped. ``Turn.start``/``end``
delimit the spoken text, never the label.
"""

from __future__ import annotations

import io
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gioia.archives import MB, ZipLimits, archive_refusal, describe_size
from gioia.errors import Location, TranscriptError
from gioia.ingest._turns import ParsedText, RawTurn
from gioia.ingest.cache import TranscriptCache
from gioia.ingest.captions import parse_sbv, parse_srt, parse_vtt
from gioia.ingest.decode import decode
from gioia.ingest.opendocument import parse_odt
from gioia.ingest.otter import looks_like_otter, parse_otter
from gioia.ingest.rtf import parse_rtf
from gioia.ingest.speakers import (
    DEFAULT_INTERVIEWER_LABELS,
    attribute_speakers,
    is_interviewer_label,
)
from gioia.ingest.text import parse_markdown, parse_text
from gioia.models import Transcript, Turn

__all__ = [
    "DEFAULT_INTERVIEWER_LABELS",
    "DEFAULT_TRANSCRIPT_BYTES",
    "SUPPORTED_SUFFIXES",
    "TranscriptCache",
    "attribute_speakers",
    "find_transcripts",
    "read_transcript",
]


@dataclass(frozen=True)
class _Reader:
    """A format read from decoded text."""

    format: str
    suffixes: tuple[str, ...]
    parse: Callable[[str, Sequence[str]], ParsedText]
    # Formats that share a suffix with another claim a file only when its content fits.
    sniff: Callable[[str], bool] | None = None


@dataclass(frozen=True)
class _DocumentReader:
    """A format read from the file's bytes (a word-processor document): it has no text
    encoding of its own to detect. ``parse(data, source, interviewer_labels)``."""

    format: str
    suffixes: tuple[str, ...]
    parse: Callable[[bytes, str, Sequence[str]], ParsedText]


def _parse_docx(data: bytes, source: str, interviewer_labels: Sequence[str]) -> ParsedText:
    # python-docx is imported for a study that has a .docx, not by every run.
    from gioia.ingest.word import parse_docx

    return parse_docx(data, source, interviewer_labels)


_PLAIN_TEXT = _Reader("txt", (".txt",), parse_text)
# In order of preference: the first reader whose suffix and sniff fit is used.
_READERS: tuple[_Reader, ...] = (
    _Reader("otter", (".txt",), parse_otter, sniff=looks_like_otter),
    _PLAIN_TEXT,
    _Reader("md", (".md",), parse_markdown),
    _Reader("vtt", (".vtt",), parse_vtt),
    _Reader("srt", (".srt",), parse_srt),
    _Reader("sbv", (".sbv",), parse_sbv),
)
_DOCUMENT_READERS: tuple[_DocumentReader, ...] = (
    _DocumentReader("docx", (".docx",), _parse_docx),
    _DocumentReader("odt", (".odt",), parse_odt),
    _DocumentReader("rtf", (".rtf",), parse_rtf),
)
# Files a researcher may drop into transcripts/ that gioia cannot read, and what to do.
_REFUSED = {
    ".pdf": "export the transcript from the program that made the PDF as text (.txt) or "
    "Word (.docx); text copied out of a PDF loses speaker turns and line breaks",
    ".doc": "open it in Word or LibreOffice and save it as .docx",
}
SUPPORTED_SUFFIXES = tuple(
    dict.fromkeys(s for r in (*_READERS, *_DOCUMENT_READERS) for s in r.suffixes)
)

# The default of gioia.yaml's settings.limits.transcript_mb: a two-hour interview is
# about 100 kB of text, so a file a hundred times larger is no single transcript.
DEFAULT_TRANSCRIPT_BYTES = 10 * MB
# A word-processor document's XML is markup around the text, typically 3-8 times its
# size; a part beyond this multiple of the text limit holds no acceptable transcript.
_DOCUMENT_MARKUP_FACTOR = 10
_LIMIT_HINT = (
    "split the file into one transcript per interview, or raise settings.limits."
    "transcript_mb in gioia.yaml"
)

# Beyond this a header is more than a title and a date: say that it was left out.
_HEADER_CONTENT_WORDS = 30
_HEADER_CONTENT_LINE_WORDS = 12
_DIGITS = re.compile(r"[0-9]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def find_transcripts(folder: Path, *, within: Path | None = None) -> list[tuple[str, Path]]:
    """(transcript id, path) of every supported file under ``folder``, recursively,
    skipping hidden files and folders. Sorted by path, numbers in names compared as
    numbers (P2 before P10). Ids are file stems, so they must be unique, ignoring case
    (``.gioia/text/<id>.txt`` must not collide on case-insensitive file systems).

    A file that is a link must lead to a file inside ``within`` (the study folder;
    default ``folder``): one that leads outside it is refused, naming the link, before
    anything opens it, so a study cannot make gioia read (and write into its cache,
    report and exports) a file such as /etc/passwd. Linked folders are not followed."""
    boundary = (within or folder).resolve()
    found = [
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in (*SUPPORTED_SUFFIXES, *_REFUSED)
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        # Word's lock file for an open document ("~$P1.docx") is not a transcript.
        and not path.name.startswith("~$")
    ]
    found.sort(key=lambda path: _natural_key(path.relative_to(folder).as_posix()))
    _refuse_links_out(folder, found, boundary)
    by_id: dict[str, list[Path]] = {}
    for path in found:
        by_id.setdefault(path.stem.casefold(), []).append(path)
    clashes = [paths for paths in by_id.values() if len(paths) > 1]
    if clashes:
        described = "; ".join(
            f"{paths[0].stem}: " + ", ".join(p.relative_to(folder).as_posix() for p in paths)
            for paths in clashes
        )
        first = clashes[0][0]
        raise TranscriptError(
            f"transcripts share an id (the file name without its extension): {described}",
            hint="rename the files so that each name is unique in the transcripts folder",
            location=Location(first.relative_to(folder).as_posix()),
        )
    return [(path.stem, path) for path in found]


def _refuse_links_out(folder: Path, found: Sequence[Path], boundary: Path) -> None:
    leaving = []
    # Resolved once per folder, not once per file: a file that is not a link is where
    # its resolved folder says.
    folders: dict[Path, Path] = {}
    for path in found:
        try:
            if path.is_symlink():
                target = path.resolve()
            else:
                if path.parent not in folders:
                    folders[path.parent] = path.parent.resolve()
                target = folders[path.parent] / path.name
        except (OSError, RuntimeError):  # a loop of links: reading it fails, and says so
            continue
        if not target.is_relative_to(boundary):
            leaving.append((path, target))
    if not leaving:
        return
    described = "; ".join(
        f"{path.relative_to(folder).as_posix()} is a link to {target}" for path, target in leaving
    )
    raise TranscriptError(
        f"{described}, outside the study folder {boundary}",
        hint=_LINK_HINT,
        location=Location.of(leaving[0][0]),
    )


_LINK_HINT = (
    "gioia reads a study's files only from inside its folder: copy the transcript into the "
    "transcripts folder instead of linking to it (a link to a file inside the study is fine)"
)


def read_transcript(
    path: Path,
    *,
    transcript_id: str,
    rel_path: str,
    encoding: str | None = None,
    interviewer_labels: Sequence[str] = DEFAULT_INTERVIEWER_LABELS,
    max_bytes: int = DEFAULT_TRANSCRIPT_BYTES,
    cache: TranscriptCache | None = None,
    within: Path | None = None,
) -> Transcript:
    """Read and normalise one transcript file. ``rel_path`` names it in messages;
    ``encoding`` overrides detection. Raises :class:`TranscriptError` for a file that
    cannot be read, decoded, or has no text, and for one larger than ``max_bytes``: a
    text file by its size, a document by the text it holds (a document's archive is
    checked before it is unpacked, so a zip bomb is refused without inflating it).
    With a ``cache``, a file read before with the same bytes and options is not read
    again. With ``within`` (the study folder), a file that leads outside it through a
    link is refused before it is opened, as :func:`find_transcripts` refuses it: should
    the link change in between, the file opened is still the one checked."""
    suffix = path.suffix.lower()
    if suffix in _REFUSED:
        raise TranscriptError(
            f"gioia cannot read {suffix} files",
            hint=_REFUSED[suffix],
            location=Location(rel_path),
        )
    document_reader = next((r for r in _DOCUMENT_READERS if suffix in r.suffixes), None)
    try:
        data = _read_file(
            path,
            rel_path,
            within=within,
            max_bytes=max_bytes if document_reader is None else None,
        )
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of links
        raise TranscriptError(
            f"cannot read {rel_path}: {getattr(exc, 'strerror', None) or exc}",
            hint="check that the file exists and that you may read it",
            location=Location(rel_path),
        ) from None
    if cache is not None:
        key = cache.key(
            data,
            transcript_id=transcript_id,
            rel_path=rel_path,
            encoding=encoding,
            interviewer_labels=interviewer_labels,
            max_bytes=max_bytes,
        )
        cached = cache.get(transcript_id, key)
        if cached is not None:
            return cached
    transcript = _read_bytes(
        data,
        suffix,
        document_reader,
        transcript_id=transcript_id,
        rel_path=rel_path,
        encoding=encoding,
        interviewer_labels=interviewer_labels,
        max_bytes=max_bytes,
    )
    if cache is not None:
        cache.put(key, transcript)
    return transcript


# Opening the file a link was resolved to, never a link: a link put in its place after
# the check is not followed (where the system knows the flag).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _read_file(path: Path, rel_path: str, *, within: Path | None, max_bytes: int | None) -> bytes:
    """The bytes of a regular file at ``path`` (through a link only into ``within``),
    refused beyond ``max_bytes`` before it is read."""
    real = path.resolve(strict=True)
    if within is not None and not real.is_relative_to(within.resolve()):
        raise TranscriptError(
            f"{rel_path} is a link to {real}, outside the study folder {within.resolve()}",
            hint=_LINK_HINT,
            location=Location(rel_path),
        )
    with os.fdopen(os.open(real, _OPEN_FLAGS), "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TranscriptError(
                "not a regular file",
                hint="put the transcript's file itself in the transcripts folder",
                location=Location(rel_path),
            )
        if max_bytes is not None and info.st_size > max_bytes:
            raise TranscriptError(
                f"the file is {describe_size(info.st_size)} ({info.st_size:,} bytes), more "
                f"than the {describe_size(max_bytes)} gioia reads as one transcript",
                hint=_LIMIT_HINT,
                location=Location(rel_path),
            )
        return file.read()


def _read_bytes(
    data: bytes,
    suffix: str,
    document_reader: _DocumentReader | None,
    *,
    transcript_id: str,
    rel_path: str,
    encoding: str | None,
    interviewer_labels: Sequence[str],
    max_bytes: int,
) -> Transcript:
    if document_reader is not None:
        _check_archive(data, rel_path, max_bytes)
        parsed = document_reader.parse(data, rel_path, interviewer_labels)
        format_name, encoding_used = document_reader.format, document_reader.format
        parsed = _normalise_parsed(parsed)
    else:
        text, encoding_used = decode(data, source=rel_path, encoding=encoding)
        text = _normalise_characters(text)
        if not text.strip():
            raise TranscriptError(
                "the file has no text",
                hint="add the transcript's text, or move the empty file out of the "
                "transcripts folder",
                location=Location(rel_path),
            )
        reader = _reader_for(suffix, text)
        try:
            parsed = reader.parse(text, interviewer_labels)
        except TranscriptError as exc:
            # Readers see only the text: the error gets the file here.
            raise TranscriptError(exc.message, hint=exc.hint, location=Location(rel_path)) from None
        format_name = reader.format
    warnings = list(parsed.warnings)
    if parsed.turns:
        warnings += _header_warnings(parsed.header)
        turns = parsed.turns
    else:
        warnings.append(
            "no speaker labels found (such as 'Interviewer:' or 'P1:'): the whole text is "
            "taken as one participant's turn"
        )
        turns = _monologue(transcript_id, parsed.header)
    normalised, rendered, empty = _render(turns, interviewer_labels, monologue=not parsed.turns)
    if not rendered:
        raise TranscriptError(
            "the file has no spoken text",
            hint="each turn needs text after its speaker label, e.g. 'Interviewer: How did...'",
            location=Location(rel_path),
        )
    if document_reader is not None and len(normalised) > max_bytes:
        raise TranscriptError(
            f"the document holds {describe_size(len(normalised))} of text, more than the "
            f"{describe_size(max_bytes)} gioia reads as one transcript",
            hint=_LIMIT_HINT,
            location=Location(rel_path),
        )
    if empty:
        warnings.append(
            f"{len(empty)} speaker label(s) with no text after them were skipped "
            f"(lines {', '.join(str(line) for line in empty[:5])}"
            + (", ..." if len(empty) > 5 else "")
            + ")"
        )
    return Transcript(
        id=transcript_id,
        path=rel_path,
        format=format_name,
        encoding=encoding_used,
        text=normalised,
        turns=rendered,
        warnings=tuple(warnings),
    )


def _check_archive(data: bytes, rel_path: str, max_bytes: int) -> None:
    """A .docx or .odt is a zip archive: refuse it before anything unpacks it when it
    declares more content than a transcript within ``max_bytes`` needs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    # Not a readable zip (or not a zip at all, as an .rtf is): nothing can inflate, and
    # the document's reader says what is wrong with it.
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, OSError):
        return
    # Pictures in a document are stored as they are, so they are bounded by the file's
    # own size; the floor keeps a small text limit from refusing a document with them.
    entry_bytes = max(_DOCUMENT_MARKUP_FACTOR * max_bytes, ZipLimits.entry_bytes)
    limits = ZipLimits(entry_bytes=entry_bytes, total_bytes=2 * entry_bytes)
    refusal = archive_refusal(infos, limits)
    if refusal is not None:
        raise TranscriptError(
            f"the document cannot be unpacked safely: {refusal}",
            hint="open it in Word or LibreOffice and save it again; "
            "if it is one large transcript, " + _LIMIT_HINT,
            location=Location(rel_path),
        )


def _normalise_characters(text: str) -> str:
    # Some codecs (utf-7, unicode_escape) can yield lone surrogates, which no UTF-8 file
    # can hold: they become U+FFFD like any other undecodable character.
    text = _SURROGATE.sub("\ufffd", text)
    return _CONTROL_CHARACTERS.sub(" ", unicodedata.normalize("NFC", text))


def _normalise_parsed(parsed: ParsedText) -> ParsedText:
    """A document reader's text gets the same character normalisation as a text file's."""
    for turn in parsed.turns:
        turn.lines = [_normalise_characters(line) for line in turn.lines]
    parsed.header = [(number, _normalise_characters(line)) for number, line in parsed.header]
    return parsed


def _reader_for(suffix: str, text: str) -> _Reader:
    for reader in _READERS:
        if suffix in reader.suffixes and (reader.sniff is None or reader.sniff(text)):
            return reader
    # Callers pass files find_transcripts found; any other suffix is read as plain text.
    return _PLAIN_TEXT


def _render(
    raw_turns: Sequence[RawTurn], interviewer_labels: Sequence[str], *, monologue: bool
) -> tuple[str, tuple[Turn, ...], list[int]]:
    """The normalised text, its turns, and the source lines of turns with no text."""
    pieces: list[str] = []
    length = 0
    turns: list[Turn] = []
    empty: list[int] = []
    for raw in raw_turns:
        spoken = _spoken_text(raw.lines)
        if not spoken:
            empty.append(raw.line)
            continue
        label = f"{raw.speaker}: "
        separator = "\n\n" if pieces else ""
        start = length + len(separator) + len(label)
        pieces += [separator, label, spoken]
        length = start + len(spoken)
        interviewer = not monologue and is_interviewer_label(raw.speaker, interviewer_labels)
        turns.append(Turn(raw.speaker, start, length, is_interviewer=interviewer, line=raw.line))
    return "".join(pieces), tuple(turns), empty


def _spoken_text(lines: Sequence[str]) -> str:
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        words = " ".join(line.split())
        if words:
            paragraphs[-1].append(words)
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n".join(" ".join(paragraph) for paragraph in paragraphs if paragraph)


def _monologue(transcript_id: str, header: Sequence[tuple[int, str]]) -> list[RawTurn]:
    first_line = next((number for number, line in header if line.strip()), 1)
    return [RawTurn(transcript_id, first_line, [line for _, line in header])]


def _header_warnings(header: Sequence[tuple[int, str]]) -> list[str]:
    content = [(number, line) for number, line in header if line.strip()]
    line_words = [len(line.split()) for _, line in content]
    looks_like_content = (
        sum(line_words) > _HEADER_CONTENT_WORDS
        or max(line_words, default=0) > _HEADER_CONTENT_LINE_WORDS
    )
    if not looks_like_content:
        return []
    first, last = content[0][0], content[-1][0]
    preview = " ".join(content[0][1].split())[:60]
    return [
        f"lines {first}-{last} come before the first speaker label and are not part of any "
        f"turn (they begin {preview!r}); if they are talk, add a speaker label before them"
    ]


def _natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    return tuple(
        (0, int(part)) if _DIGITS.fullmatch(part) else (1, part.casefold())
        for part in re.split(r"([0-9]+)", name)
        if part
    )
