"""`gioia read`: a transcript read turn by turn and coded as it is read, driven by
scripted keys; its errors through the CLI."""

from __future__ import annotations

import pytest
from test_review import invoke, journal, make_study

from gioia import pipeline
from gioia.errors import GioiaError
from gioia.pipeline.reading import reading_session
from gioia.reading import ReadingView, run_reading

# P3: an interviewer turn, then one participant turn of four sentences, then another.
P3 = (
    "Interviewer: Tell me.\n\n"
    "P3: Mornings are busy. I rant in the coffee room. It helps a lot. Then back to work.\n\n"
    "Interviewer: And after?\n\n"
    "P3: I go home.\n"
)


def study_with_p3(tmp_path):
    study = make_study(tmp_path)
    (study / "transcripts" / "P3.txt").write_text(P3, encoding="utf-8")
    return study


def session(study, transcript="P3", coder="ms"):
    return reading_session(pipeline.load_study(study), transcript=transcript, coder=coder)


def drive(reading, keys, answers=()) -> tuple[int, list[ReadingView]]:
    pending_keys, pending_answers, screens = list(keys), list(answers), []
    coded = run_reading(
        reading,
        read_key=lambda: pending_keys.pop(0) if pending_keys else "q",
        prompt=lambda label: pending_answers.pop(0),
        show=screens.append,
    )
    return coded, screens


def quotes(study, coder="ms"):
    return [(x["concept"], x["decision"], x["quote"], x["source"]) for x in journal(study, coder)]


def test_opens_at_the_first_participant_turn_with_its_sentences_and_marks(tmp_path):
    reading = session(study_with_p3(tmp_path))
    view = reading.view()
    assert view.current == 1  # turn 0 is the interviewer's
    [turn] = [t for t in view.turns if t.index == 1]
    text = reading.transcript.text
    assert [text[a:b] for a, b in turn.sentences] == [
        "Mornings are busy.",
        "I rant in the coffee room.",
        "It helps a lot.",
        "Then back to work.",
    ]
    assert text[slice(*view.selection)] == "Mornings are busy."
    # both keyword suggestions are pending for this turn, nothing is coded yet
    assert [(m.kind, m.concept) for m in turn.marks] == [
        ("suggested", "coffee-room"),
        ("suggested", "venting"),
    ]


def test_codes_the_sentence_under_the_cursor_with_a_concept_found_by_search(tmp_path):
    study = study_with_p3(tmp_path)
    coded, screens = drive(session(study), "nnc1", answers=["second opinion"])
    assert coded == 1
    assert quotes(study) == [("second-opinion", "accept", "It helps a lot.", "human")]
    [line] = journal(study)
    text = pipeline.ingest(pipeline.load_study(study)).by_id()["P3"].text
    assert text[line["start"] : line["end"]] == "It helps a lot."
    assert screens[-1].message == 'coded: "It helps a lot." → second-opinion'
    [turn] = [t for t in screens[-1].turns if t.index == 1]
    assert ("coded", "second-opinion") in [(m.kind, m.concept) for m in turn.marks]


def test_a_range_of_sentences_and_the_whole_turn(tmp_path):
    study = study_with_p3(tmp_path)
    drive(session(study), "nvnnc1wc1", answers=["venting", "coffee"])
    assert quotes(study) == [
        (
            "venting",
            "accept",
            "I rant in the coffee room. It helps a lot. Then back to work.",
            "human",
        ),
        (
            "coffee-room",
            "accept",
            "Mornings are busy. I rant in the coffee room. It helps a lot. Then back to work.",
            "human",
        ),
    ]


def test_coding_a_suggested_concept_decides_its_suggestion(tmp_path):
    """Coding "I rant in the coffee room." as venting decides venting's suggestion for
    the turn: it leaves the margin here, and review no longer offers it."""
    study = study_with_p3(tmp_path)
    coded, screens = drive(session(study), "nc1", answers=["venting"])
    [turn] = [t for t in screens[-1].turns if t.index == 1]
    assert [(m.kind, m.concept) for m in turn.marks] == [
        ("coded", "venting"),
        ("suggested", "coffee-room"),
    ]
    review = pipeline.review_session(pipeline.load_study(study), coder="ms", transcript="P3")
    assert [i.concept.id for i in review.items] == ["coffee-room"]
    # and a new reading session marks it as coded
    again = session(study).view()
    [turn] = [t for t in again.turns if t.index == 1]
    assert [(m.kind, m.concept) for m in turn.marks] == [
        ("coded", "venting"),
        ("suggested", "coffee-room"),
    ]


def test_moving_across_turns_and_paging(tmp_path):
    reading = session(study_with_p3(tmp_path))
    coded, screens = drive(reading, "nnnn" + "p" + "]" + "[" + "[" + "[" + " " + "b")
    assert [(s.current, s.sentence) for s in screens] == [
        (1, 0),
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 0),  # on into the interviewer's turn
        (1, 3),  # back to the last sentence of the turn before
        (2, 0),
        (1, 0),
        (0, 0),
        (0, 0),
        (3, 0),  # a page: five turns on, or the last
        (0, 0),
    ]
    assert screens[9].message == "the start"
    assert coded == 0


def test_the_interviewers_talk_is_not_coded(tmp_path):
    study = study_with_p3(tmp_path)
    coded, screens = drive(session(study), "[c")
    assert screens[-1].message == "Interviewer's talk is not coded: only participants' talk is"
    assert journal(study) == []


def test_quitting_without_a_decision_writes_nothing(tmp_path):
    study = study_with_p3(tmp_path)
    coded, screens = drive(session(study), "nvn]?xzq")
    assert coded == 0
    assert not (study / "codings" / "ms.jsonl").exists()
    assert screens[-1].message == "unknown key 'z': press ? for help"


def test_cancelled_or_unmatched_search_records_nothing(tmp_path):
    study = study_with_p3(tmp_path)
    coded, screens = drive(session(study), "cxc", answers=["venting", "zzzqqq"])
    assert journal(study) == []
    assert [s.message for s in screens if s.message] == [
        "coding cancelled",
        "no concept matches; nothing recorded",
    ]


def test_coding_the_same_again_appends_nothing_and_undo_withdraws(tmp_path):
    study = study_with_p3(tmp_path)
    coded, screens = drive(session(study), "c1c1u", answers=["venting", "venting"])
    messages = [s.message for s in screens if s.message]
    assert messages == [
        'coded: "Mornings are busy." → venting',
        'already coded: "Mornings are busy." → venting; nothing appended',
        'undone: "Mornings are busy." → venting',
    ]
    assert [(x["decision"], x["flags"]) for x in journal(study)] == [
        ("accept", []),
        ("reject", ["undo"]),
    ]
    assert coded == 0
    loaded = pipeline.load_study(study)
    assert pipeline.analyse(loaded, pipeline.ingest(loaded)).counted == []


def test_an_existing_gioia_code_coding_is_already_there(tmp_path):
    study = study_with_p3(tmp_path)
    result = invoke(
        "code", study, "--coder", "ms", "--transcript", "P3", "--quote", "It helps a lot.",
        "--concept", "venting",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    coded, screens = drive(session(study), "nnc1", answers=["venting"])
    assert screens[-1].message == 'already coded: "It helps a lot." → venting; nothing appended'
    assert len(journal(study)) == 1


def test_unknown_transcript_says_did_you_mean(tmp_path):
    study = study_with_p3(tmp_path)
    with pytest.raises(GioiaError) as info:
        session(study, transcript="p3")
    assert "no transcript 'p3'" in info.value.message
    assert info.value.hint == "did you mean 'P3'?"


def test_read_without_a_terminal_is_an_error(tmp_path):
    study = study_with_p3(tmp_path)
    result = invoke("read", study, "P3", "--coder", "ms")
    assert result.exit_code == 1
    assert "gioia read needs an interactive terminal" in result.stderr
    assert "gioia code" in result.stderr
    assert not (study / "codings").exists()


def test_read_is_in_the_help(tmp_path):
    result = invoke("read", "--help")
    assert result.exit_code == 0
    assert "--coder" in result.stdout and "transcript" in result.stdout


def test_read_without_a_transcript_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(study_with_p3(tmp_path))
    result = invoke("read", "--coder", "ms")
    assert result.exit_code == 2
    assert "name the transcript to read" in result.output


def test_the_screen_lists_the_turns_marks_with_their_sentences(tmp_path, monkeypatch):
    import io

    from gioia.cli import screen
    from gioia.console import SafeConsole

    written = io.StringIO()
    monkeypatch.setattr(screen, "out", SafeConsole(file=written, width=80, height=24))
    reading = session(study_with_p3(tmp_path))
    drive(reading, "nc1", answers=["venting"])
    screen.render_reading(reading.view())
    shown = written.getvalue()
    assert "● venting (coded) [2]: I rant in the coffee room." in shown
    assert "○ coffee-room (suggested 0.70) [1-4]: Mornings are busy." in shown
    assert "●○ P3: [1] Mornings are busy. [2] I rant" in shown  # the margin
