"""The counting rule: a participant counts once per node, rolled up to theme and
dimension; quote attribution shows only reportable attributes."""

from __future__ import annotations

from gioia.models import Codebook, Coding, Concept, Dimension, Participant, PlacedCoding, Theme
from gioia.report import attribution
from gioia.structure import build_nodes, representative_quotes

CODEBOOK = Codebook(
    "cb",
    (
        Dimension(
            "types",
            "Types",
            themes=(
                Theme(
                    "emotional",
                    "Emotional",
                    "types",
                    concepts=(
                        Concept("venting", "Venting", "emotional", "types"),
                        Concept("reassurance", "Reassurance", "emotional", "types"),
                    ),
                ),
                Theme(
                    "advice",
                    "Advice",
                    "types",
                    concepts=(Concept("second-opinion", "Second opinion", "advice", "types"),),
                ),
            ),
        ),
        Dimension(
            "moderators",
            "Moderators",
            themes=(
                Theme(
                    "space",
                    "Space",
                    "moderators",
                    concepts=(Concept("coffee-room", "Coffee room", "space", "moderators"),),
                ),
            ),
        ),
    ),
)


def placed(concept, participant, transcript, start, end, flags=()):
    coding = Coding(
        transcript, start, end, concept, "accept", "ms", "human", "q", "t", flags=tuple(flags)
    )
    return PlacedCoding(coding, concept, start, end, (participant,) if participant else ())


CODINGS = [
    placed("venting", "P1", "T1", 0, 10),
    placed("venting", "P1", "T1", 20, 30),  # P1 again for the same concept
    placed("reassurance", "P1", "T1", 0, 10),  # same segment, sibling concept
    placed("reassurance", "P2", "T2", 5, 15),
    placed("second-opinion", "P3", "T3", 0, 8),
]


def test_participants_count_once_per_node_and_roll_up():
    nodes = {n.id: n for n in build_nodes(CODEBOOK, CODINGS, ["P1", "P2", "P3"])}
    assert nodes["venting"].participants == ("P1",)
    assert nodes["venting"].segments == 2
    assert nodes["reassurance"].participants == ("P1", "P2")
    # theme: P1 (twice over two concepts) + P2 -> 2 participants; segments are unique
    # spans: T1 0-10 (coded twice), T1 20-30, T2 5-15 -> 3
    assert nodes["emotional"].participants == ("P1", "P2")
    assert nodes["emotional"].segments == 3
    assert nodes["types"].participants == ("P1", "P2", "P3")
    assert nodes["types"].segments == 4
    assert nodes["types"].transcripts == ("T1", "T2", "T3")
    assert nodes["moderators"].participants == ()
    assert nodes["coffee-room"].segments == 0


def test_nodes_in_codebook_order_with_parents():
    nodes = build_nodes(CODEBOOK, [], [])
    assert [(n.id, n.level, n.parent) for n in nodes] == [
        ("types", "dimension", None),
        ("emotional", "theme", "types"),
        ("venting", "concept", "emotional"),
        ("reassurance", "concept", "emotional"),
        ("advice", "theme", "types"),
        ("second-opinion", "concept", "advice"),
        ("moderators", "dimension", None),
        ("space", "theme", "moderators"),
        ("coffee-room", "concept", "space"),
    ]


def test_participants_listed_in_study_order():
    nodes = {n.id: n for n in build_nodes(CODEBOOK, CODINGS, ["P3", "P2", "P1"])}
    assert nodes["types"].participants == ("P3", "P2", "P1")


def test_attribution_fills_only_reportable_attributes():
    gp7 = Participant("GP7", {"sex": "male", "role": "salaried GP", "age": "44"})
    template = "({id}, {sex}, {role})"
    assert attribution(template, gp7, ["sex", "role"]) == "(GP7, male, salaried GP)"
    assert attribution(template, gp7, ["role"]) == "(GP7, salaried GP)"
    assert attribution("({id}, {age})", gp7, ["sex"]) == "(GP7)"
    assert attribution(template, None, ["sex"]) == ""


def test_representative_quotes_prefer_power_then_spread_over_participants():
    codings = [
        placed("venting", "P1", "T1", 0, 10),
        placed("venting", "P1", "T1", 20, 30),
        placed("venting", "P2", "T2", 0, 10),
        placed("venting", "P1", "T1", 40, 50, flags=["power"]),
    ]
    chosen = representative_quotes(codings, per_concept=3)["venting"]
    assert [(c.participant, c.start) for c in chosen] == [("P1", 40), ("P2", 0), ("P1", 0)]


def test_representative_quotes_rank_scored_suggestions_after_power_quotes():
    def scored(participant, start, score, flags=()):
        coding = Coding(
            "T1",
            start,
            start + 5,
            "venting",
            "accept",
            "ms",
            "keyword",
            "q",
            "t",
            score=score,
            flags=tuple(flags),
        )
        return PlacedCoding(coding, "venting", start, start + 5, (participant,))

    codings = [
        scored("P1", 0, 0.5),
        scored("P2", 10, 0.9),
        scored("P3", 20, None),
        scored("P4", 30, 0.2, flags=["power"]),
    ]
    chosen = representative_quotes(codings, per_concept=3)["venting"]
    assert [c.participant for c in chosen] == ["P4", "P2", "P1"]
