"""The review loop driven by scripted keys, `gioia code`, `gioia log`, and aliases."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia import pipeline
from gioia.cli import app
from gioia.errors import GioiaError
from gioia.review import ReviewView, run_review, search_concepts

CODEBOOK = textwrap.dedent("""\
    version: 1
    title: Coping
    dimensions:
      - id: support
        label: Support
        themes:
          - id: emotional
            label: Emotional support
            concepts:
              - id: venting
                label: Letting off steam
                keywords: [rant]
              - id: coffee-room
                label: The coffee room
                keywords: [coffee room]
          - id: advice
            label: Professional advice
            concepts:
              - id: second-opinion
                label: A second opinion
                keywords: [second opinion]
    """)

P1 = textwrap.dedent("""\
    Interviewer: How do you cope?

    P1: I rant in the coffee room most days.

    Interviewer: And with a hard case?

    P1: I ask for a second opinion from a partner.

    P1: Then I go home and rant at the cat.
    """)
P2 = "Interviewer: Anything else?\n\nP2: We rant, mostly, and I ask a second opinion.\n"


def make_study(root: Path) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "transcripts" / "P1.txt").write_text(P1, encoding="utf-8")
    (root / "transcripts" / "P2.txt").write_text(P2, encoding="utf-8")
    return root


def session_for(study: Path, coder: str = "ms", **filters):
    return pipeline.review_session(pipeline.load_study(study), coder=coder, **filters)


def drive(session, keys: str, answers=()) -> tuple[str, list[ReviewView]]:
    """Run the loop on scripted keystrokes and prompt answers; return the outcome and
    every screen shown."""
    pending_keys, pending_answers, screens = list(keys), list(answers), []
    outcome = run_review(
        session,
        read_key=lambda: pending_keys.pop(0) if pending_keys else "q",
        prompt=lambda label: pending_answers.pop(0),
        show=screens.append,
    )
    return outcome, screens


def journal(study: Path, coder: str = "ms") -> list[dict]:
    path = study / "codings" / f"{coder}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def queue(session) -> list[tuple[str, str]]:
    return [(i.suggestion.transcript, i.concept.id) for i in session.items]


def test_pending_queue_in_transcript_order(tmp_path):
    session = session_for(make_study(tmp_path))
    assert queue(session) == [
        ("P1", "coffee-room"),
        ("P1", "venting"),
        ("P1", "second-opinion"),
        ("P1", "venting"),
        ("P2", "second-opinion"),
        ("P2", "venting"),
    ]
    first = session.current
    assert first.text == "I rant in the coffee room most days."
    assert first.before.speaker == "Interviewer" and first.after.speaker == "Interviewer"
    assert (first.theme.id, first.dimension.id) == ("emotional", "support")


def test_accept_reject_and_progress(tmp_path):
    study = make_study(tmp_path)
    session = session_for(study)
    outcome, screens = drive(session, "ar")
    assert outcome == "quit"
    lines = journal(study)
    assert [(x["concept"], x["decision"], x["source"], x["score"]) for x in lines] == [
        ("coffee-room", "accept", "keyword", 0.7),
        ("venting", "reject", "keyword", 0.5),
    ]
    assert lines[0]["quote"] == "I rant in the coffee room most days."
    assert (lines[0]["transcript"], lines[0]["coder"]) == ("P1", "ms")
    progress = screens[-1].progress
    assert (progress.decided, progress.pending) == (2, 4)
    assert (progress.transcript_decided, progress.transcript_pending) == (2, 2)


def test_quit_and_resume_at_next_pending(tmp_path):
    study = make_study(tmp_path)
    drive(session_for(study), "asr")  # accept, skip, reject
    resumed = session_for(study)
    # the skipped suggestion is still pending and comes first; decided ones are gone
    assert queue(resumed) == [
        ("P1", "venting"),
        ("P1", "venting"),
        ("P2", "second-opinion"),
        ("P2", "venting"),
    ]
    assert resumed.current.suggestion.start == session_for(study).items[0].suggestion.start
    assert resumed.progress().decided == 2


def test_memo_goes_with_the_next_decision(tmp_path):
    study = make_study(tmp_path)
    outcome, screens = drive(session_for(study), "maa", answers=["said it twice"])
    first, second = journal(study)
    assert (first["memo"], first["flags"]) == ("said it twice", [])
    assert (second["memo"], second["flags"]) == ("", [])
    assert screens[1].message == "memo kept for this decision"


def test_power_quote_key_accepts_the_segment_shown_and_flags_it(tmp_path):
    """The help says "accept the span shown and mark it for the narrative": `p` flags
    the segment on screen, once, as an accept. (It used to arm a flag for whatever was
    accepted next: pressed after an accept, as "mark the accepted segment" reads, it
    flagged the *next* suggestion; before a reject or skip it was silently dropped.)"""
    study = make_study(tmp_path)
    outcome, screens = drive(session_for(study), "apa")
    lines = journal(study)
    assert [(x["concept"], x["decision"], x["flags"]) for x in lines] == [
        ("coffee-room", "accept", []),
        ("venting", "accept", ["power"]),
        ("second-opinion", "accept", []),
    ]
    assert lines[1]["quote"] == "I rant in the coffee room most days."
    assert screens[2].message == (
        'accepted as a power quote: "I rant in the coffee room…" → venting'
    )
    loaded = pipeline.load_study(study)
    quotes = pipeline.analyse(loaded, pipeline.ingest(loaded)).counted
    assert [c.concept for c in quotes if "power" in c.coding.flags] == ["venting"]


def test_power_flag_is_never_put_on_a_reject(tmp_path):
    study = make_study(tmp_path)
    drive(session_for(study), "rsr")
    assert [x["flags"] for x in journal(study)] == [[], []]


def test_recode_rejects_suggestion_and_accepts_chosen_concept(tmp_path):
    study = make_study(tmp_path)
    outcome, screens = drive(session_for(study), "c1", answers=["opinion"])
    reject, accept = journal(study)
    assert (reject["concept"], reject["decision"], reject["source"]) == (
        "coffee-room",
        "reject",
        "keyword",
    )
    assert (accept["concept"], accept["decision"], accept["source"]) == (
        "second-opinion",
        "accept",
        "human",
    )
    assert "score" not in accept
    assert accept["start"] == reject["start"] and accept["end"] == reject["end"]
    assert [c.id for c in screens[1].choices][0] == "second-opinion"


def test_recode_cancelled_or_without_match_records_nothing(tmp_path):
    study = make_study(tmp_path)
    outcome, screens = drive(session_for(study), "cxc", answers=["coffee", "zzzzqqq"])
    assert journal(study) == []
    messages = [s.message for s in screens if s.message]
    assert messages == ["recode cancelled", "no concept matches; nothing recorded"]


def test_undo_withdraws_last_decision_and_returns_to_it(tmp_path):
    study = make_study(tmp_path)
    session = session_for(study)
    outcome, screens = drive(session, "au")
    accept, undo = journal(study)
    assert (undo["concept"], undo["decision"], undo["flags"]) == ("coffee-room", "reject", ["undo"])
    assert (undo["start"], undo["end"]) == (accept["start"], accept["end"])
    assert session.current.concept.id == "coffee-room"
    assert screens[-1].message == (
        'undone: "I rant in the coffee room…" → coffee-room is pending again'
    )
    # after an undo the suggestion is pending again, and nothing is counted
    assert queue(session_for(study))[0] == ("P1", "coffee-room")
    loaded = pipeline.load_study(study)
    assert pipeline.analyse(loaded, pipeline.ingest(loaded)).counted == []


def test_undo_of_a_recode_withdraws_both_lines(tmp_path):
    study = make_study(tmp_path)
    drive(session_for(study), "c1u", answers=["opinion"])
    lines = journal(study)
    assert [(x["concept"], x["decision"], x["flags"]) for x in lines[2:]] == [
        ("coffee-room", "reject", ["undo"]),
        ("second-opinion", "reject", ["undo"]),
    ]
    assert queue(session_for(study))[0] == ("P1", "coffee-room")


def test_undo_with_nothing_to_undo(tmp_path):
    outcome, screens = drive(session_for(make_study(tmp_path)), "u")
    assert screens[1].message == "nothing to undo"


def test_help_and_unknown_keys_decide_nothing(tmp_path):
    study = make_study(tmp_path)
    outcome, screens = drive(session_for(study), "?xz")
    assert journal(study) == []
    assert screens[1].mode == "help"
    assert screens[-1].message == "unknown key 'z': press ? for help"


def test_reviewing_everything_ends_done(tmp_path):
    study = make_study(tmp_path)
    outcome, screens = drive(session_for(study), "aaaaaa")
    assert outcome == "done"
    assert len(journal(study)) == 6
    decided = {(x["transcript"], x["start"], x["end"], x["concept"]) for x in journal(study)}
    # Six accepts are enough for a ranker: whatever a new session offers is learnt, and
    # none of it was decided.
    again = session_for(study)
    assert all(i.suggestion.method == "learned" and i.key not in decided for i in again.items)


def test_filters_and_orders(tmp_path):
    study = make_study(tmp_path)
    assert queue(session_for(study, transcript="P2")) == [
        ("P2", "second-opinion"),
        ("P2", "venting"),
    ]
    assert queue(session_for(study, concept="venting")) == [
        ("P1", "venting"),
        ("P1", "venting"),
        ("P2", "venting"),
    ]
    assert queue(session_for(study, theme="advice")) == [
        ("P1", "second-opinion"),
        ("P2", "second-opinion"),
    ]
    assert [i.suggestion.score for i in session_for(study, min_score=0.6).items] == [0.7, 0.7, 0.7]
    by_score = [i.suggestion.score for i in session_for(study, order="score").items]
    assert by_score == sorted(by_score, reverse=True)
    by_concept = [i.concept.id for i in session_for(study, order="concept").items]
    assert by_concept == ["venting"] * 3 + ["coffee-room"] + ["second-opinion"] * 2
    with pytest.raises(GioiaError, match="no transcript 'P3'"):
        session_for(study, transcript="P3")
    with pytest.raises(GioiaError) as info:
        session_for(study, concept="ventin")
    assert info.value.hint == "did you mean 'venting'?"


def test_coders_review_independently(tmp_path):
    study = make_study(tmp_path)
    drive(session_for(study, coder="ms"), "aaa")
    assert len(session_for(study, coder="ab").items) == 6
    assert len(session_for(study, coder="ms").items) == 3
    assert not (study / "codings" / "ab.jsonl").exists()


def test_search_concepts_is_fuzzy_over_ids_and_labels(tmp_path):
    codebook = pipeline.load_study(make_study(tmp_path)).codebook
    assert search_concepts(codebook, "coff")[0].id == "coffee-room"
    assert search_concepts(codebook, "steam")[0].id == "venting"  # label only
    assert search_concepts(codebook, "secnd opinon")[0].id == "second-opinion"
    assert search_concepts(codebook, "") == []


# --------------------------------------------------------------------------- CLI

runner = CliRunner()


def code_by_quote(study, transcript, quote, concept, coder="ms"):
    """`gioia code`: one human coding located by its quote."""
    return invoke(
        "code",
        study,
        "--coder",
        coder,
        "--transcript",
        transcript,
        "--quote",
        quote,
        "--concept",
        concept,
    )


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "100"})


def test_review_without_a_terminal_refuses_with_a_hint(tmp_path):
    result = invoke("review", make_study(tmp_path), "--coder", "ms")
    assert result.exit_code == 1
    assert "needs an interactive terminal" in result.stderr
    assert "gioia accept" in result.stderr and "gioia code" in result.stderr


def test_code_records_a_human_coding_located_by_quote(tmp_path):
    study = make_study(tmp_path)
    result = invoke(
        "code",
        study,
        "--coder",
        "ms",
        "--transcript",
        "P1",
        "--quote",
        "go home  and rant",
        "--concept",
        "venting",
        "--memo",
        "home",
        "--json",
    )
    assert result.exit_code == 0, result.output
    [line] = journal(study)
    assert (line["quote"], line["source"], line["memo"]) == ("go home and rant", "human", "home")
    text = pipeline.ingest(pipeline.load_study(study)).by_id()["P1"].text
    assert text[line["start"] : line["end"]] == "go home and rant"
    assert json.loads(result.stdout)["start"] == line["start"]


@pytest.mark.parametrize(
    ("quote", "transcript", "concept", "message"),
    [
        ("rant", "P1", "venting", "quote occurs 2 times"),
        ("I never rant", "P1", "venting", "quote not found"),
        ("How do you cope?", "P1", "venting", "Interviewer's talk, which is not coded"),
        ("most days.\n\nInterviewer: And", "P1", "venting", "across speaker turns"),
        ("the cat", "P9", "venting", "no transcript 'P9'"),
        ("the cat", "P1", "ventng", "no concept 'ventng'"),
    ],
)
def test_code_errors_say_what_is_wrong(tmp_path, quote, transcript, concept, message):
    study = make_study(tmp_path)
    result = invoke(
        "code",
        study,
        "--coder",
        "ms",
        "--transcript",
        transcript,
        "--quote",
        quote,
        "--concept",
        concept,
    )
    assert result.exit_code == 1
    assert message in result.stderr
    assert journal(study) == []


def test_renamed_concept_keeps_decisions_through_aliases(tmp_path):
    study = make_study(tmp_path)
    code_by_quote(study, "P1", "at the cat", "venting")
    renamed = CODEBOOK.replace(
        "- id: venting", "- id: letting-off-steam\n            aliases: [venting]"
    )
    (study / "codebook.yaml").write_text(renamed, encoding="utf-8")
    loaded = pipeline.load_study(study)
    [coding] = pipeline.analyse(loaded, pipeline.ingest(loaded)).counted
    assert coding.concept == "letting-off-steam"
    # and a former id is accepted on the command line too
    result = code_by_quote(study, "P2", "We rant", "venting")
    assert result.exit_code == 0, result.output
    assert journal(study)[-1]["concept"] == "letting-off-steam"


def test_check_lists_unknown_concept_lines_with_the_fix(tmp_path):
    study = make_study(tmp_path)
    code_by_quote(study, "P1", "at the cat", "venting")
    renamed = CODEBOOK.replace("- id: venting", "- id: letting-off-steam")
    (study / "codebook.yaml").write_text(renamed, encoding="utf-8")
    result = invoke("check", study)
    assert result.exit_code == 0, result.output
    assert "ms.jsonl:1" in result.stderr
    assert "unknown concept 'venting'" in result.stderr
    assert "aliases" in result.stderr


def test_log_counts_decisions_per_coder_source_and_day(tmp_path):
    study = make_study(tmp_path)
    drive(session_for(study), "arc1u", answers=["opinion"])
    code_by_quote(study, "P1", "at the cat", "venting")
    invoke("suggest", study)
    invoke("accept", study, "--coder", "bot", "--min-score", "0.7")
    result = invoke("log", study, "--json")
    assert result.exit_code == 0, result.output
    trail = {row["coder"]: row for row in json.loads(result.stdout)}
    assert trail["ms"]["decisions"] == 7
    assert trail["ms"]["by_source"] == {
        "manual:accept": 2,
        "manual:undo": 1,
        "suggestion:accept": 1,
        "suggestion:reject": 2,
        "suggestion:undo": 1,
    }
    assert trail["bot"]["by_source"] == {"auto:accept": 3}
    assert sum(trail["ms"]["by_day"].values()) == 7
    table = invoke("log", study)
    assert "ms" in table.stdout and "bot" in table.stdout


def test_talk_already_coded_by_a_quote_is_not_offered_again_for_that_concept(tmp_path):
    """ms coded "rant in the coffee room" as venting with `gioia code`: the suggestion of
    venting for the whole segment is decided; coffee-room there is still pending."""
    study = make_study(tmp_path)
    loaded = pipeline.load_study(study)
    pipeline.code(
        loaded, coder="ms", transcript="P1", quote="rant in the coffee room", concept="venting"
    )
    assert queue(session_for(study)) == [
        ("P1", "coffee-room"),
        ("P1", "second-opinion"),
        ("P1", "venting"),
        ("P2", "second-opinion"),
        ("P2", "venting"),
    ]
    assert queue(session_for(study, coder="hb"))[:2] == [("P1", "coffee-room"), ("P1", "venting")]
