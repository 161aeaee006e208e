"""Who is speaking: interviewer labels, and participant ids for everyone else.

Labels are compared case-insensitively with runs of whitespace treated as one space, so
``INTERVIEWER``, ``Interviewer`` and ``interviewer`` are the same speaker.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from collections.abc import Sequence

from gioia.errors import Location, Problem
from gioia.models import DEFAULT_INTERVIEWER_LABELS, Participant, Transcript, Turn

__all__ = [
    "DEFAULT_INTERVIEWER_LABELS",
    "attribute_speakers",
    "is_interviewer_label",
    "label_key",
    "unmapped_speaker",
]


# An interviewer label qualified by a name or a number: "Interviewer (Anna)",
# "Interviewer - Anna", "Moderator 2".
_QUALIFIED_LABEL = re.compile(r"(?P<base>.+?)\s*(?:\(.*\)|[-–—]\s*\S.*|\d+)")


@functools.lru_cache(maxsize=4096)
def label_key(label: str) -> str:
    """The form two speaker labels are compared in. (Cached: asked for every line of
    every transcript, of the same few labels.)"""
    return " ".join(label.split()).casefold()


def is_interviewer_label(label: str, interviewer_labels: Sequence[str]) -> bool:
    keys = _label_keys(tuple(interviewer_labels))
    key = label_key(label)
    if key in keys:
        return True
    qualified = _QUALIFIED_LABEL.fullmatch(key)
    return qualified is not None and qualified["base"] in keys


@functools.lru_cache(maxsize=8)
def _label_keys(labels: tuple[str, ...]) -> frozenset[str]:
    # Asked for every line of every transcript, always for the study's same few labels.
    return frozenset(label_key(label) for label in labels)


def attribute_speakers(
    transcript: Transcript, participants: Sequence[Participant]
) -> tuple[Transcript, tuple[Problem, ...]]:
    """The transcript with ``Turn.participant`` set for every speaker that maps to a
    participant, and a warning for every non-interviewer speaker that does not.

    A speaker maps to the participant whose ``speaker`` column names it (in this
    transcript, or in any transcript when the row has no ``transcript``); failing that,
    the only non-interviewer speaker of a transcript maps to the participant whose
    ``transcript`` is this one, else whose id is the transcript id. With no participant
    rows at all, a lone speaker becomes a participant named after the transcript.
    """
    first_turns: dict[str, Turn] = {}
    for turn in transcript.turns:
        if not turn.is_interviewer:
            first_turns.setdefault(turn.speaker, turn)
    is_lone_speaker = len(first_turns) == 1

    participant_of: dict[str, str] = {}
    problems: list[Problem] = []
    for speaker, first_turn in first_turns.items():
        matches = _named_by_speaker_column(speaker, transcript.id, participants)
        if not matches and is_lone_speaker:
            matches = _owning_transcript(transcript.id, participants)
        if len(matches) == 1:
            participant_of[speaker] = matches[0]
        else:
            problems.append(_unmapped(speaker, first_turn, transcript, matches, participants))

    # Turn(...) rather than dataclasses.replace, which costs several times more and is
    # called for every turn of every transcript on every run.
    turns = tuple(
        turn
        if turn.is_interviewer or turn.participant == participant_of.get(turn.speaker)
        else Turn(
            turn.speaker,
            turn.start,
            turn.end,
            turn.is_interviewer,
            participant_of.get(turn.speaker),
            turn.line,
        )
        for turn in transcript.turns
    )
    return dataclasses.replace(transcript, turns=turns), tuple(problems)


def _named_by_speaker_column(
    speaker: str, transcript_id: str, participants: Sequence[Participant]
) -> list[str]:
    key = label_key(speaker)
    named = [p for p in participants if p.speaker is not None and label_key(p.speaker) == key]
    # A row tied to this transcript beats a row that names the speaker in any transcript.
    here = [p.id for p in named if p.transcript == transcript_id]
    return here or [p.id for p in named if p.transcript is None]


def _owning_transcript(transcript_id: str, participants: Sequence[Participant]) -> list[str]:
    if not participants:
        return [transcript_id]
    by_column = [p.id for p in participants if p.transcript == transcript_id]
    return by_column or [
        p.id for p in participants if p.id == transcript_id and p.transcript is None
    ]


def unmapped_speaker(
    transcript: Transcript, speaker: str, participants: Sequence[Participant]
) -> Problem:
    """What is wrong with the talk of ``speaker``, whom no participant maps to."""
    first_turn = next(t for t in transcript.turns if t.speaker == speaker)
    matches = _named_by_speaker_column(speaker, transcript.id, participants)
    return _unmapped(speaker, first_turn, transcript, matches, participants)


def _unmapped(
    speaker: str,
    first_turn: Turn,
    transcript: Transcript,
    candidates: list[str],
    participants: Sequence[Participant],
) -> Problem:
    where = f"{transcript.path}, first turn on line {first_turn.line}"
    location = Location(transcript.path, first_turn.line)
    if candidates:
        return Problem(
            f"speaker {speaker!r} ({where}) matches several participants: "
            + ", ".join(candidates)
            + "; their talk is not coded until one is named",
            location,
            hint="give each participants.csv row its own transcript and speaker values",
            severity="warning",
        )
    close = _close_label(speaker, participants)
    message = f"speaker {speaker!r} ({where}) matches no participant, so their talk is not coded"
    add_row = (
        f"add a participants.csv row for them with transcript {transcript.id!r} and "
        f"speaker {speaker!r} (the speaker column names their label in the transcript)"
    )
    if close is None:
        return Problem(message, location, hint=add_row, severity="warning")
    return Problem(
        f"{message}: did you mean {close!r}?",
        location,
        hint=f"if {speaker!r} is a misspelling, correct it in the transcript; if it is "
        f"someone else, {add_row}",
        severity="warning",
    )


def _close_label(speaker: str, participants: Sequence[Participant]) -> str | None:
    """The participant label (speaker column, else id) closest to ``speaker``, if close."""
    labels = {label_key(p.speaker or p.id): p.speaker or p.id for p in participants}
    found = difflib.get_close_matches(label_key(speaker), list(labels), n=1, cutoff=0.75)
    return labels[found[0]] if found else None
