"""The features of (segment, concept) pairs (gioia.assist.features), on hand-made
transcripts parsed by the real default pipeline; every expected value is worked out by
hand in the test."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gioia.assist import features
from gioia.assist.decisions import DecisionView, _vote
from gioia.assist.features import FEATURES
from gioia.assist.labels import Learner, label_pairs
from gioia.assist.space import _idf, _tfidf, study_space
from gioia.models import (
    Codebook,
    Coding,
    Concept,
    Dimension,
    Evidence,
    PlacedCoding,
    Segment,
    Suggestion,
    Theme,
    Transcript,
    Turn,
)

TEA = Concept("tea", "Tea breaks", "t", "d", keywords=("tea break",))
CAR = Concept("car", "Car park chats", "t", "d", keywords=("car park",))
CODEBOOK = Codebook(
    "c", (Dimension("d", "D", themes=(Theme("t", "T", "d", concepts=(TEA, CAR)),)),)
)


def transcript(tid: str, *turns: tuple[str, str]) -> Transcript:
    """Turns as (speaker, talk); "I" is the interviewer."""
    text, made = "", []
    for speaker, talk in turns:
        text += f"{speaker}: "
        made.append(Turn(speaker, len(text), len(text) + len(talk), speaker == "I", None))
        text += talk + "\n\n"
        if speaker != "I":
            made[-1] = Turn(speaker, made[-1].start, made[-1].end, False, speaker)
    return Transcript(tid, f"{tid}.txt", "txt", "utf-8", text, tuple(made))


def segments_of(t: Transcript) -> tuple[Segment, ...]:
    return tuple(
        Segment(t.id, turn.start, turn.end, t.text[turn.start : turn.end], turn.speaker, "P", i)
        for i, turn in enumerate(t.turns)
        if not turn.is_interviewer
    )


def space_of(nlp, *transcripts: Transcript, keyword=()):
    docs = {t.id: nlp(t.text) for t in transcripts}
    return study_space(
        nlp,
        docs,
        transcripts,
        {t.id: segments_of(t) for t in transcripts},
        CODEBOOK.concepts,
        keyword,
    )


def accept(s: Segment, concept: str, decision: str = "accept") -> PlacedCoding:
    coding = Coding(s.transcript, s.start, s.end, concept, decision, "ms", "human", s.text, "t")  # type: ignore[arg-type]
    return PlacedCoding(coding, concept, s.start, s.end, ("P",))


def column(name: str) -> int:
    return FEATURES.index(name)


def test_tfidf_by_hand():
    """Four documents over kettle 0, biscuit 1, sofa 2, garden 3, fence 4; df: kettle 3,
    biscuit 2, sofa 1, garden 2, fence 2. idf = ln(5 / (1 + df)) + 1: kettle 1.22314,
    biscuit 1.51083, sofa 1.91629. |S0| = 2.72962, |S1| = 2.46197, and
    cos(S0, S1) = (1.22314² + 1.51083²) / (2.72962 × 2.46197) = 0.56228."""
    documents = [[0, 1, 2], [0, 1, 3], [3, 4], [0, 4]]
    idf = _idf(documents, 5)
    assert idf[:3] == pytest.approx([1.22314, 1.51083, 1.91629], abs=1e-5)
    rows = _tfidf(documents, idf)
    assert rows[0, 2] == pytest.approx(1.91629 / 2.72962, abs=1e-5)
    assert (rows[0] @ rows[1].T)[0, 0] == pytest.approx(0.56228, abs=1e-5)
    twice = _tfidf([[2, 2]], idf)  # a repeated term weighs (1 + ln 2) × idf, then unit length
    assert twice[0, 2] == pytest.approx(1.0)


def test_the_question_is_the_nearest_interviewer_turn_that_asks_something(nlp):
    t = transcript(
        "T1",
        ("I", "Where do you take your tea break with colleagues?"),
        ("P", "In the kitchen."),
        ("I", "Okay."),  # no content lemma: not the question
        ("P", "And sometimes in the car park."),
    )
    space = space_of(nlp, t)
    first, second = space.question_of
    assert first is not None and second is not None
    assert t.text[first.start : first.end].startswith("Where do you")
    assert (second.start, second.end) == (first.start, first.end)
    assert space.q_keyword[:, 0].tolist() == [1.0, 1.0]  # "tea break" is asked about
    assert space.q_keyword[:, 1].tolist() == [0.0, 0.0]


def test_decisions_are_read_from_other_interviews_only(nlp):
    """The same talk in T1 and T2; accepted in T1. In T2 it is like accepted talk
    (cosine 1); in T1 its own acceptance, and any in T1, says nothing."""
    talk = "We sit with the kettle and biscuits on the sofa."
    t1 = transcript("T1", ("P", talk), ("P", "Nothing else happens on Fridays."))
    t2 = transcript("T2", ("P", talk))
    space = space_of(nlp, t1, t2)
    labels = label_pairs(space.segments, [accept(space.segments[0], "tea")], Learner(("ms",)))
    view = DecisionView(space, labels)
    rows = space.features(np.arange(3), view)  # (segment, concept) row-major, tea first
    accepted_sim = rows[:, column("accepted_sim")].reshape(3, 2)
    assert accepted_sim[:, 0].tolist() == pytest.approx([0.0, 0.0, 1.0])
    assert accepted_sim[:, 1].tolist() == [0.0, 0.0, 0.0]
    vote = rows[:, column("vote_talk")].reshape(3, 2)
    assert vote[2].tolist() == pytest.approx([1.0, 0.0])  # its one voter was accepted for tea
    # T1 decided 2 segments, tea accepted in 1: from T2 the rate is (1 + 1) / (2 + 2).
    prior = rows[:, column("prior")].reshape(3, 2)
    assert prior[2].tolist() == pytest.approx([math.log(2 / 4), math.log(1 / 4)])
    assert prior[0].tolist() == pytest.approx([math.log(1 / 2)] * 2)  # nothing elsewhere


def test_a_vote_is_the_similarity_weighted_share_by_hand():
    """Voters with similarity 0.9, 0.3 and 0: tea = (0.9 × 1 + 0.3 × 0) / 1.2 = 0.75,
    car = 0.3 / 1.2 = 0.25."""
    similarity = np.array([[0.9, 0.3, 0.0]])
    accepted = np.array([[True, False], [False, True], [True, True]])
    assert _vote(similarity, accepted)[0].tolist() == pytest.approx([0.75, 0.25])
    assert _vote(np.zeros((1, 3)), accepted)[0].tolist() == [0.0, 0.0]


def test_term_records_come_from_explicit_decisions_elsewhere(nlp):
    """ "tea break" suggested in T1 (accepted), T2 (rejected) and T3 (undecided). In T3:
    ln((1 + 1) / (1 + 1)) = 0. In T1, leaving T1 out: accepted 0, rejected 1, so
    ln(1 / 2), a rate of 1/3: not discredited (below 0.25 would be)."""
    ts = [transcript(f"T{n}", ("P", "We have a tea break at eleven.")) for n in (1, 2, 3)]
    keyword = []
    for t in ts:
        turn = t.turns[0]
        evidence = (Evidence("tea break", turn.start + 10, turn.start + 19),)
        keyword.append(Suggestion(t.id, turn.start, turn.end, "tea", 0.7, "keyword", evidence))
    space = space_of(nlp, *ts, keyword=keyword)
    segments = space.segments
    labels = label_pairs(
        segments,
        [accept(segments[0], "tea"), accept(segments[1], "tea", "reject")],
        Learner(("ms",)),
    )
    rows = space.features(np.arange(3), DecisionView(space, labels))
    best = rows[:, column("record_best")].reshape(3, 2)[:, 0]
    assert best.tolist() == pytest.approx([math.log(1 / 2), math.log(2 / 1), 0.0])
    assert rows[:, column("record_discredited")].sum() == 0
    assert rows[:, column("kw_score")].reshape(3, 2)[:, 0].tolist() == pytest.approx([0.7] * 3)


def test_crosses_are_given_only_to_concepts_with_enough_acceptances(nlp):
    ts = [transcript(f"T{n}", ("P", f"A tea break number {n} in the kitchen.")) for n in (1, 2)]
    space = space_of(nlp, *ts)
    labels = label_pairs(
        space.segments, [accept(s, "tea") for s in space.segments], Learner(("ms",))
    )
    crossed = features.crossed_concepts(space, labels)
    assert crossed.tolist() == [0, -1]  # tea accepted twice (MIN_CROSSED), car never
    block = space.crosses(np.arange(2), crossed)
    assert block.shape == (4, space.cross_width)
    talk_terms = space.talk[0].nnz + space.questions[0].nnz
    assert [block[i].nnz for i in range(4)] == [talk_terms, 0, space.talk[1].nnz, 0]
