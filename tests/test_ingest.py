"""Reading transcripts: formats, decoding, normalised text and offsets, speakers."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gioia.errors import GioiaError, TranscriptError
from gioia.ingest import (
    DEFAULT_INTERVIEWER_LABELS,
    SUPPORTED_SUFFIXES,
    attribute_speakers,
    find_transcripts,
    read_transcript,
)
from gioia.ingest.decode import decode
from gioia.ingest.speakers import is_interviewer_label
from gioia.models import Participant, Transcript

DATA = Path(__file__).parent / "data" / "transcripts"


def read(path: Path, **kwargs) -> Transcript:
    kwargs.setdefault("transcript_id", path.stem)
    kwargs.setdefault("rel_path", path.name)
    transcript = read_transcript(path, **kwargs)
    assert_well_formed(transcript)
    return transcript


def read_string(tmp_path: Path, content: str, name: str = "t.txt", **kwargs) -> Transcript:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8"))
    return read(path, **kwargs)


def assert_well_formed(transcript: Transcript) -> None:
    """The rendering contract: 'Speaker: text' turns separated by blank lines, with
    offsets that delimit exactly the spoken text."""
    rendered = "\n\n".join(
        f"{turn.speaker}: {transcript.text[turn.start : turn.end]}" for turn in transcript.turns
    )
    assert rendered == transcript.text
    transcript.text.encode("utf-8")  # no lone surrogate: every output can hold it
    previous_end, previous_line = 0, 0
    for turn in transcript.turns:
        assert previous_end <= turn.start < turn.end <= len(transcript.text)  # ordered, apart
        previous_end = turn.end
        if turn.line is not None:
            assert turn.line >= max(previous_line, 1)
            previous_line = turn.line
        spoken = transcript.text[turn.start : turn.end]
        assert spoken and spoken == spoken.strip()
        assert turn.speaker and "\n" not in turn.speaker
        assert transcript.text[: turn.start].endswith(f"{turn.speaker}: ")


def spoken(transcript: Transcript) -> list[tuple[str, str]]:
    return [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns]


# --------------------------------------------------------------------------- formats


def test_name_colon_turns_with_continuation_lines_and_a_colon_sentence():
    transcript = read(DATA / "name_colon.txt")
    assert transcript.format == "txt"
    assert transcript.encoding == "utf-8"
    assert spoken(transcript) == [
        ("Interviewer", "Thanks for joining. How long have you been a GP here?"),
        ("Dr Shah", "About twelve years now. The thing is: we never had a proper staff room."),
        ("Interviewer", "Tell me more."),
        ("Dr Shah", "We used to eat at our desks.\nThen the new building came."),
    ]
    assert transcript.text == (
        "Interviewer: Thanks for joining. How long have you been a GP here?\n\n"
        "Dr Shah: About twelve years now. The thing is: we never had a proper staff room.\n\n"
        "Interviewer: Tell me more.\n\n"
        "Dr Shah: We used to eat at our desks.\nThen the new building came."
    )
    assert [t.line for t in transcript.turns] == [4, 6, 8, 9]
    assert [t.is_interviewer for t in transcript.turns] == [True, False, True, False]
    # The title and date before the first label are a header: short, so no warning.
    assert transcript.warnings == ()


def test_label_on_its_own_line():
    transcript = read(DATA / "own_line_labels.txt")
    assert spoken(transcript) == [
        ("INTERVIEWER", "So how did the practice change after the merger?"),
        ("Dr Shah", "It got bigger. Much bigger."),
        ("INTERVIEWER", "And the staff room?"),
        ("Dr Shah", "Gone."),
    ]
    assert [t.line for t in transcript.turns] == [1, 5, 8, 10]
    assert [t.is_interviewer for t in transcript.turns] == [True, False, True, False]


def test_timestamp_prefixes_are_dropped():
    transcript = read(DATA / "timestamps.txt")
    assert spoken(transcript) == [
        ("Interviewer", "Shall we start?"),
        ("P3", "Yes, go ahead."),
        ("Interviewer", "What changed?"),
        ("P3", "Everything, honestly."),
        ("P3", "And then some."),
    ]
    assert [t.line for t in transcript.turns] == [1, 2, 3, 4, 7]
    assert ":0" not in transcript.text


def test_otter_export_is_recognised_by_content():
    transcript = read(DATA / "otter.txt")
    assert transcript.format == "otter"
    assert spoken(transcript) == [
        ("Interviewer", "Thanks for making the time."),
        ("Anna Berg", "Happy to. We moved buildings in 2019, and nothing was the same."),
        ("Interviewer", "What was lost?"),
        ("Anna Berg", "The kitchen table."),
    ]
    assert [t.line for t in transcript.turns] == [7, 10, 14, 17]
    assert "otter.ai" not in transcript.text and "SUMMARY" not in transcript.text


def test_otter_export_without_headings(tmp_path):
    transcript = read_string(tmp_path, "Speaker 1  0:00\nHello there.\n\nSpeaker 2  0:03\nHi.\n")
    assert transcript.format == "otter"
    assert spoken(transcript) == [("Speaker 1", "Hello there."), ("Speaker 2", "Hi.")]


def test_a_title_ending_in_a_time_is_not_an_otter_export(tmp_path):
    transcript = read_string(tmp_path, "Interview 3  10:30\nInterviewer: Hello?\nP1: Hi.\n")
    assert transcript.format == "txt"
    assert transcript.speakers == ("Interviewer", "P1")


def test_markdown_bold_labels_headings_and_rules():
    transcript = read(DATA / "bold.md")
    assert transcript.format == "md"
    assert spoken(transcript) == [
        ("Moderator", "Welcome, everyone."),
        ("Anna", "Thanks. It is good to be here."),
        ("Ben", "Same here."),
        ("Moderator", "What do you value most?"),
        ("Anna", "The *coffee* breaks."),
    ]
    assert [t.line for t in transcript.turns] == [3, 5, 10, 14, 16]


def test_whitespace_and_unicode_are_normalised(tmp_path):
    decomposed = "Cafe\u0301"  # "Café" as e + combining accent; NFC composes it
    transcript = read_string(
        tmp_path, f"P1:  a\u00a0 b\t\tc\n   {decomposed}\n\n\n  second   paragraph \nP2: x\n"
    )
    assert spoken(transcript) == [("P1", "a b c Café\nsecond paragraph"), ("P2", "x")]


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    "line",
    [
        "The thing is: we never had a staff room.",
        "so basically: it was fine",
        "See https://example.org for details",
        "https://example.org has it all",
        "At 10:30 we met.",
        "Well, honestly: no.",
        "I went home and then the next morning: nothing.",
    ],
)
def test_ordinary_sentences_with_a_colon_stay_text(tmp_path, line):
    transcript = read_string(tmp_path, f"Interviewer: Go on.\nP1: Yes.\n{line}\n")
    assert spoken(transcript)[1] == ("P1", f"Yes. {line}")


def test_a_capitalised_word_and_colon_inside_wrapped_text_stays_text(tmp_path):
    wrapped = "P1: We tried many things over the years, and the one we used most was\n"
    transcript = read_string(
        tmp_path, f"Interviewer: Which tools?\n{wrapped}Python: it was slow.\nInterviewer: Ok.\n"
    )
    assert spoken(transcript)[1] == (
        "P1",
        "We tried many things over the years, and the one we used most was Python: it was slow.",
    )


def test_a_name_seen_once_after_a_short_unfinished_line_is_a_speaker(tmp_path):
    question = "Moderator: thinking of the last year, who takes breaks with colleagues?\n"
    transcript = read_string(
        tmp_path, f"{question}Anna: yeah i think so\nBen: me too\nModerator: ok\n"
    )
    assert transcript.speakers == ("Moderator", "Anna", "Ben")


def test_labels_are_one_speaker_whatever_their_case(tmp_path):
    transcript = read_string(tmp_path, "Interviewer: a?\nP1: b.\nINTERVIEWER: c?\np1: d.\n")
    assert [t.speaker for t in transcript.turns] == ["Interviewer", "P1", "Interviewer", "P1"]


def test_lowercase_labels_are_believed_when_they_recur(tmp_path):
    content = "".join(f"interviewer: q{i}?\nrespondent: a{i}.\n" for i in range(3))
    transcript = read_string(tmp_path, content)
    assert transcript.speakers == ("interviewer", "respondent")


def test_a_recurring_lowercase_phrase_is_not_a_speaker_beside_named_ones(tmp_path):
    content = "".join(f"Interviewer: q{i}?\nP1: yes.\nAnd then: more.\n" for i in range(3))
    transcript = read_string(tmp_path, content)
    assert transcript.speakers == ("Interviewer", "P1")


def test_header_fields_before_the_conversation_are_not_turns(tmp_path):
    transcript = read_string(
        tmp_path, "Transcript: Developer Interview #1\nDate: 4 May\nQ: Hello?\nA: Hi.\nQ: Ok.\n"
    )
    assert transcript.speakers == ("Q", "A")
    assert transcript.turns[0].line == 3


def test_a_header_that_looks_like_content_is_reported(tmp_path):
    prose = "This was a long conversation about many things that happened in the practice."
    transcript = read_string(tmp_path, f"{prose}\n{prose}\n\nInterviewer: Hello?\nP1: Hi.\n")
    assert len(transcript.turns) == 2
    assert len(transcript.warnings) == 1
    assert "lines 1-2" in transcript.warnings[0]


def test_text_without_labels_is_one_monologue(tmp_path):
    transcript = read_string(tmp_path, "I started in 2009.\nIt was busy.\n\nThen it changed.\n")
    assert spoken(transcript) == [("t", "I started in 2009. It was busy.\nThen it changed.")]
    assert not transcript.turns[0].is_interviewer
    assert transcript.turns[0].line == 1
    assert "no speaker labels" in transcript.warnings[0]


def test_labels_without_text_are_skipped_with_a_warning(tmp_path):
    transcript = read_string(tmp_path, "Interviewer:\nP1: Yes.\nInterviewer: Ok.\n")
    assert spoken(transcript) == [("P1", "Yes."), ("Interviewer", "Ok.")]
    assert "lines 1" in transcript.warnings[0]


# --------------------------------------------------------------------------- interviewers


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Interviewer", True),
        ("INTERVIEWER", True),
        ("interviewer  1", True),
        ("Interviewer 2", True),
        ("Interviewer (Anna)", True),
        ("Interviewer - Anna", True),
        ("Q", True),
        ("Moderator", True),
        ("Interviewee", False),
        ("Anna", False),
        ("A", False),
    ],
)
def test_interviewer_labels(label, expected):
    assert is_interviewer_label(label, DEFAULT_INTERVIEWER_LABELS) is expected


def test_interviewer_labels_from_the_study(tmp_path):
    transcript = read_string(
        tmp_path, "Dan: Hello?\nParticipant: Hi.\n", interviewer_labels=["Dan"]
    )
    assert [t.is_interviewer for t in transcript.turns] == [True, False]


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbfInterviewer: Caf\xc3\xa9?\nP1: Yes.\n", "utf-8-sig"),
        (b"Interviewer: Caf\xc3\xa9?\r\nP1: Yes.\r\n", "utf-8"),
        (b"Interviewer: Caf\xc3\xa9?\rP1: Yes.\r", "utf-8"),
        ("Interviewer: Café?\nP1: Yes.\n".encode("utf-16"), "utf-16"),
    ],
    ids=["bom", "crlf", "cr", "utf-16-bom"],
)
def test_byte_order_marks_and_line_endings(tmp_path, data, encoding):
    (tmp_path / "t.txt").write_bytes(data)
    transcript = read(tmp_path / "t.txt")
    assert transcript.encoding == encoding
    assert transcript.text == "Interviewer: Café?\n\nP1: Yes."
    assert [t.line for t in transcript.turns] == [1, 2]


def test_decode_returns_text_with_lf_and_the_encoding():
    assert decode(b"a\r\nb\rc\n", source="x.txt") == ("a\nb\nc\n", "utf-8")
    assert decode(b"\xef\xbb\xbfa", source="x.txt") == ("a", "utf-8-sig")
    assert decode(b"\xef\xbb\xbfa", source="x.txt", encoding="UTF8") == ("a", "utf-8")


def test_an_encoding_override_wins(tmp_path):
    (tmp_path / "t.txt").write_bytes(b"Interviewer: Caf\xe9?\nP1: Oui.\n")
    transcript = read(tmp_path / "t.txt", encoding="cp1252")
    assert transcript.encoding == "cp1252"
    assert spoken(transcript)[0] == ("Interviewer", "Café?")


def test_undecodable_file_names_the_file_and_the_setting(tmp_path):
    # Bytes no encoding reads as text: detection gives up and says how to name one.
    (tmp_path / "GP10.txt").write_bytes(b"Interviewer: ok\nP1: \x81\x02\x8d\n")
    with pytest.raises(TranscriptError) as caught:
        read(tmp_path / "GP10.txt", rel_path="wave1/GP10.txt")
    error = caught.value
    assert str(error).startswith("wave1/GP10.txt:2: ") and "line 2" in error.message
    assert "settings: encoding: {wave1/GP10.txt: cp1252}" in error.hint
    assert str(error.location) == "wave1/GP10.txt:2"


@pytest.mark.parametrize(
    ("data", "encoding", "expected"),
    [
        (b"", None, "has no text"),
        (b" \n\t\r\n", None, "has no text"),
        (b"Interviewer:\nP1:\n", None, "no spoken text"),
        (b"\x00\x01\x02", None, "NUL"),
        (b"P1: x\n", "no-such-codec", "unknown encoding"),
        (b"P1: x\n", "base64", "unknown encoding"),
        (b"P1: \xff\n", "punycode", "punycode"),
        (b"P1: \x81\n", "cp1252", "cp1252"),
    ],
)
def test_unusable_files_raise_transcript_error(tmp_path, data, encoding, expected):
    (tmp_path / "t.txt").write_bytes(data)
    with pytest.raises(TranscriptError, match=expected) as caught:
        read(tmp_path / "t.txt", encoding=encoding)
    assert caught.value.hint


def test_a_missing_file_raises_transcript_error(tmp_path):
    with pytest.raises(TranscriptError, match="cannot read gone.txt"):
        read(tmp_path / "gone.txt")


def test_any_text_gives_a_transcript_or_a_transcript_error(tmp_path):
    pieces = ["Interviewer:", "P1:", "**A:**", "[00:01]", "00:02 ", "1/3", "7", ":", "**",
              "Name  0:01", "SPEAKERS", "\n", "\n\n", " ", "\t", "word", "é", "\u0301", "(x)",
              "#", "---", "\r", "\u2028", "\x0c", "?"]  # fmt: skip
    generator = random.Random(7)
    read_well, refused = 0, 0
    for case in range(500):
        content = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 40)))
        name = "t.md" if case % 2 else "t.txt"
        try:
            read_string(tmp_path, content, name=name)  # asserts assert_well_formed
            read_well += 1
        except TranscriptError as error:
            assert error.message and name in str(error.location)  # the rel_path given
            refused += 1
    assert read_well > 100 and refused > 10  # both kinds of outcome were exercised


# --------------------------------------------------------------------------- real data


def test_a_real_pdf_extracted_interview():
    """PDPilot P1: 'Dan:' / 'Participant:' alone on their lines, words separated by tabs,
    PDF page footers and line-number gutters in between (grep -c '^Dan:' and
    '^Participant:' both give 47; 248 gutter lines and 5 footers)."""
    transcript = read(DATA / "pdpilot" / "P1.txt", interviewer_labels=["Dan", "Interviewer"])
    assert len(transcript.turns) == 94
    assert transcript.speakers == ("Dan", "Participant")
    assert sum(t.is_interviewer for t in transcript.turns) == 47
    assert transcript.turns[0].line == 3
    assert transcript.text.startswith(
        "Dan: Okay. So now you can stop sharing your screen and then we'll just end up with "
        "a few questions that I have for you.\n\nParticipant: Okay.\n\n"
    )
    assert transcript.text.endswith("Participant: Thank you.")
    assert "\t" not in transcript.text
    assert transcript.warnings == (
        "dropped 254 lines that look like PDF page furniture (page numbers such as '2/5', "
        "runs of line numbers)",
    )
    # The gutter and footer after line 67 are gone: the turn ends with its last sentence.
    (before_gutter,) = [t for t in transcript.turns if t.line == 64]
    assert transcript.text[before_gutter.start : before_gutter.end].endswith(
        "these two multi-dimensional histograms."
    )


# --------------------------------------------------------------------------- find


def test_find_transcripts_recursive_sorted_skipping_hidden(tmp_path):
    for name in ["P10.txt", "P2.txt", "notes.md", "wave2/P3.txt", "audio.mp3", ".hidden.txt",
                 ".cache/P9.txt", "P1.TXT"]:  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("P1: x\n")
    found = find_transcripts(tmp_path)
    assert [(tid, p.relative_to(tmp_path).as_posix()) for tid, p in found] == [
        ("notes", "notes.md"),
        ("P1", "P1.TXT"),
        ("P2", "P2.txt"),
        ("P10", "P10.txt"),
        ("P3", "wave2/P3.txt"),
    ]
    assert {".txt", ".md", ".vtt", ".srt", ".docx"} <= set(SUPPORTED_SUFFIXES)


def test_find_transcripts_rejects_duplicate_ids(tmp_path):
    for name in ["a/GP07.txt", "b/gp07.md", "GP08.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("P1: x\n")
    with pytest.raises(GioiaError) as caught:
        find_transcripts(tmp_path)
    assert "a/GP07.txt" in caught.value.message and "b/gp07.md" in caught.value.message
    assert "rename" in caught.value.hint


# --------------------------------------------------------------------------- speakers


def participants_of(transcript: Transcript) -> list[tuple[str, str | None]]:
    return [(t.speaker, t.participant) for t in transcript.turns]


def test_focus_group_speakers_by_speaker_column_with_an_unmapped_one():
    transcript = read(DATA / "focus_group.txt")
    assert transcript.speakers == ("Moderator", "Anna", "Ben", "Chris")
    participants = [
        Participant("FG1-A", transcript="focus_group", speaker="anna"),
        Participant("FG1-B", speaker="BEN"),
        Participant("FG2-A", transcript="other", speaker="Chris"),
    ]
    attributed, problems = attribute_speakers(transcript, participants)
    assert participants_of(attributed) == [
        ("Moderator", None),
        ("Anna", "FG1-A"),
        ("Ben", "FG1-B"),
        ("Moderator", None),
        ("Chris", None),
        ("Anna", "FG1-A"),
    ]
    assert len(problems) == 1
    problem = problems[0]
    assert problem.severity == "warning"
    assert "'Chris'" in problem.message and "line 5" in problem.message
    assert str(problem.location) == "focus_group.txt:5"
    assert "speaker" in problem.hint and "participants.csv" in problem.hint
    assert attributed.text == transcript.text


def test_a_row_for_this_transcript_beats_a_row_for_any_transcript():
    transcript = read(DATA / "focus_group.txt")
    participants = [
        Participant("ANY", speaker="Anna"),
        Participant("HERE", transcript="focus_group", speaker="Anna"),
    ]
    attributed, _ = attribute_speakers(transcript, participants)
    assert attributed.turns[1].participant == "HERE"


def test_a_lone_speaker_maps_by_transcript_column_then_by_id():
    transcript = read(DATA / "name_colon.txt")
    by_column, problems = attribute_speakers(
        transcript, [Participant("GP7", transcript="name_colon"), Participant("name_colon")]
    )
    assert [t.participant for t in by_column.participant_turns] == ["GP7", "GP7"]
    assert problems == ()
    by_id, problems = attribute_speakers(transcript, [Participant("name_colon")])
    assert [t.participant for t in by_id.participant_turns] == ["name_colon", "name_colon"]
    assert [t.participant for t in by_id.turns if t.is_interviewer] == [None, None]
    assert problems == ()


def test_without_participant_rows_a_lone_speaker_is_named_after_the_transcript():
    transcript = read(DATA / "otter.txt")
    attributed, problems = attribute_speakers(transcript, [])
    assert [t.participant for t in attributed.participant_turns] == ["otter", "otter"]
    assert problems == ()


def test_a_lone_speaker_without_a_matching_row_is_reported():
    transcript = read(DATA / "own_line_labels.txt")
    attributed, problems = attribute_speakers(transcript, [Participant("P9")])
    assert all(t.participant is None for t in attributed.turns)
    assert [str(p.location) for p in problems] == ["own_line_labels.txt:5"]


def test_an_ambiguous_speaker_column_is_reported():
    transcript = read(DATA / "focus_group.txt")
    participants = [Participant("X", speaker="Ben"), Participant("Y", speaker="Ben")]
    attributed, problems = attribute_speakers(transcript, participants)
    assert attributed.turns[2].participant is None
    ben = [p for p in problems if "'Ben'" in p.message]
    assert len(ben) == 1 and "X, Y" in ben[0].message
