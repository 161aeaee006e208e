"""The coders' journals: append-only, torn last lines, placement by quote, latest wins."""

from __future__ import annotations

import json

import pytest

from gioia.errors import JournalError
from gioia.journal import (
    append_coding,
    journal_path,
    place_codings,
    read_journal,
    read_journals,
)
from gioia.models import Codebook, Coding, Concept, Dimension, Theme, Transcript, Turn
from gioia.quotes import locate_quote

TEXT = (
    "Interviewer: How do you cope?\n\n"
    "GP1: We rant in the coffee room. It helps.\n\n"
    "Interviewer: And then?\n\n"
    "GP1: I ask a partner for advice. It helps."
)


def transcript() -> Transcript:
    turns = []
    for line_start in (
        0,
        TEXT.index("GP1: We"),
        TEXT.index("Interviewer: And"),
        TEXT.index("GP1: I ask"),
    ):
        end = TEXT.find("\n\n", line_start)
        end = len(TEXT) if end == -1 else end
        speaker, _, _ = TEXT[line_start:end].partition(": ")
        start = line_start + len(speaker) + 2
        turns.append(
            Turn(
                speaker,
                start,
                end,
                speaker == "Interviewer",
                None if speaker == "Interviewer" else "GP1",
            )
        )
    return Transcript("T1", "T1.txt", "txt", "utf-8", TEXT, tuple(turns))


CODEBOOK = Codebook(
    "cb",
    (
        Dimension(
            "d",
            "D",
            themes=(
                Theme(
                    "t",
                    "T",
                    "d",
                    concepts=(
                        Concept("venting", "Venting", "t", "d", aliases=("rant-old",)),
                        Concept("advice", "Advice", "t", "d"),
                    ),
                ),
            ),
        ),
    ),
)


def coding(
    concept="venting",
    quote="We rant in the coffee room.",
    decision="accept",
    start=-1,
    end=-1,
    coder="ms",
    at="2026-11-26T10:00:00Z",
    **kw,
) -> Coding:
    return Coding("T1", start, end, concept, decision, coder, "human", quote, at, **kw)


def test_append_writes_one_json_line_per_decision(tmp_path):
    path = journal_path(tmp_path, "ms")
    append_coding(path, coding(memo="strong", flags=("power",)))
    append_coding(path, coding(concept="advice", quote="I ask a partner for advice."))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert list(first) == [
        "transcript",
        "start",
        "end",
        "concept",
        "decision",
        "coder",
        "source",
        "quote",
        "at",
        "memo",
        "flags",
    ]
    assert first["flags"] == ["power"]
    assert [c.concept for c in read_journal(path).codings] == ["venting", "advice"]


def test_torn_last_line_is_reported_and_earlier_lines_kept(tmp_path):
    path = journal_path(tmp_path, "ms")
    append_coding(path, coding())
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"transcript": "T1", "start": -1, "end"')  # killed mid-write
    journal = read_journal(path)
    assert [c.concept for c in journal.codings] == ["venting"]
    [problem] = journal.problems
    assert problem.severity == "warning"
    assert problem.location.line == 2
    assert "torn" in problem.message


def test_append_after_torn_line_starts_a_fresh_line(tmp_path):
    path = journal_path(tmp_path, "ms")
    append_coding(path, coding())
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"transcript": "T1"')
    append_coding(path, coding(concept="advice", quote="I ask a partner for advice."))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1] == '{"transcript": "T1"'
    assert json.loads(lines[2])["concept"] == "advice"
    # The torn fragment is now in the middle: still a warning naming its line, never a
    # silent skip, and never an error that blocks the study until it is fixed by hand.
    journal = read_journal(path)
    assert [c.concept for c in journal.codings] == ["venting", "advice"]
    [problem] = journal.problems
    assert problem.severity == "warning" and problem.location.line == 2
    assert "torn" in problem.message


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"transcript": "T1"}', "missing"),
        ("[1, 2]", "not a JSON object"),
        (
            '{"transcript": "T1", "start": 5, "end": 2, "concept": "x", "decision": "accept", '
            '"coder": "ms", "source": "human", "quote": "q", "at": "t"}',
            "start/end",
        ),
        (
            '{"transcript": "T1", "start": -1, "end": -1, "concept": "x", "decision": "maybe", '
            '"coder": "ms", "source": "human", "quote": "q", "at": "t"}',
            "decision",
        ),
        (
            '{"transcript": "T1", "start": -1, "end": -1, "concept": "x", "decision": "accept", '
            '"coder": "xy", "source": "human", "quote": "q", "at": "t"}',
            "coder",
        ),
    ],
)
def test_malformed_middle_line_is_an_error_with_its_line(tmp_path, line, reason):
    path = tmp_path / "ms.jsonl"
    path.write_text(
        line
        + "\n"
        + json.dumps(
            {
                "transcript": "T1",
                "start": -1,
                "end": -1,
                "concept": "x",
                "decision": "accept",
                "coder": "ms",
                "source": "human",
                "quote": "q",
                "at": "t",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(JournalError) as info:
        read_journal(path)
    assert info.value.location.line == 1
    assert reason in info.value.message


def test_bad_coder_name_is_refused(tmp_path):
    with pytest.raises(JournalError):
        journal_path(tmp_path, "../etc/passwd")


def test_locate_quote_exact_whitespace_missing_and_ambiguous():
    start = TEXT.index("We rant")
    assert locate_quote(TEXT, "We rant in the coffee room.") == (start, start + 27)
    assert locate_quote(TEXT, "We  rant in the\ncoffee room.") == (start, start + 27)
    assert "not found" in locate_quote(TEXT, "we RANT in the coffee room.")
    assert "not found" in locate_quote(TEXT, "We never rant.")
    assert "2 times" in locate_quote(TEXT, "It helps.")
    # the offsets recorded with a decision place it when the text there still matches
    second = TEXT.rindex("It helps.")
    assert locate_quote(TEXT, "It helps.", second) == (second, second + 9)
    # ... and never guess between occurrences when it does not
    assert "2 times" in locate_quote(TEXT, "It helps.", second - 3)


def test_latest_decision_wins_per_coder_and_aliases_resolve(tmp_path):
    ms = tmp_path / "ms.jsonl"
    append_coding(ms, coding(concept="rant-old"))  # an old id, resolved via aliases
    append_coding(ms, coding(concept="advice", quote="I ask a partner for advice."))
    append_coding(
        ms,
        coding(
            concept="advice",
            quote="I ask a partner for advice.",
            decision="reject",
            at="2026-11-26T11:00:00Z",
        ),
    )
    counted, placed, orphans = place_codings([read_journal(ms)], {"T1": transcript()}, CODEBOOK)
    assert [(c.concept, c.participant) for c in counted] == [("venting", "GP1")]
    assert len(placed) == 3
    assert orphans == []


def test_one_coders_reject_does_not_withdraw_anothers_accept(tmp_path):
    append_coding(tmp_path / "ms.jsonl", coding())
    append_coding(tmp_path / "ab.jsonl", coding(coder="ab", decision="reject"))
    counted, _, _ = place_codings(read_journals(tmp_path), {"T1": transcript()}, CODEBOOK)
    assert [c.coding.coder for c in counted] == ["ms"]


def test_unplaceable_decisions_are_orphaned_not_dropped(tmp_path):
    path = tmp_path / "ms.jsonl"
    append_coding(path, coding(quote="Words nobody said."))
    append_coding(path, coding(concept="no-such-concept"))
    append_coding(path, coding(quote="It helps."))
    counted, _, orphans = place_codings([read_journal(path)], {"T1": transcript()}, CODEBOOK)
    assert counted == []
    assert [o.reason for o in orphans] == [
        "quote not found in the current transcript text",
        "unknown concept 'no-such-concept'",
        "quote occurs 2 times; cannot tell which is meant",
    ]


def test_decision_at_stale_offsets_is_re_anchored_by_quote(tmp_path):
    path = tmp_path / "ms.jsonl"
    append_coding(path, coding(start=3, end=30))  # offsets from an older text
    counted, _, _ = place_codings([read_journal(path)], {"T1": transcript()}, CODEBOOK)
    start = TEXT.index("We rant")
    assert (counted[0].start, counted[0].end) == (start, start + 27)
