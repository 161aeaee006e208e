"""Review: the span a decision records (narrowed to the evidence, widened, picked by
sentence number), moving back and on through the queue, one-line confirmations, header
counts that a restart repeats, and keys read from a buffer."""

from __future__ import annotations

import os
from types import SimpleNamespace

from test_review import drive, journal, make_study, queue, session_for

from gioia.cli.screen import KeyReader
from gioia.review import ReviewSession
from gioia.sentences import covering, evidence_run, parse_numbers, turn_sentences

# P3's one turn has four sentences; "rant" (venting) is in the second, "coffee room"
# (coffee-room) too. Suggested: coffee-room, then venting, for the whole turn.
P3 = (
    "Interviewer: Tell me.\n\n"
    "P3: Mornings are busy. I rant in the coffee room. It helps a lot. Then back to work.\n"
)
TURN = "Mornings are busy. I rant in the coffee room. It helps a lot. Then back to work."


def study_with_p3(tmp_path):
    study = make_study(tmp_path)
    (study / "transcripts" / "P3.txt").write_text(P3, encoding="utf-8")
    return study


def p3(study):
    return session_for(study, transcript="P3")


def quotes(study):
    return [(x["concept"], x["decision"], x["quote"]) for x in journal(study)]


def test_e_narrows_to_the_sentence_with_the_evidence(tmp_path):
    study = study_with_p3(tmp_path)
    session = p3(study)
    assert session.current.text == TURN
    outcome, screens = drive(session, "ea")
    [line] = journal(study)
    assert line["quote"] == "I rant in the coffee room."
    text = (study / "transcripts" / "P3.txt").read_text(encoding="utf-8")
    assert text[line["start"] : line["end"]] == line["quote"]  # P3.txt is already normal
    assert "score" not in line  # the score was the whole segment's
    assert line["source"] == "keyword"
    assert screens[1].message == "span: the sentence(s) with the evidence (sentence 2)"
    assert screens[1].span == (line["start"], line["end"])
    assert screens[2].message == 'accepted: "I rant in the coffee room." → coffee-room'
    # the narrowed accept decides the suggestion; venting there is still pending
    assert queue(p3(study)) == [("P3", "venting")]


def test_widen_narrow_pick_and_whole(tmp_path):
    study = study_with_p3(tmp_path)
    drive(p3(study), "e+a")  # one sentence more: the next one
    drive(p3(study), "#a", answers=["1-2"])  # venting: sentences 1 and 2
    assert quotes(study) == [
        ("coffee-room", "accept", "I rant in the coffee room. It helps a lot."),
        ("venting", "accept", "Mornings are busy. I rant in the coffee room."),
    ]


def test_span_keys_that_cannot_do_more_say_so_and_record_nothing(tmp_path):
    study = study_with_p3(tmp_path)
    outcome, screens = drive(p3(study), "e-#w", answers=["9"])
    assert [s.message for s in screens[1:]] == [
        "span: the sentence(s) with the evidence (sentence 2)",
        "one sentence",
        "not sentence numbers of this turn: '9'",
        "span: the whole suggested segment",
    ]
    assert screens[-1].span == screens[0].span
    assert journal(study) == []


def test_widening_at_the_end_of_the_turn_takes_the_sentence_before(tmp_path):
    study = study_with_p3(tmp_path)
    drive(p3(study), "#+a", answers=["4"])
    assert quotes(study) == [("coffee-room", "accept", "It helps a lot. Then back to work.")]


def test_recode_rejects_the_segment_and_accepts_the_chosen_span(tmp_path):
    study = study_with_p3(tmp_path)
    outcome, screens = drive(p3(study), "ec1", answers=["opinion"])
    assert quotes(study) == [
        ("coffee-room", "reject", TURN),
        ("second-opinion", "accept", "I rant in the coffee room."),
    ]
    assert screens[-1].message == (
        'recoded: "I rant in the coffee room." → second-opinion (not coffee-room)'
    )


def test_a_segment_of_one_sentence_narrows_to_itself(tmp_path):
    study = make_study(tmp_path)
    outcome, screens = drive(session_for(study), "ea")
    assert quotes(study)[0] == ("coffee-room", "accept", "I rant in the coffee room most days.")
    assert "score" in journal(study)[0]  # the span is the segment's: its score stays


# --------------------------------------------------------------------------- moving


def test_back_shows_the_decision_and_deciding_again_returns_to_where_you_were(tmp_path):
    study = make_study(tmp_path)
    session = session_for(study)
    outcome, screens = drive(session, "asbbr")
    # accept coffee-room, skip venting, back to venting, back to coffee-room, reject it
    assert [s.message for s in screens[1:]] == [
        'accepted: "I rant in the coffee room…" → coffee-room',
        'skipped: "I rant in the coffee room…" (still pending)',
        "back",
        "back",
        'rejected: "I rant in the coffee room…" ✗ coffee-room',
    ]
    assert screens[4].status == 'decided: accepted: "I rant in the coffee room…" → coffee-room'
    assert screens[3].status == ""  # the skipped one is pending
    # the reject is the latest line for that span and concept: nothing is rewritten
    assert [(x["concept"], x["decision"]) for x in journal(study)] == [
        ("coffee-room", "accept"),
        ("coffee-room", "reject"),
    ]
    # and the coder is back where they were: the second-opinion suggestion
    assert session.current.concept.id == "second-opinion"
    assert screens[-1].progress.decided == 1  # the one decision, decided again


def test_deciding_a_recode_again_withdraws_the_recoded_concept(tmp_path):
    study = make_study(tmp_path)
    drive(session_for(study), "c1ba", answers=["opinion"])
    assert [(x["concept"], x["decision"], x["flags"]) for x in journal(study)] == [
        ("coffee-room", "reject", []),
        ("second-opinion", "accept", []),
        ("second-opinion", "reject", ["undo"]),
        ("coffee-room", "accept", []),
    ]


def test_back_at_the_start_and_next_through_the_trail(tmp_path):
    study = make_study(tmp_path)
    session = session_for(study)
    outcome, screens = drive(session, "bnnbn")
    assert [s.message for s in screens[1:]] == [
        "this is the first suggestion shown",
        "next",
        "next",
        "back",
        "next",
    ]
    assert [s.item.suggestion.start for s in screens[3:6]] == [
        screens[3].item.suggestion.start,
        session.items[1].suggestion.start,
        session.items[2].suggestion.start,
    ]
    assert journal(study) == []


def test_arrow_keys_move_as_back_and_next(tmp_path):
    study = make_study(tmp_path)
    session = session_for(study)
    outcome, screens = drive(session, ["right", "right", "left"])
    assert session.current is session.items[1]


def test_t_jumps_to_the_next_transcript(tmp_path):
    study = make_study(tmp_path)
    outcome, screens = drive(session_for(study), "tt")
    assert [s.message for s in screens[1:3]] == ["on to P2", "on to P1"]
    assert screens[1].item.suggestion.transcript == "P2"
    assert screens[2].item.suggestion.transcript == "P1"


def test_t_with_one_transcript_left_says_so(tmp_path):
    study = make_study(tmp_path)
    outcome, screens = drive(session_for(study, transcript="P2"), "t")
    assert screens[1].message == "no other transcript has pending suggestions"


# --------------------------------------------------------------------------- counts


def header(progress):
    return (
        progress.decided,
        progress.pending,
        progress.transcript_decided,
        progress.transcript_decided + progress.transcript_pending,
    )


def test_header_counts_are_the_counts_a_restart_shows(tmp_path):
    """Recoding P1's first segment from coffee-room to venting also decides venting's
    suggestion for it (a restart counts it decided): 2 decided, 4 pending, this
    transcript 2/4, in the session and after it."""
    study = make_study(tmp_path)
    session = session_for(study)
    outcome, screens = drive(session, "c1", answers=["venting"])
    assert session.current.concept.id == "second-opinion"
    in_session = header(screens[-1].progress)
    assert in_session == (2, 4, 2, 4)
    assert header(session_for(study).progress()) == in_session


def test_header_counts_after_a_narrowed_accept_and_undo(tmp_path):
    study = study_with_p3(tmp_path)
    session = session_for(study)
    drive(session, "eaau")  # P1's first segment: coffee-room narrowed; venting undone
    assert header(session.progress()) == header(session_for(study).progress()) == (1, 7, 1, 4)


# --------------------------------------------------------------------------- keys


def test_keys_typed_ahead_are_read_in_order_from_the_buffer():
    read, write = os.pipe()
    os.write(write, b"ab\x1b[Dc\x1b[Cd\x03")  # one write: a, b, left, c, right, d, Ctrl-C
    reader = KeyReader(read)
    assert [reader.key() for _ in range(7)] == ["a", "b", "left", "c", "right", "d", "q"]
    os.write(write, b"hellx\x7fo\rn")  # a memo typed ahead, with a correction, then n
    assert reader.line("memo: ") == "hello"
    assert reader.key() == "n"
    os.close(write)
    assert reader.key() == "q"  # end of input reads as quit
    os.close(read)


class StubChooser:
    """A learned order that picks the first pair its caller allows, in a fixed order."""

    trained = True

    def __init__(self, suggestions):
        self.suggestions = suggestions
        self.heard = []

    def record(self, coding):
        self.heard.append(coding)

    def _allowed(self, allowed):
        return [
            s
            for s in self.suggestions
            if allowed((s.transcript, s.start, s.end, s.concept), s.score)
        ]

    def pick(self, allowed):
        found = self._allowed(allowed)
        return SimpleNamespace(suggestion=found[0], exploring=False) if found else None

    def candidates(self, allowed):
        return len(self._allowed(allowed))


def test_learned_order_does_not_offer_a_pair_again_after_a_narrowed_accept(tmp_path):
    study = study_with_p3(tmp_path)
    base = p3(study)
    chooser = StubChooser([i.suggestion for i in base.items])  # coffee-room, venting
    session = ReviewSession(base.items, base.journal, "ms", base.codebook, chooser=chooser)
    assert session.progress().pending == 2
    outcome, screens = drive(session, "ea")
    assert quotes(study) == [("coffee-room", "accept", "I rant in the coffee room.")]
    assert session.current.concept.id == "venting"  # not coffee-room again
    assert len(session.items) == 2
    assert session.progress().pending == 1
    assert [c.concept for c in chooser.heard] == ["coffee-room"]


# --------------------------------------------------------------------------- sentences


def test_turn_sentences_are_clipped_to_the_turn_and_trimmed():
    text = "P1: Hi there. Bye.\n\nI: Why?"
    turn = (4, 18)  # "Hi there. Bye."
    # the NLP stage's sentences take in the label and the blank line
    spans = [(0, 13), (14, 20), (20, 27)]
    found = turn_sentences(text, *turn, spans)
    assert [text[a:b] for a, b in found] == ["Hi there.", "Bye."]
    assert turn_sentences(text, *turn, []) == ((4, 18),)  # none known: the turn


def test_sentence_numbers_as_typed():
    assert parse_numbers("2-3", 4) == (1, 2)
    assert parse_numbers("3 1", 4) == (0, 2)
    assert parse_numbers(" 4 ", 4) == (3, 3)
    assert parse_numbers("2,3", 4) == (1, 2)
    for bad in ("0", "5", "two", "", "1.5"):
        assert parse_numbers(bad, 4) is None
    assert parse_numbers("1-", 4) == (0, 0)  # an open range is its one number


def test_evidence_run_spans_every_sentence_between_the_matches():
    sentences = [(0, 10), (11, 20), (21, 30), (31, 40)]
    assert evidence_run(sentences, 0, 40, [(12, 15), (33, 35)]) == (1, 3)
    assert evidence_run(sentences, 0, 40, [(0, 40)]) is None  # about the whole segment
    assert evidence_run(sentences, 0, 40, []) is None
    assert covering(sentences, 15, 25) == (1, 2)


# --------------------------------------------------------------------------- screens


def test_no_control_character_of_the_talk_reaches_the_terminal(tmp_path, monkeypatch):
    import io

    from gioia.cli import screen
    from gioia.console import SafeConsole
    from gioia.pipeline.reading import reading_session

    study = make_study(tmp_path)
    (study / "transcripts" / "P3.txt").write_text(
        "Interviewer: Tell me.\n\nP3: I rant \x1b]0;owned\x07 in the coffee room. It helps.\n",
        encoding="utf-8",
    )
    written = io.StringIO()
    monkeypatch.setattr(
        screen, "out", SafeConsole(file=written, force_terminal=True, width=80, height=24)
    )
    review = p3(study)
    review.narrow_to_evidence()
    screen.render_review(review.view())
    screen.render_reading(reading_session(_load(study), transcript="P3", coder="ms").view())
    shown = written.getvalue()
    assert "\x1b]0;" not in shown and "\x07" not in shown
    assert "]0;owned" in shown  # the talk around them is shown
    assert "[1]" in shown and "[2]" in shown  # the sentences, numbered


def _load(study):
    from gioia import pipeline

    return pipeline.load_study(study)
