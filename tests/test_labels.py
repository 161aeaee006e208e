"""A learner's decisions as labels of (segment, concept) pairs (gioia.assist.labels)."""

from __future__ import annotations

from gioia.assist.labels import Learner, label_pairs, standing_decisions
from gioia.models import Coding, PlacedCoding, Segment


def segment(transcript: str, start: int, end: int, turn: int = 1) -> Segment:
    return Segment(transcript, start, end, "x" * (end - start), "P", "P1", turn)


def placed(
    transcript: str,
    start: int,
    end: int,
    concept: str,
    decision: str = "accept",
    coder: str = "ms",
    source: str = "keyword",
    flags=(),
) -> PlacedCoding:
    coding = Coding(
        transcript,
        start,
        end,
        concept,
        decision,  # type: ignore[arg-type]
        coder,
        source,
        "x" * (end - start),
        "2026-01-01T00:00:00Z",
        flags=tuple(flags),
    )
    return PlacedCoding(coding, concept, start, end, ("P1",))


SEGMENTS = [segment("T1", 0, 10), segment("T1", 20, 30, 3), segment("T2", 0, 10)]


def test_standing_decisions_are_each_coders_latest_and_an_undo_withdraws():
    decisions = [
        placed("T1", 0, 10, "c", "reject"),
        placed("T1", 0, 10, "c", "accept"),  # changed their mind
        placed("T1", 20, 30, "c", "accept"),
        placed("T1", 20, 30, "c", "reject", flags=["undo"]),  # withdrawn, not rejected
        placed("T2", 0, 10, "c", "accept", coder="hb"),
        placed("T2", 0, 10, "c", "reject", coder="ms"),
    ]
    kept = [(p.start, p.coding.coder, p.coding.decision) for p in standing_decisions(decisions)]
    assert kept == [(0, "ms", "accept"), (0, "hb", "accept"), (0, "ms", "reject")]


def test_accepts_and_rejects_label_the_segments_they_overlap():
    decisions = [
        placed("T1", 5, 25, "a"),  # overlaps both T1 segments
        placed("T1", 0, 10, "b", "reject"),
        placed("T1", 20, 30, "b", "reject"),
        placed("T1", 22, 24, "b", "accept", source="human"),  # a recode's accept wins
    ]
    labels = label_pairs(SEGMENTS, decisions, Learner(("ms",)))
    assert set(labels.accepted) == {(0, "a"), (1, "a"), (1, "b")}
    assert set(labels.rejected) == {(0, "b")}
    assert labels.worked == frozenset({"T1"})
    assert (labels.decisions, labels.interviews) == (4, 1)
    assert labels.label(1, "b") and not labels.label(2, "a")


def test_a_coder_learns_from_their_own_journal_only_unless_pooled():
    decisions = [placed("T1", 0, 10, "a", coder="hb"), placed("T2", 0, 10, "a", coder="ms")]
    assert set(label_pairs(SEGMENTS, decisions, Learner(("ms",))).accepted) == {(2, "a")}
    assert set(label_pairs(SEGMENTS, decisions, Learner(("hb",))).accepted) == {(0, "a")}
    pooled = label_pairs(SEGMENTS, decisions, Learner(("hb", "ms")))
    assert set(pooled.accepted) == {(0, "a"), (2, "a")}
    assert pooled.worked == frozenset({"T1", "T2"})


def test_machine_acceptances_and_withdrawn_decisions_teach_nothing():
    decisions = [
        placed("T1", 0, 10, "a", source="auto"),
        placed("T2", 0, 10, "a"),
        placed("T2", 0, 10, "a", "reject", flags=["undo"]),
    ]
    labels = label_pairs(SEGMENTS, decisions, Learner(("ms",)))
    assert (labels.accepted, labels.rejected, labels.worked) == ({}, {}, frozenset())
    assert labels.decisions == 0


def test_learner_names():
    assert (Learner(()).name, Learner(()).key) == ("the codebook", "codebook")
    assert (Learner(("hb",)).name, Learner(("hb",)).key) == ("hb", "hb")
    assert (Learner(("hb", "ms", "jo")).name, Learner(("hb", "ms")).key) == (
        "hb, ms and jo",
        "hb+ms",
    )
