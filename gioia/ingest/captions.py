"""Caption transcripts: WebVTT (``.vtt``), SubRip (``.srt``) and YouTube SBV (``.sbv``).

A caption file is a series of cues: a timing line (``00:00:01.000 --> 00:00:04.000``;
``00:00:01,000 --> ...`` in SRT; ``0:00:01.000,0:00:04.000`` in SBV), optionally preceded
by an identifier (an SRT index, a Zoom cue number), then the caption's text. WebVTT files
also have a ``WEBVTT`` header with metadata (``Kind:``, ``Language:``) and NOTE, STYLE and
REGION blocks, which are not speech. Timings are dropped, like every timestamp in gioia.

webvtt-py cleans each cue's text (cue tags such as ``<c.yellow>``, ``<b>``, ``<00:17.500>``
and ``<v Name>`` are removed), finds voice spans and checks timings. Its file parsers are
not used: they return captions without their source lines, and skip blocks they cannot
read, while gioia needs the line of every turn and must never lose speech silently. So
blocks are found here, and a malformed file is read as far as its text goes, with a
warning for what was odd: a missing ``WEBVTT`` line, a timing that is not valid, text with
no timing line above it (read with the caption before it, as a blank line inside a cue
usually is). A file with no timing line at all is not captions, and is refused.

Speakers, in the order they are believed:

- Teams voice spans ``<v Name>text</v>`` (the closing tag is optional);
- in a file where every cue opens with a label, as Zoom writes ``Name: text``, those
  labels, whatever their case;
- elsewhere, ``Name: text``, ``- Name: text``, ``>> Name: text`` and ``[Name] text`` at
  the start of a caption line, when the label is an interviewer label, or looks like a
  name (capitalised words or an id) and occurs at least twice. Sound descriptions such
  as ``[Music]`` or ``[Laughter]`` are never speakers.

Consecutive cues of one speaker are one turn. A cue with no label continues the turn
before it (captions split sentences across cues, and SRT transcripts often label only
where the speaker changes), with a warning, since no one can check that from the file;
cues before the first label belong to no turn (the header). A file with no labels at all
is one participant's speech, which :func:`gioia.ingest.read_transcript` warns about.
Rolling captions (YouTube's) repeat the last line of a cue at the top of the next one;
the repeat is dropped.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import webvtt
from webvtt.errors import MalformedCaptionError

from gioia.errors import TranscriptError
from gioia.ingest._turns import ParsedText, RawTurn
from gioia.ingest.speakers import is_interviewer_label, label_key

__all__ = ["parse_sbv", "parse_srt", "parse_vtt"]


@dataclass(frozen=True)
class _CaptionFormat:
    """What tells the caption formats apart: how a timing line looks."""

    name: str
    timing_line: re.Pattern[str]  # searched for: does a line hold a cue's timing?
    times: re.Pattern[str]  # matched: the start and end times of a timing line
    example: str
    # SBV has no identifiers, so a line above a timing line there is always text.
    has_identifiers: bool


_ARROW_TIMES = re.compile(r"\s*(?P<start>\S+?)\s*-->\s*(?P<end>\S+)")
_SBV_TIMES = re.compile(r"^\s*(?P<start>\d+:[\d:.]*)\s*,\s*(?P<end>\d+:[\d:.]*)\s*$")
_VTT = _CaptionFormat(
    "WebVTT", re.compile("-->"), _ARROW_TIMES, "00:00:01.000 --> 00:00:04.000", True
)
_SRT = _CaptionFormat("SRT", re.compile("-->"), _ARROW_TIMES, "00:00:01,000 --> 00:00:04,000", True)
_SBV = _CaptionFormat("SBV", _SBV_TIMES, _SBV_TIMES, "0:00:01.000,0:00:04.000", False)

_VTT_BLOCKS_WITHOUT_SPEECH = ("NOTE", "STYLE", "REGION")
# SRT files from subtitle editors carry ASS position overrides such as {\an8}.
_ASS_OVERRIDE = re.compile(r"\{\\[^}]*\}")
_COLON_LABEL = re.compile(r"(?:-|>>)?\s*(?P<name>[^\W\d_][^:]{0,39}):(?:\s+|$)(?P<rest>.*)")
_BRACKET_LABEL = re.compile(r"(?:-\s*)?\[(?P<name>[^\]]{1,40})\]:?\s*(?P<rest>\S.*)")
_LABEL_PUNCTUATION = set(" .'’-_()&")
_MAX_LABEL_WORDS = 4
# Captions put sounds in brackets, as they do speakers' names; these are never speakers.
_SOUND_DESCRIPTIONS = {
    "applause",
    "background noise",
    "cough",
    "coughs",
    "crosstalk",
    "foreign",
    "inaudible",
    "indistinct",
    "laughing",
    "laughs",
    "laughter",
    "music",
    "noise",
    "pause",
    "silence",
    "sighs",
    "unintelligible",
}
_LISTED_LINES = 5


@dataclass
class _Cue:
    """A cue as found in the file: its timing line's number and text (None and "" for
    text before any timing line), and its text lines as written, with their numbers."""

    timing_line: int | None
    timing: str = ""
    lines: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _CaptionLine:
    number: int
    text: str  # cue tags removed, entities unescaped, whitespace collapsed
    voice: str | None  # the speaker of a <v Name> span opening the line


@dataclass(frozen=True)
class _Label:
    name: str
    rest: str  # the spoken text after the label
    is_voice_span: bool


def parse_vtt(text: str, interviewer_labels: Sequence[str]) -> ParsedText:
    blocks = list(_blocks(text))
    warnings = []
    if blocks and blocks[0][0][1].startswith("WEBVTT"):
        # A header ends at a blank line; a timing line right after it starts the first cue.
        header = blocks.pop(0)
        first_cue = next((i for i, (_, line) in enumerate(header) if "-->" in line), None)
        if first_cue is not None:
            blocks.insert(0, header[first_cue:])
    else:
        warnings.append("the file does not begin with 'WEBVTT'; it was read as WebVTT anyway")
    # Only blocks without a timing line can be notes, styles or regions: a cue's
    # identifier may be any word.
    speech = [
        block
        for block in blocks
        if block[0][1].split()[0] not in _VTT_BLOCKS_WITHOUT_SPEECH
        or any("-->" in line for _, line in block)
    ]
    return _parse(speech, _VTT, interviewer_labels, warnings)


def parse_srt(text: str, interviewer_labels: Sequence[str]) -> ParsedText:
    return _parse(list(_blocks(text)), _SRT, interviewer_labels, [])


def parse_sbv(text: str, interviewer_labels: Sequence[str]) -> ParsedText:
    return _parse(list(_blocks(text)), _SBV, interviewer_labels, [])


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Runs of non-blank lines, as (line number, line)."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        if line.strip():
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _parse(
    blocks: list[list[tuple[int, str]]],
    caption_format: _CaptionFormat,
    interviewer_labels: Sequence[str],
    warnings: list[str],
) -> ParsedText:
    cues, stray_text = _cues(blocks, caption_format)
    if not any(cue.timing_line is not None for cue in cues):
        raise TranscriptError(
            f"no captions: found no {caption_format.name} cue timing line such as "
            f"'{caption_format.example}'",
            hint="a caption file has a timing line above each caption's text; a transcript "
            "without timings can be saved as .txt",
        )
    invalid_timings = [
        cue.timing_line
        for cue in cues
        if cue.timing_line is not None and not _has_valid_times(cue.timing, caption_format)
    ]
    if invalid_timings:
        warnings.append(
            f"not a valid cue timing (such as '{caption_format.example}') on line(s) "
            f"{_listed(invalid_timings)}; the captions' text was read anyway"
        )
    if stray_text:
        warnings.append(
            f"text with no cue timing line above it on line(s) {_listed(stray_text)} was "
            "read as caption text, with the caption before it where there is one"
        )
    caption_lines = _without_rolling_repeats([_cleaned(cue) for cue in cues])
    turns, header, unlabelled_cues = _turns(caption_lines, interviewer_labels)
    if turns and unlabelled_cues:
        warnings.append(
            f"{len(unlabelled_cues)} caption(s) with no speaker label were read as the "
            f"previous speaker's (line(s) {_listed(unlabelled_cues)}); check that no one "
            "else speaks in them"
        )
    return ParsedText(turns, header, warnings)


def _cues(
    blocks: list[list[tuple[int, str]]], caption_format: _CaptionFormat
) -> tuple[list[_Cue], list[int]]:
    """The cues in file order, and the first line of each run of text that has no
    timing line above it."""
    cues: list[_Cue] = []
    stray_text: list[int] = []
    for block in blocks:
        before_first_cue: list[tuple[int, str]] = []
        block_cues: list[_Cue] = []
        for position, (number, line) in enumerate(block):
            text = block_cues[-1].lines if block_cues else before_first_cue
            if caption_format.timing_line.search(line) is None:
                text.append((number, line))
                continue
            # The line above a timing line names its cue (a WebVTT identifier, an SRT
            # index) when it opens the block, or is a number: an index with no blank
            # line before it.
            opens_block = position == 1 and not block_cues
            if (
                caption_format.has_identifiers
                and text
                and (opens_block or text[-1][1].strip().isdigit())
            ):
                text.pop()
            block_cues.append(_Cue(number, line))
        if before_first_cue:
            stray_text.append(before_first_cue[0][0])
            if not cues:
                cues.append(_Cue(None))
            cues[-1].lines.extend(before_first_cue)
        cues.extend(block_cues)
    return cues, stray_text


def _has_valid_times(timing: str, caption_format: _CaptionFormat) -> bool:
    times = caption_format.times.match(timing)
    if times is None:
        return False
    try:
        webvtt.Caption(times["start"].replace(",", "."), times["end"].replace(",", "."))
    except MalformedCaptionError:
        return False
    return True


def _cleaned(cue: _Cue) -> list[_CaptionLine]:
    raw_lines = [line for _, line in cue.lines]
    cleaned = []
    plain_lines = webvtt.Caption(text=raw_lines).text.split("\n") if raw_lines else []
    for (number, raw), plain in zip(cue.lines, plain_lines, strict=True):
        text = " ".join(html.unescape(_ASS_OVERRIDE.sub("", plain)).split())
        voice = webvtt.Caption.VOICE_SPAN_PATTERN.match(raw.strip())
        if text or voice:
            cleaned.append(
                _CaptionLine(number, text, " ".join(voice[1].split()) if voice else None)
            )
    return cleaned


def _without_rolling_repeats(cues: list[list[_CaptionLine]]) -> list[list[_CaptionLine]]:
    """Each cue without the lines that repeat the end of the cue before it."""
    result = []
    previous: list[str] = []
    for cue in cues:
        texts = [line.text for line in cue]
        repeated = next(
            (n for n in range(min(len(previous), len(texts)), 0, -1) if previous[-n:] == texts[:n]),
            0,
        )
        result.append(cue[repeated:])
        previous = texts
    return result


def _turns(
    cues: list[list[_CaptionLine]], interviewer_labels: Sequence[str]
) -> tuple[list[RawTurn], list[tuple[int, str]], list[int]]:
    """Turns, the caption lines before the first speaker label, and the first lines of
    unlabelled cues that were read as the previous speaker's."""
    labels = {
        (i, j): label
        for i, cue in enumerate(cues)
        for j, line in enumerate(cue)
        if (label := _label_of(line))
    }
    spoken_cues = [i for i, cue in enumerate(cues) if cue]
    labels_every_cue = bool(spoken_cues) and all((i, 0) in labels for i in spoken_cues)
    cue_openers = {label_key(labels[i, 0].name) for i in spoken_cues if (i, 0) in labels}
    occurrences = Counter(label_key(label.name) for label in labels.values())

    def believed(label: _Label) -> bool:
        key = label_key(label.name)
        return (
            label.is_voice_span
            or (labels_every_cue and key in cue_openers)
            or is_interviewer_label(label.name, interviewer_labels)
            or (_looks_like_name(label.name) and occurrences[key] >= 2)
        )

    turns: list[RawTurn] = []
    header: list[tuple[int, str]] = []
    unlabelled_cues: list[int] = []
    spelling: dict[str, str] = {}
    for i, cue in enumerate(cues):
        for j, line in enumerate(cue):
            label = labels.get((i, j))
            if label is not None and believed(label):
                speaker = spelling.setdefault(label_key(label.name), label.name)
                if not turns or turns[-1].speaker != speaker:
                    turns.append(RawTurn(speaker, line.number))
                if label.rest:
                    turns[-1].lines.append(label.rest)
            elif turns:
                if j == 0:
                    unlabelled_cues.append(line.number)
                turns[-1].lines.append(line.text)
            else:
                header.append((line.number, line.text))
    return turns, header, unlabelled_cues


def _label_of(line: _CaptionLine) -> _Label | None:
    if line.voice is not None:
        return _Label(line.voice, line.text, is_voice_span=True)
    match = _COLON_LABEL.fullmatch(line.text) or _BRACKET_LABEL.fullmatch(line.text)
    if match is None:
        return None
    name = " ".join(match["name"].split())
    if not _is_label_shaped(name) or name.casefold() in _SOUND_DESCRIPTIONS:
        return None
    return _Label(name, match["rest"].strip(), is_voice_span=False)


def _is_label_shaped(name: str) -> bool:
    return (
        name[:1].isalpha()
        and len(name.split()) <= _MAX_LABEL_WORDS
        and all(ch.isalnum() or ch in _LABEL_PUNCTUATION for ch in name)
    )


def _looks_like_name(name: str) -> bool:
    """Every word capitalised or a number ("Dr Shah", "P3", "INTERVIEWER")."""
    return all(not next((ch for ch in word if ch.isalnum()), "").islower() for word in name.split())


def _listed(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(number) for number in numbers[:_LISTED_LINES])
    return shown + (", ..." if len(numbers) > _LISTED_LINES else "")
