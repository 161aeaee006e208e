"""Otter.ai exports are recognised by their structure, not their first line.

Real exports open with a title (the recording's name) and a date line before the
``SUMMARY KEYWORDS`` heading; read by their first line they were taken for plain text and
became one long participant turn. The fixtures in tests/data/otter/ follow real exports'
layout (see the README there).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gioia.ingest import read_transcript
from gioia.ingest.otter import looks_like_otter
from gioia.models import Transcript

DATA = Path(__file__).parent / "data" / "otter"


def read(path: Path) -> Transcript:
    return read_transcript(path, transcript_id=path.stem, rel_path=path.name)


def read_string(tmp_path: Path, content: str) -> Transcript:
    path = tmp_path / "t.txt"
    path.write_text(content, encoding="utf-8")
    return read(path)


def spoken(transcript: Transcript) -> list[tuple[str, str]]:
    return [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns]


def test_title_and_date_lines_before_the_headings_are_header_not_talk():
    transcript = read(DATA / "titled.txt")
    assert transcript.format == "otter"
    assert transcript.warnings == ()  # neither "no speaker labels" nor a long header
    assert [(t.speaker, t.line, t.is_interviewer) for t in transcript.turns] == [
        ("Interviewer", 8, True),
        ("Anna Berg", 11, False),
        ("Interviewer", 14, True),
        ("Anna Berg", 17, False),
        ("Anna Berg", 20, False),
        ("Speaker 1", 23, False),
        ("Interviewer", 26, True),
        ("Anna Berg", 29, False),
    ]
    assert spoken(transcript)[3:6] == [
        ("Anna Berg", "The kitchen table."),
        (
            "Anna Berg",
            "I mean the habit of sitting down together. Now it's a staff room on the "
            "second floor that nobody climbs up to.",
        ),
        ("Speaker 1", "Sorry, just the door."),
    ]
    assert spoken(transcript)[-1] == ("Anna Berg", "They")
    for furniture in ("GP04_practice_interview", "2:30PM", "SUMMARY", "staff room, kitchen"):
        assert furniture not in transcript.text
    assert "00:" not in transcript.text


def test_an_export_opening_on_its_date_line_with_times_past_the_hour():
    transcript = read(DATA / "dated.txt")
    assert transcript.format == "otter" and transcript.warnings == ()
    assert spoken(transcript) == [
        ("Speaker 1", "So that was the winter rota. Shall we stop there?"),
        ("Speaker 2", "One more thing about the handover, if that's all right."),
        ("Speaker 1", "Of course."),
    ]
    assert [t.line for t in transcript.turns] == [7, 10, 13]


def test_an_export_without_header_with_trailing_spaces_and_the_footer():
    transcript = read(DATA / "untitled.txt")
    assert transcript.format == "otter" and transcript.warnings == ()
    assert spoken(transcript) == [
        ("Interviewer", "How long have you worked here?"),
        ("Unknown Speaker", "Eleven years. I started on reception, then moved to the dispensary."),
        ("Interviewer", "And the move?"),
        ("Unknown Speaker", "That was hard on everyone."),
    ]
    assert "otter.ai" not in transcript.text


def test_headings_make_a_single_turn_an_export():
    text = "Voice memo 3\nSUMMARY KEYWORDS\nrota\nSPEAKERS\nAnna\n\nAnna  00:00\nJust me today.\n"
    assert looks_like_otter(text)
    without_headings = "Voice memo 3\n\nAnna  00:00\nJust me today.\n"
    assert not looks_like_otter(without_headings)  # one time line could be a title's


PLAIN_WITH_TIMES = {
    "a title ending in a time": (
        "Interview 3  10:30\nInterviewer: Hello?\nP1: Hi.\n",
        ["Interviewer", "P1"],
    ),
    "a title and a break line ending in times": (
        "Interview GP2  14:05\n\nInterviewer: Shall we start?\nP2: Yes, at 14:05 exactly.\n\n"
        "Break  14:40\n\nInterviewer: Back again.\nP2: Right, where were we?\n",
        ["Interviewer", "P2"],
    ),
    "timestamped labels under time-stamped part headings": (
        "Part 1  00:00\n[00:00:05] Interviewer: How did it start?\n"
        "[00:00:09] Anna: Slowly.\n\nPart 2  00:20\n[00:20:01] Interviewer: And then?\n"
        "[00:20:04] Anna: Quickly.\n",
        ["Interviewer", "Anna"],
    ),
    "a SPEAKERS heading over Name: turns": (
        "SPEAKERS\nModerator, Anna\n\nModerator: Welcome at 10:30.\nAnna: Thanks.\n",
        ["Moderator", "Anna"],
    ),
}


@pytest.mark.parametrize("text, speakers", PLAIN_WITH_TIMES.values(), ids=PLAIN_WITH_TIMES)
def test_name_colon_transcripts_that_contain_times_are_not_otter(tmp_path, text, speakers):
    assert not looks_like_otter(text)
    transcript = read_string(tmp_path, text)
    assert transcript.format == "txt"
    assert list(dict.fromkeys(t.speaker for t in transcript.turns)) == speakers


def test_time_lines_far_into_a_text_do_not_make_it_an_export():
    opening = "\n".join(f"Line {n} of a memo, no speakers here." for n in range(12))
    text = f"{opening}\nSession A  10:30\nNotes.\nSession B  11:45\nMore notes.\n"
    assert not looks_like_otter(text)


def test_one_space_before_the_time_is_a_turn_of_a_speaker_the_header_names(tmp_path):
    """What calibre (Taguette's converter) leaves of ``Name  0:04``: one space. Only the
    speakers the SPEAKERS block lists are read so; other lines ending in a time are talk."""
    transcript = read_string(
        tmp_path,
        "Team meeting\n\nSPEAKERS\nInterviewer, Anna Berg\n\n"
        "Interviewer 0:04\nHow was the week?\n\n"
        "Anna Berg 0:09\nBusy. We met at 9:30\n\n"
        "Interviewer 1:12\nAnd then?\n",
    )
    assert transcript.format == "otter"
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Interviewer", "How was the week?"),
        ("Anna Berg", "Busy. We met at 9:30"),
        ("Interviewer", "And then?"),
    ]
