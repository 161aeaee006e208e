"""Learning from decisions: keyword evidence a coder keeps rejecting for a concept counts
less, and after enough rejections stops suggesting it (gioia.learning). Every expected
value is worked out by hand in the test's docstring or comment."""

from __future__ import annotations

import pytest

from gioia import pipeline
from gioia.assist.records import (
    DISCREDITED_BELOW,
    REJECTIONS_TO_DISCREDIT,
    TermRecord,
    learn_from_decisions,
    term_records,
)
from gioia.journal import append_coding, journal_path, place_codings, read_journals
from gioia.models import Coding, Evidence, PlacedCoding, Suggestion


def suggestion(start: int, concept="ice", terms=("plot",), score=0.5, method="keyword", cue=None):
    """A suggestion for the 10 characters at ``start`` of transcript T1, one piece of
    evidence per term."""
    evidence = tuple(Evidence(t, start + i, start + i + 1, cue) for i, t in enumerate(terms))
    return Suggestion("T1", start, start + 10, concept, score, method, evidence)


def decided(s: Suggestion, decision: str, coder="ms", flags=(), concept=None) -> PlacedCoding:
    """The coder's decision on ``s``, as `gioia review` writes it."""
    coding = Coding(
        s.transcript,
        s.start,
        s.end,
        concept or s.concept,
        decision,  # type: ignore[arg-type]
        coder,
        s.method,
        "x" * (s.end - s.start),
        "2026-01-01T00:00:00Z",
        score=s.score,
        flags=tuple(flags),
    )
    return PlacedCoding(coding, concept or s.concept, s.start, s.end, ("P1",))


def learn(suggestions, decisions, **kwargs):
    """learn_from_decisions with the counted accepts taken from ``decisions``."""
    accepted = [d for d in decisions if d.coding.decision == "accept" and not d.coding.flags]
    return learn_from_decisions(suggestions, accepted, decisions, **kwargs)


def reviewed(decision: str, times: int, concept="ice", term="plot"):
    """``times`` earlier suggestions of ``concept`` through ``term``, each decided so."""
    earlier = [suggestion(100 + 20 * i, concept, (term,)) for i in range(times)]
    return earlier, [decided(s, decision) for s in earlier]


# --------------------------------------------------------------------------- the rate


def test_the_smoothed_rate_and_its_likelihood_ratio_by_hand():
    assert TermRecord().acceptance_rate == 0.5  # (0 + 1) / (0 + 2): undecided
    assert TermRecord(0, 1).acceptance_rate == pytest.approx(1 / 3)
    assert TermRecord(0, 3).acceptance_rate == pytest.approx(1 / 5)
    assert TermRecord(2, 8).acceptance_rate == pytest.approx(3 / 12)
    assert TermRecord(0, 3).likelihood_ratio == pytest.approx(1 / 4)  # (0 + 1) / (3 + 1)
    assert TermRecord(2, 0).likelihood_ratio == 3.0


def test_three_rejections_without_an_acceptance_discredit_a_term():
    """(0 + 1) / (2 + 2) = 0.25 is not below 0.25; (0 + 1) / (3 + 2) = 0.2 is."""
    assert DISCREDITED_BELOW == 0.25
    assert REJECTIONS_TO_DISCREDIT == 3
    assert TermRecord(0, 2).acceptance_rate >= DISCREDITED_BELOW
    assert TermRecord(0, 3).acceptance_rate < DISCREDITED_BELOW


def test_records_count_each_decided_suggestion_once_per_distinct_term():
    a = suggestion(0, terms=("plot", "ice", "plot"))
    b = suggestion(20, terms=("plot",))
    c = suggestion(40, terms=("plot",))  # undecided: counts for nothing
    d = suggestion(60, concept="pdp", terms=("plot",))
    records = term_records(
        [a, b, c, d], [decided(a, "accept")], [decided(b, "reject"), decided(d, "reject")]
    )
    assert records == {
        ("ice", "ice"): TermRecord(1, 0),
        ("ice", "plot"): TermRecord(1, 1),
        ("pdp", "plot"): TermRecord(0, 1),
    }


# --------------------------------------------------------------------------- the score


def test_a_term_rejected_twice_lowers_the_score():
    """Score 0.5 is odds 1; two rejections multiply the odds by 1/3: 0.25."""
    earlier, decisions = reviewed("reject", 2)
    new = suggestion(0)
    learnt = learn([new, *earlier], decisions)
    assert learnt[0].score == pytest.approx(0.25)
    assert learnt[0].evidence[0].cue == "rejected 2 of 2 times for this concept"


def test_a_term_rejected_three_times_out_of_three_stops_being_suggested():
    earlier, decisions = reviewed("reject", 3)
    assert learn([suggestion(0), *earlier], decisions) == earlier  # the decided ones stay
    # Below the threshold only: with none, the odds are divided by 4 (0.5 becomes 0.2).
    [kept, *_] = learn([suggestion(0), *earlier], decisions, discredited_below=0.0)
    assert kept.score == pytest.approx(0.2)
    assert kept.evidence[0].cue == "rejected 3 of 3 times for this concept"


def test_one_rejection_does_not_silence_a_term():
    """Rate 1/3: the odds are halved, 0.5 becomes 1/3, and the suggestion is made."""
    earlier, decisions = reviewed("reject", 1)
    [new, _] = learn([suggestion(0), *earlier], decisions)
    assert new.score == pytest.approx(0.3333, abs=1e-4)


def test_an_accepted_term_is_not_lowered_but_raised():
    """Two acceptances multiply the odds by 3: 0.5 becomes 0.75."""
    earlier, decisions = reviewed("accept", 2)
    [new, *_] = learn([suggestion(0), *earlier], decisions)
    assert new.score == pytest.approx(0.75)
    assert new.evidence[0].cue == "accepted 2 of 2 times for this concept"


def test_an_acceptance_outweighs_a_few_rejections():
    """1 accepted, 3 rejected: rate 2/6 = 1/3, not discredited; odds times 2/4."""
    accepted, yes = reviewed("accept", 1)
    rejected = [suggestion(200 + 20 * i) for i in range(3)]
    decisions = [*yes, *(decided(s, "reject") for s in rejected)]
    [new, *_] = learn([suggestion(0), *accepted, *rejected], decisions)
    assert new.score == pytest.approx(1 / 3, abs=1e-4)  # scores are rounded to 4 places
    assert new.evidence[0].cue == "rejected 3 of 4 times for this concept"


def test_a_record_belongs_to_its_concept_and_term():
    earlier, decisions = reviewed("reject", 3, concept="ice", term="plot")
    other_concept = suggestion(0, concept="pdp")
    other_term = suggestion(20, concept="ice", terms=("curve",))
    learnt = learn([other_concept, other_term, *earlier], decisions)
    assert learnt[:2] == [other_concept, other_term]


def test_a_suggestion_with_another_sound_term_is_kept_with_less_weight_from_the_bad_one():
    """Score 0.75 from two terms: each weighs 1 - 0.25 ** 0.5 = 0.5. "plot" rejected 3
    of 3 times: its weight's odds 1 become 1/4, weight 0.2; "ice" unchanged.
    Score 1 - (1 - 0.2) * (1 - 0.5) = 0.6."""
    earlier, decisions = reviewed("reject", 3)
    [new, *_] = learn([suggestion(0, terms=("plot", "ice"), score=0.75), *earlier], decisions)
    assert new.score == pytest.approx(0.6)
    assert [e.cue for e in new.evidence] == ["rejected 3 of 3 times for this concept", None]


def test_the_record_is_added_to_a_negation_cue():
    earlier, decisions = reviewed("reject", 1)
    [new, _] = learn([suggestion(0, cue="negation: never"), *earlier], decisions)
    assert new.evidence[0].cue == "negation: never; rejected 1 of 1 times for this concept"


def test_decided_suggestions_and_other_methods_are_left_alone():
    earlier, decisions = reviewed("reject", 3)
    exemplar = suggestion(0, method="exemplar")
    assert learn([exemplar, *earlier], decisions) == [exemplar, *earlier]


# --------------------------------------------------------------------------- decisions


def test_an_undone_rejection_counts_for_nothing():
    earlier, decisions = reviewed("reject", 3)
    undone = [*decisions, decided(earlier[0], "reject", flags=["undo"])]
    assert term_records(earlier, [], undone) == {("ice", "plot"): TermRecord(0, 2)}


def test_a_counted_accept_overlapping_a_suggestion_is_an_acceptance_despite_a_rejection():
    """One coder rejected the suggestion; another coded part of the same talk with the
    concept by hand. The counted accept stands."""
    s = suggestion(0)
    by_hand = PlacedCoding(
        Coding("T1", 3, 6, "ice", "accept", "hb", "human", "xxx", "2026-01-01T00:00:00Z"),
        "ice",
        3,
        6,
        ("P1",),
    )
    records = term_records([s], [by_hand], [decided(s, "reject"), by_hand])
    assert records == {("ice", "plot"): TermRecord(1, 0)}


def test_a_recode_rejects_the_suggested_concept():
    """`r`ecode in review rejects the suggested concept and accepts another."""
    s = suggestion(0)
    other = decided(s, "accept", concept="pdp")
    assert term_records([s], [other], [decided(s, "reject"), other]) == {
        ("ice", "plot"): TermRecord(0, 1)
    }


# --------------------------------------------------------------------------- end to end

CODEBOOK = """\
version: 1
title: T
dimensions:
  - id: d
    label: D
    themes:
      - id: t
        label: T
        concepts:
          - id: venting
            label: Letting off steam
            keywords: [rant]
"""


def test_rejections_in_a_journal_silence_a_term_in_other_transcripts(tmp_path):
    """The coder rejects "rant" for venting in P1's three turns, as `gioia review`
    records it; P2's turn with "rant" is then no longer suggested."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    turns = ["I rant about parking.", "My aunt would rant about it.", "They rant at the telly."]
    p1 = "".join(f"Interviewer: And?\n\nP1: {turn}\n\n" for turn in turns)
    (tmp_path / "transcripts" / "P1.txt").write_text(p1, encoding="utf-8")
    (tmp_path / "transcripts" / "P2.txt").write_text(
        "Interviewer: And?\n\nP2: We rant over tea after surgery.\n", encoding="utf-8"
    )
    loaded = pipeline.load_study(tmp_path)
    corpus = pipeline.ingest(loaded)
    parsed = pipeline.parse(loaded, corpus)
    before = pipeline.suggest(loaded, corpus, parsed)
    assert [s.transcript for s in before] == ["P1", "P1", "P1", "P2"]
    journal = journal_path(loaded.study.paths.codings, "ms")
    text = corpus.by_id()["P1"].text
    for s in before[:3]:
        append_coding(
            journal,
            Coding(s.transcript, s.start, s.end, s.concept, "reject", "ms", s.method,
                   text[s.start : s.end], "2026-01-01T00:00:00Z", s.score),
        )  # fmt: skip
    again = pipeline.suggest(loaded, corpus, parsed)
    journals = read_journals(loaded.study.paths.codings)
    accepted, decisions, _ = place_codings(journals, corpus.by_id(), loaded.codebook)
    learnt = learn_from_decisions(again, accepted, decisions)
    assert [s.transcript for s in learnt] == ["P1", "P1", "P1"]
