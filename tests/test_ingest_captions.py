"""Caption transcripts (WebVTT, SRT, SBV): every webvtt-py fixture, and Zoom, Teams, SRT
and SBV interviews written for these tests, read through ``read_transcript``."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gioia.errors import TranscriptError
from gioia.ingest import DEFAULT_INTERVIEWER_LABELS, read_transcript
from gioia.ingest.captions import parse_sbv, parse_srt, parse_vtt
from gioia.models import Transcript

CAPTIONS = Path(__file__).parent / "data" / "captions"
WEBVTT_PY = CAPTIONS / "webvtt-py"
NO_SPEAKERS = "no speaker labels found"


def read(path: Path, **kwargs) -> Transcript:
    transcript = read_transcript(path, transcript_id=path.stem, rel_path=path.name, **kwargs)
    for turn in transcript.turns:
        assert transcript.text[turn.start - len(turn.speaker) - 2 : turn.start] == (
            f"{turn.speaker}: "
        )
    return transcript


def read_string(tmp_path: Path, content: str, name: str = "t.vtt", **kwargs) -> Transcript:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return read(path, **kwargs)


def spoken(transcript: Transcript) -> list[tuple[str, str]]:
    return [(turn.speaker, transcript.text[turn.start : turn.end]) for turn in transcript.turns]


def caption_text(numbers) -> str:
    return " ".join(f"Caption text #{n}" for n in numbers)


# ------------------------------------------------------------ webvtt-py's fixtures

# Files with no speakers: one participant turn (named after the file), its text, the
# first caption's line, and the warnings besides "no speaker labels found".
MONOLOGUES = {
    "sample.vtt": (caption_text(range(1, 17)), 4, []),
    "captions_with_bom.vtt": (caption_text(range(1, 5)), 4, []),
    "comments.vtt": (
        "- Ta en kopp varmt te. - Det är inte varmt. - Har en kopp te. - Det smakar som te. "
        "- Ta en kopp",
        9,
        [],
    ),
    "cue_tags.vtt": ("When the moon hits your eye Like a big-a pizza pie That's amore", 4, []),
    "metadata_headers.vtt": (caption_text([1, 2]), 6, []),
    "metadata_headers_multiline.vtt": (caption_text([1, 2]), 10, []),
    "missing_caption_text.vtt": (caption_text([1, 3, 4, 5]), 4, []),
    "one_caption.vtt": (caption_text([1]), 4, []),
    "styles.vtt": ("- Hello world.", 15, []),
    "using_identifiers.vtt": (caption_text(range(1, 7)), 4, []),
    "youtube_dl.vtt": ("yeah what this will happen is I'm telling", 13, []),
    # Two timing lines in a row: the first cue is empty.
    "invalid_timeframe_in_cue_text.vtt": (caption_text([1, 2, 3]), 4, []),
    "sample.srt": (caption_text(range(1, 6)), 3, []),
    "sample.sbv": (
        "Caption text #1 Caption text #2 Caption text #3 (line 1) Caption text #3 (line 2) "
        "Caption text #4 Caption text #5",
        2,
        [],
    ),
    # Malformed, but the text is all there: read, with a warning.
    "invalid.vtt": (caption_text(range(1, 8)), 2, ["does not begin with 'WEBVTT'"]),
    "invalid_timeframe.vtt": (
        caption_text(range(1, 8)),
        4,
        ["not a valid cue timing (such as '00:00:01.000 --> 00:00:04.000') on line(s) 6"],
    ),
    "missing_timeframe.vtt": (
        caption_text(range(1, 8)),
        4,
        ["text with no cue timing line above it on line(s) 6 was read as caption text"],
    ),
}


@pytest.mark.parametrize("name", sorted(MONOLOGUES))
def test_webvtt_py_fixture_without_speakers_is_one_participant_turn(name):
    text, line, warnings = MONOLOGUES[name]
    transcript = read(WEBVTT_PY / name)
    stem = Path(name).stem
    assert spoken(transcript) == [(stem, text)]
    assert transcript.turns[0].line == line
    assert not transcript.turns[0].is_interviewer
    assert transcript.format == Path(name).suffix[1:]
    assert NO_SPEAKERS in transcript.warnings[-1]
    for expected, warning in zip(warnings, transcript.warnings[:-1], strict=True):
        assert expected in warning


def test_teams_fixture_voice_tags_and_short_timestamps():
    transcript = read(WEBVTT_PY / "teams_timeframe.vtt")
    assert spoken(transcript) == [
        ("Yuri Bakulin", "There you go."),
        ("Adrian Petrescu", "Why hello there, Yuri."),
    ]
    assert [turn.line for turn in transcript.turns] == [4, 7]
    assert transcript.warnings == ()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.vtt", "the file has no text"),
        (
            "no_captions.vtt",
            "no captions: found no WebVTT cue timing line such as '00:00:01.000 --> 00:00:04.000'",
        ),
    ],
)
def test_webvtt_py_fixture_without_captions_is_refused(name, message):
    with pytest.raises(TranscriptError) as caught:
        read(WEBVTT_PY / name)
    assert caught.value.message == message
    assert caught.value.location is not None and caught.value.location.file.endswith(name)
    assert "\n" not in caught.value.message
    assert caught.value.hint
    assert caught.value.location is not None and caught.value.location.file == name


def test_every_webvtt_py_fixture_is_covered():
    covered = {*MONOLOGUES, "teams_timeframe.vtt", "empty.vtt", "no_captions.vtt"}
    assert {path.name for path in WEBVTT_PY.iterdir()} == covered | {"LICENSE", "SOURCE"}


# ------------------------------------------------------------ interviews as exported


def test_zoom_transcript_merges_consecutive_cues_of_a_speaker():
    transcript = read(CAPTIONS / "zoom_interview.vtt")
    assert spoken(transcript) == [
        (
            "Interviewer",
            "Thanks for making time today. Can you tell me how the clinic started?",
        ),
        (
            "Maria Lopez",
            "Sure. It started with three nurses who were tired of waiting for the hospital "
            "to open at weekends.",
        ),
        ("Tom Becker", "I joined a year later, as the first volunteer."),
        ("Interviewer", "What changed when Tom arrived?"),
        (
            "Maria Lopez",
            "Honestly? Rotas & paperwork, mostly. We finally had someone who liked spreadsheets.",
        ),
        # Zoom display names can differ in case; the first spelling is kept.
        ("Tom Becker", "Guilty as charged."),
    ]
    assert [turn.line for turn in transcript.turns] == [5, 9, 17, 21, 25, 33]
    assert [turn.is_interviewer for turn in transcript.turns] == [
        True, False, False, True, False, False
    ]  # fmt: skip
    assert transcript.format == "vtt"
    assert transcript.warnings == ()


def test_teams_transcript_voice_spans_with_and_without_closing_tag():
    transcript = read(CAPTIONS / "teams_meeting.vtt", interviewer_labels=["Anna Schmidt"])
    assert spoken(transcript) == [
        (
            "Anna Schmidt",
            "Okay, I think we are recording now. So, how do you decide which requests get "
            "answered first?",
        ),
        (
            "Jonas Weber",
            "Mostly by gut feeling, to be honest. We tried a ticket system <once>, but nobody "
            "used it. It felt like extra work.",
        ),
        ("Anna Schmidt", "Why do you think that was?"),
    ]
    assert [turn.line for turn in transcript.turns] == [5, 14, 22]
    assert [turn.is_interviewer for turn in transcript.turns] == [True, False, True]
    assert transcript.warnings == ()


def test_srt_with_speaker_labels_and_an_unlabelled_continuation():
    transcript = read(CAPTIONS / "interview.srt")
    assert spoken(transcript) == [
        ("INTERVIEWER", "When did you first hear about the programme?"),
        (
            "SAM",
            "Through a friend, actually. She had done it the year before and kept telling me "
            "to apply.",
        ),
        ("INTERVIEWER", "Kept telling you?"),
        ("SAM", "For months. I only applied to make her stop."),
    ]
    assert [turn.line for turn in transcript.turns] == [3, 7, 16, 20]
    assert [turn.is_interviewer for turn in transcript.turns] == [True, False, True, False]
    assert transcript.format == "srt"
    (warning,) = transcript.warnings
    assert "1 caption(s) with no speaker label were read as the previous speaker's" in warning
    assert "line(s) 12" in warning


def test_sbv_with_speaker_labels():
    transcript = read(CAPTIONS / "interview.sbv")
    assert spoken(transcript) == [
        ("Interviewer", "What does a normal week look like for you?"),
        ("Priya", "Mondays are for planning. The rest of the week is mostly site visits."),
        ("Interviewer", "Every site, every week?"),
        ("Priya", "Every site I can reach. The far ones get a call."),
    ]
    assert [turn.line for turn in transcript.turns] == [2, 5, 9, 12]
    assert transcript.format == "sbv"
    assert transcript.warnings == ()


# ------------------------------------------------------------ rules, on small files


def test_bracket_and_dash_labels_and_sound_descriptions(tmp_path):
    transcript = read_string(
        tmp_path,
        "1\n00:00:01,000 --> 00:00:02,000\n[Music]\n\n"
        "2\n00:00:02,000 --> 00:00:04,000\n- Interviewer: Ready?\n- [Lee] Yes. [Laughter] Go.\n\n"
        "3\n00:00:04,000 --> 00:00:06,000\n>> Interviewer: Good.\n\n"
        "4\n00:00:06,000 --> 00:00:08,000\n[Laughter] That was fun.\n[Lee] It was.\n",
        name="t.srt",
    )
    assert spoken(transcript) == [
        ("Interviewer", "Ready?"),
        ("Lee", "Yes. [Laughter] Go."),
        ("Interviewer", "Good. [Laughter] That was fun."),
        ("Lee", "It was."),
    ]
    # "[Music]" comes before the first speaker: it belongs to no turn.
    assert [turn.line for turn in transcript.turns] == [7, 8, 12, 17]


def test_sentence_with_a_colon_is_not_a_speaker(tmp_path):
    transcript = read_string(
        tmp_path,
        "WEBVTT\n\n00:01.000 --> 00:02.000\nAnna: The thing is: nobody asked.\n\n"
        "00:01.500 --> 00:02.000\nnot once.\n\n"
        "00:02.000 --> 00:03.000\nBen: Why not?\n\n"
        "00:03.000 --> 00:04.000\nAnna: Good question.\n\n"
        "00:04.000 --> 00:05.000\nBen: Let me guess.\n\n"
        "00:05.000 --> 00:06.000\nMy guess: money.\n",
    )
    assert spoken(transcript)[-1] == ("Ben", "Let me guess. My guess: money.")
    assert "2 caption(s) with no speaker label" in transcript.warnings[0]


def test_one_off_name_in_unlabelled_captions_is_not_a_speaker(tmp_path):
    transcript = read_string(
        tmp_path,
        "WEBVTT\n\n00:01.000 --> 00:02.000\nwe met in March\n\n"
        "00:02.000 --> 00:03.000\nMarch: a cold month\n",
    )
    assert spoken(transcript) == [("t", "we met in March March: a cold month")]


def test_lower_case_zoom_names_are_speakers_when_every_cue_has_one(tmp_path):
    transcript = read_string(
        tmp_path,
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nkim: hi there\n\n"
        "2\n00:00:02.000 --> 00:00:03.000\nalex k: hello\n",
    )
    assert spoken(transcript) == [("kim", "hi there"), ("alex k", "hello")]


def test_cue_tags_entities_and_repeated_rolling_lines_are_cleaned(tmp_path):
    transcript = read_string(
        tmp_path,
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v.loud Mo>We <b>said</b> <u>no</u>&nbsp;&amp;"
        " <lang fr>c'est</lang> <ruby>fini</ruby>\n<c.yellow>then</c><00:01.500> we left\n\n"
        "00:02.000 --> 00:03.000\n<c.yellow>then</c> we left\n<v Mo>for good &lt;3\n\n"
        "00:03.000 --> 00:04.000\n<v Mo>for good &lt;3\n",
    )
    assert spoken(transcript) == [("Mo", "We said no & c'est fini then we left for good <3")]


def test_header_line_metadata_styles_notes_and_a_cue_right_after_the_header(tmp_path):
    transcript = read_string(
        tmp_path,
        "\ufeffWEBVTT - interview 4\nKind: captions\nLanguage: en\n"
        "00:00:00.000 --> 00:00:01.000\nP4: First words.\n\n"
        "NOTE P4: not speech\n\nSTYLE\n::cue { color: red }\n\n"
        "REGION\nid:fred width:40%\n\n"
        "00:00:01.000 --> 00:00:02.000\nP4: Second words.\n",
    )
    assert spoken(transcript) == [("P4", "First words. Second words.")]
    assert transcript.turns[0].line == 5


def test_srt_index_without_a_blank_line_and_position_overrides(tmp_path):
    transcript = read_string(
        tmp_path,
        "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Q: Where?\n"
        "2\n00:00:02,000 --> 00:00:03,000 X1:10 X2:20\nP1: Here.\n",
        name="t.srt",
    )
    assert spoken(transcript) == [("Q", "Where?"), ("P1", "Here.")]
    assert [turn.line for turn in transcript.turns] == [3, 6]


def test_text_of_a_header_less_srt_file_is_refused_with_one_line():
    with pytest.raises(TranscriptError) as caught:
        parse_srt("Interviewer: Hello\nP1: Hi\n", DEFAULT_INTERVIEWER_LABELS)
    assert caught.value.message == (
        "no captions: found no SRT cue timing line such as '00:00:01,000 --> 00:00:04,000'"
    )


@pytest.mark.parametrize("parse", [parse_vtt, parse_srt, parse_sbv])
def test_garbled_files_raise_nothing_but_transcript_errors(parse):
    pieces = [
        "WEBVTT", "-->", " --> x", "0:00:01.000,0:00:02.000", "00:01.000 --> 00:02.000",
        "1", "", " ", "NOTE", "STYLE", "<v >", "<v A>", "</v>", "A:", "[B]", "&amp", "<",
        "x: y", "\ufeff", "{\\an8}",
    ]  # fmt: skip
    generator = random.Random(7)
    parsed_well = 0
    for _ in range(2000):
        text = "\n".join(generator.choices(pieces, k=generator.randint(1, 12)))
        try:
            found = parse(text, DEFAULT_INTERVIEWER_LABELS)
        except TranscriptError as error:
            assert error.message
            continue
        parsed_well += 1
        lines = text.count("\n") + 1
        numbers = [turn.line for turn in found.turns]
        assert numbers == sorted(numbers) and all(1 <= n <= lines for n in numbers)
        for turn in found.turns:
            assert turn.speaker.strip() and "\n" not in turn.speaker
            assert all("\n" not in line for line in turn.lines)
            "".join(turn.lines).encode("utf-8")
    assert parsed_well > 100


@pytest.mark.parametrize("suffix", [".vtt", ".srt", ".sbv"])
def test_garbled_caption_files_read_into_well_formed_transcripts(tmp_path, suffix):
    """Read whole, as gioia reads a file: a transcript with the rendering contract
    (offsets inside the text, turns in order and apart, UTF-8 text), or a TranscriptError."""
    from test_ingest import assert_well_formed

    pieces = [
        "WEBVTT", "-->", "00:00:01.000 --> 00:00:02.000", "00:00:01,000 --> 00:00:02,000",
        "0:00:01.000,0:00:02.000", "1", "", "<v A>hi</v>", "A: yes", "B: no", "\ud800x",
        "\ufeff", "é", "\r",
    ]  # fmt: skip
    generator = random.Random(11)
    read_well = 0
    for _ in range(300):
        text = "\n".join(generator.choices(pieces, k=generator.randint(1, 14)))
        path = tmp_path / f"t{suffix}"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            transcript = read_transcript(path, transcript_id="t", rel_path=path.name)
        except TranscriptError:
            continue
        assert_well_formed(transcript)
        read_well += 1
    assert read_well > 20


def test_broken_timing_lines_and_text_outside_cues_are_read_with_warnings(tmp_path):
    transcript = read_string(
        tmp_path,
        "WEBVTT\n\nP1: Before any cue.\n\n-->\nP1: No times.\n\n"
        "00:00:01.000 --> soon\nP1: Bad end.\n",
    )
    assert spoken(transcript) == [("P1", "Before any cue. No times. Bad end.")]
    assert transcript.turns[0].line == 3
    assert transcript.warnings == (
        "not a valid cue timing (such as '00:00:01.000 --> 00:00:04.000') on line(s) 5, 8; "
        "the captions' text was read anyway",
        "text with no cue timing line above it on line(s) 3 was read as caption text, "
        "with the caption before it where there is one",
    )
