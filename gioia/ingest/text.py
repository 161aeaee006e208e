"""Plain-text and Markdown transcripts with ``Name: text`` speaker turns.

A line starts a turn when it begins with a speaker label and a colon: ``Name: text``,
``Name:`` alone on its line (the text follows on the next lines), with an optional
timestamp (``[00:01:02] Name:``, ``(01:02) Name:``, ``00:01:02 Name:``) or Markdown bold
(``**Name:**``). Every other line continues the current turn.

Many sentences also start with a few words and a colon ("The thing is: we never..."), so
a label must be short (at most 4 words, 40 characters), start with a letter, contain no
sentence punctuation, and look like a name (capitalised words or numbers: "Dr Shah",
"P3", "INTERVIEWER"). A name-like label seen only once is believed only where a turn can
begin (after a blank line, a finished sentence or a short line), when it is an id ("P7")
or when the transcriber marked it (alone on its line, bold, timestamped) — so a
hard-wrapped line that happens to start with "Python: ..." stays text. In a file whose
speaker labels are all lower case, labels seen on three or more lines are believed too.
Lines before the first recurring label (a title, "Date: ...") are a header, not turns.

"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from gioia.ingest._turns import ParsedText, RawTurn
from gioia.ingest.speakers import is_interviewer_label, label_key

__all__ = ["parse_markdown", "parse_text"]


_TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TIMESTAMP_LINE = re.compile(rf"\s*(?:\[{_TIMESTAMP}\]|\({_TIMESTAMP}\)|{_TIMESTAMP})\s*")
_LABEL_LINE = re.compile(
    rf"""\s*
    (?P<stamp>(?:\[{_TIMESTAMP}\]|\({_TIMESTAMP}\)|{_TIMESTAMP}(?=\s))\s*)?
    (?P<bold>\*\*)?
    (?P<label>[^\s:*][^:*]{{0,59}}?)
    (?:\s{{0,8}}(?P<trailing_stamp>\[{_TIMESTAMP}\]|\({_TIMESTAMP}\)))?
    \s{{0,8}}(?P<bold_before_colon>\*\*\s{{0,8}})?:
    """,
    re.VERBOSE,
)
_LABEL_PUNCTUATION = set(" .'’-_()#&/")
_NAME_PARTICLES = {"al", "bin", "da", "de", "del", "der", "di", "du", "la", "le", "van", "von"}
_SENTENCE_END = tuple(".?!…\"'”’)]")
_MAX_LABEL_WORDS = 4
_MAX_LABEL_CHARS = 40
_WRAPPED_LINE_SHARE = 0.7
# Where (nearly) every timestamp line is followed by a speaker label, timestamps mark turns.
_TIMESTAMPED_TURNS_SHARE = 0.9

# PDF exports (e.g. MAXQDA's) leave page footers ("2/5") and the line-number gutter
# (a run of ascending numbers) in the extracted text, often in the middle of a turn.
_PAGE_MARKER = re.compile(r"([0-9]{1,4})/([0-9]{1,4})")
_LINE_NUMBER = re.compile(r"[0-9]{1,6}")
_MIN_LINE_NUMBER_RUN = 3

# Markdown headings and horizontal rules.
_MARKDOWN_STRUCTURE = re.compile(
    r"\s*(?:#{1,6}\s.*|#{1,6}|(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})"
)


@dataclass(frozen=True)
class _Label:
    text: str  # whitespace-normalised, as written
    rest: str  # what follows the colon
    marked: bool  # alone on its line, bold or timestamped: a transcriber's speaker mark


def _is_timestamp_line(line: str) -> bool:
    return _TIMESTAMP_LINE.fullmatch(line) is not None


def parse_text(text: str, interviewer_labels: Sequence[str]) -> ParsedText:
    return _parse(text.split("\n"), interviewer_labels, structure=None)


def parse_markdown(text: str, interviewer_labels: Sequence[str]) -> ParsedText:
    """As :func:`parse_text`; headings and horizontal rules are structure, not speech."""
    return _parse(text.split("\n"), interviewer_labels, structure=_MARKDOWN_STRUCTURE)


def _parse(
    lines: list[str], interviewer_labels: Sequence[str], structure: re.Pattern[str] | None
) -> ParsedText:
    furniture = _pdf_furniture(lines)
    timestamps = {i for i, line in enumerate(lines) if _is_timestamp_line(line)}
    skipped = furniture | timestamps
    blank = {i for i, line in enumerate(lines) if not line.strip()}
    if structure is not None:
        blank |= {i for i, line in enumerate(lines) if structure.fullmatch(line)}
    speaker_at = _speaker_lines(lines, skipped, blank, interviewer_labels)
    missing_colon = _labels_missing_a_colon(lines, timestamps, blank, speaker_at)
    speaker_at |= missing_colon

    turns: list[RawTurn] = []
    header: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if i in skipped:
            continue
        if i in speaker_at:
            speaker, first_text = speaker_at[i]
            turns.append(RawTurn(speaker, i + 1, [first_text] if first_text.strip() else []))
        elif turns:
            turns[-1].lines.append("" if i in blank else line)
        else:
            header.append((i + 1, "" if i in blank else line))

    warnings = []
    if missing_colon:
        warnings.append(
            f"read {len(missing_colon)} line(s) that begin with a speaker label but no colon "
            "as turns, because a timestamp comes before them as before the other turns: "
            + ", ".join(f"line {i + 1} {lines[i].strip()[:20]!r}" for i in sorted(missing_colon))
        )
    if furniture:
        warnings.append(
            f"dropped {len(furniture)} lines that look like PDF page furniture "
            "(page numbers such as '2/5', runs of line numbers)"
        )
    return ParsedText(turns, header, warnings)


def _speaker_lines(
    lines: list[str], skipped: set[int], blank: set[int], interviewer_labels: Sequence[str]
) -> dict[int, tuple[str, str]]:
    """Line index → (speaker as first written, text after the label) for each line that
    starts a turn."""
    labels = {
        i: label
        for i, line in enumerate(lines)
        if i not in skipped and i not in blank and (label := _label_of(line)) is not None
    }
    occurrences = Counter(label_key(label.text) for label in labels.values())
    # "P1" and "p1" are one speaker: a name if any of its spellings looks like one.
    name_like = {label_key(label.text) for label in labels.values() if _looks_like_name(label.text)}
    # Some transcribers write every label in lower case ("respondent:"); only in such a
    # file are labels that do not look like names believed, and only when they recur.
    all_lowercase = not any(
        occurrences[label_key(label.text)] >= 2
        and label_key(label.text) in name_like
        and not is_interviewer_label(label.text, interviewer_labels)
        for label in labels.values()
    )
    wrap_width = max((len(line.rstrip()) for line in lines), default=0)

    def believed(i: int, label: _Label) -> bool:
        key = label_key(label.text)
        if is_interviewer_label(label.text, interviewer_labels):
            return True
        if all_lowercase and occurrences[key] >= 3 and len(label.text.split()) <= 2:
            return True
        if key not in name_like:
            return False
        return (
            occurrences[key] >= 2
            or label.marked
            or any(ch.isdigit() for ch in label.text)  # an id such as "P7" or "Speaker 2"
            or _turn_can_begin(lines, i, skipped, blank, wrap_width)
        )

    accepted = {i: label for i, label in labels.items() if believed(i, label)}
    recurring = [
        i
        for i, label in accepted.items()
        if occurrences[label_key(label.text)] >= 2
        or is_interviewer_label(label.text, interviewer_labels)
    ]
    # One-off labels before the conversation proper are header fields ("Date: ...").
    first_turn = min(recurring or accepted, default=len(lines))
    spelling: dict[str, str] = {}
    speaker_at = {}
    for i, label in accepted.items():
        if i >= first_turn:
            speaker = spelling.setdefault(label_key(label.text), label.text)
            speaker_at[i] = (speaker, label.rest)
    return speaker_at


def _labels_missing_a_colon(
    lines: list[str], timestamps: set[int], blank: set[int], speaker_at: dict[int, tuple[str, str]]
) -> dict[int, tuple[str, str]]:
    """Turns whose label lost its colon ("A Sure."), in a transcript where a timestamp line
    comes before the turns: a line right after a timestamp that starts with a known
    speaker's label and then a capital ("A lot of..." is still text)."""
    after_stamp = [_next_content_line(lines, i, blank) for i in sorted(timestamps)]
    labelled = sum(i in speaker_at for i in after_stamp if i is not None)
    if not timestamps or labelled < _TIMESTAMPED_TURNS_SHARE * len(timestamps):
        return {}
    first_turn = min(speaker_at)
    # Longest first, so that "Speaker 10" is not read as "Speaker 1".
    speakers = sorted({speaker for speaker, _ in speaker_at.values()}, key=len, reverse=True)
    found = {}
    for i in after_stamp:
        if i is None or i < first_turn or i in speaker_at or i in timestamps:
            continue
        line = lines[i].strip()
        for speaker in speakers:
            rest = line[len(speaker) :]
            if (
                label_key(line[: len(speaker)]) == label_key(speaker)
                and rest[:1].isspace()
                and rest.lstrip()[:1].isupper()
            ):
                found[i] = (speaker, rest.lstrip())
                break
    return found


def _next_content_line(lines: list[str], i: int, blank: set[int]) -> int | None:
    return next((j for j in range(i + 1, len(lines)) if j not in blank), None)


def _label_of(line: str) -> _Label | None:
    match = _LABEL_LINE.match(line)
    if match is None:
        return None
    rest = line[match.end() :]
    is_bold = match["bold"] is not None
    if is_bold and match["bold_before_colon"] is None:
        if not rest.lstrip().startswith("**"):
            return None
        rest = rest.lstrip()[2:]
    elif not is_bold and match["bold_before_colon"] is not None:
        return None
    # A colon in a URL ("See https://...") or a time ("At 10:30 we...") ends no label.
    if rest[:1] == "/" or rest[:1].isdigit():
        return None
    text = " ".join(match["label"].split())
    if not _is_label_shaped(text):
        return None
    marked = bool(match["stamp"] or match["trailing_stamp"] or is_bold or not rest.strip())
    return _Label(text, rest, marked)


def _is_label_shaped(text: str) -> bool:
    words_outside_brackets = re.sub(r"\(.*?\)", " ", text).split()
    return (
        0 < len(text) <= _MAX_LABEL_CHARS
        and 0 < len(words_outside_brackets) <= _MAX_LABEL_WORDS
        and text[0].isalpha()
        and all(
            ch.isalnum() or ch in _LABEL_PUNCTUATION or unicodedata.category(ch).startswith("M")
            for ch in text
        )
    )


def _looks_like_name(text: str) -> bool:
    """Every word capitalised or a number ("Dr Shah", "GP 7", "Anna de Vries"); words in
    brackets ("Interviewer (main)") and scripts without case do not count against it."""
    words = re.sub(r"\(.*?\)", " ", text).split()
    for position, word in enumerate(words):
        first = next((ch for ch in word if ch.isalnum()), "")
        if first.islower() and not (position > 0 and word in _NAME_PARTICLES):
            return False
    return True


def _turn_can_begin(
    lines: list[str], i: int, skipped: set[int], blank: set[int], wrap_width: int
) -> bool:
    """Whether the text before line ``i`` ends where a new turn could start: at the top,
    after a blank line, after a finished sentence, or after a short line. A line that
    runs on and is nearly as long as the longest line was wrapped (by an editor or a PDF
    export), and the next line continues its sentence."""
    for previous in range(i - 1, -1, -1):
        if previous in blank:
            return True
        if previous not in skipped:
            text = lines[previous].rstrip()
            return text.endswith(_SENTENCE_END) or len(text) < _WRAPPED_LINE_SHARE * wrap_width
    return True


def _pdf_furniture(lines: list[str]) -> set[int]:
    stripped = [line.strip() for line in lines]
    numbers = [int(s) if _LINE_NUMBER.fullmatch(s) else None for s in stripped]
    furniture: set[int] = set()
    run_start = 0
    for i in range(1, len(lines) + 1):
        previous = numbers[i - 1]
        continues = i < len(lines) and previous is not None and numbers[i] == previous + 1
        if not continues:
            if numbers[run_start] is not None and i - run_start >= _MIN_LINE_NUMBER_RUN:
                furniture.update(range(run_start, i))
            run_start = i

    markers = {i: m for i, s in enumerate(stripped) if (m := _PAGE_MARKER.fullmatch(s))}
    # One "3/4" could be speech; two or more pages of the same count are a footer.
    pages_of = Counter(m[2] for m in markers.values())
    footers = [i for i, m in markers.items() if pages_of[m[2]] >= 2 and int(m[1]) <= int(m[2])]
    furniture.update(footers)
    for footer in footers:
        furniture.update(_repeated_after_page_break(stripped, footer, furniture))
    return furniture


def _repeated_after_page_break(stripped: list[str], footer: int, furniture: set[int]) -> list[int]:
    """A PDF export repeats the last line of a page (with its speaker label, when that
    line began a turn) at the top of the next page; kept, it would duplicate talk and
    split the turn in two. The lines after the footer that equal the lines before it."""
    before = [i for i in range(footer) if i not in furniture and stripped[i]][-2:]
    after = [i for i in range(footer + 1, min(footer + 3, len(stripped)))]
    words = [" ".join(stripped[i].split()) for i in before]
    for count in (2, 1):
        if (
            len(before) >= count
            and len(after) >= count
            and words[-count:] == [" ".join(stripped[i].split()) for i in after[:count]]
        ):
            return after[:count]
    return []
