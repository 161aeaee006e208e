"""Binning, the demographics table with small cells suppressed, and subgroup tables."""

from __future__ import annotations

import pytest

from gioia.models import Participant
from gioia.report.demographics import bin_value, demographics, shown_count, subgroups

YEARS = ["1-5", "6-10", ">10"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.25", "1-5"),
        ("1", "1-5"),
        ("5", "1-5"),
        ("5.5", "6-10"),
        ("10", "6-10"),
        ("10.01", ">10"),
        ("30", ">10"),
        ("n/a", None),
        ("", None),
    ],
)
def test_bins_are_contiguous_up_to_their_upper_bound(value, expected):
    assert bin_value(value, YEARS) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("4", "<5"), ("4.99", "<5"), ("5", ">=5"), ("15", ">=5")]
)
def test_open_bins(value, expected):
    assert bin_value(value, ["<5", ">=5"]) == expected


def test_value_above_every_bin_is_kept_as_is():
    assert bin_value("12", ["1-5", "<=10"]) is None


def test_shown_count_suppresses_small_cells():
    assert [shown_count(n, 3) for n in (0, 1, 2, 3, 10)] == ["0", "<3", "<3", "3", "10"]


# The example study's participants (examples/peer-support/participants.csv).
ROWS = [
    ("GP1", "female", "18", "9"),
    ("GP2", "male", "4", "6"),
    ("GP3", "male", "25", "3"),
    ("GP4", "female", "7", "8"),
    ("GP5", "female", "3", "12"),
    ("GP6", "male", "12", "4"),
    ("GP7", "female", "9", "15"),
    ("GP8", "male", "22", "7"),
]
PARTICIPANTS = [
    Participant(pid, {"sex": sex, "years_registered": years, "practice_gps": gps})
    for pid, sex, years, gps in ROWS
]
BINNING = {"years_registered": YEARS, "practice_gps": ["<5", ">=5"]}


def test_demographics_counts_bins_and_summaries():
    table = {
        row["attribute"]: row
        for row in demographics(
            PARTICIPANTS, ["sex", "years_registered", "practice_gps"], BINNING, min_cell=3
        )
    }
    assert [(lv["level"], lv["n"], lv["shown"]) for lv in table["sex"]["levels"]] == [
        ("female", 4, "4"),
        ("male", 4, "4"),
    ]
    assert [(lv["level"], lv["n"], lv["shown"]) for lv in table["years_registered"]["levels"]] == [
        ("1-5", 2, "<3"),
        ("6-10", 2, "<3"),
        (">10", 4, "4"),
    ]
    years = table["years_registered"]["summary"]
    # 18+4+25+7+3+12+9+22 = 100 over 8
    assert (years["mean"], years["min"], years["max"], years["n"]) == (12.5, 3, 25, 8)
    # squared deviations from 12.5 sum to 482; sample SD = sqrt(482 / 7) = 8.298
    assert years["sd"] == 8.3
    assert table["sex"]["summary"] is None
    assert table["practice_gps"]["binned"] is True


def test_missing_values_are_counted_last():
    people = [
        Participant("a", {"role": "partner"}),
        Participant("b", {"role": ""}),
        Participant("c", {}),
    ]
    [row] = demographics(people, ["role"], {}, min_cell=1)
    assert [(lv["level"], lv["n"]) for lv in row["levels"]] == [("partner", 1), ("not recorded", 2)]


def test_subgroups_count_participants_per_node_and_group():
    nodes = [
        {"id": "shared-space", "participants": ["GP1", "GP4", "GP5", "GP8"]},
        {"id": "practice-size", "participants": ["GP3", "GP6"]},
    ]
    [practice] = subgroups(nodes, PARTICIPANTS, ["practice_gps"], BINNING)
    assert practice["groups"] == [
        {
            "level": "<5",
            "size": 2,
            "hidden": False,
            "nodes": {"shared-space": 0, "practice-size": 2},
        },
        {
            "level": ">=5",
            "size": 6,
            "hidden": False,
            "nodes": {"shared-space": 4, "practice-size": 0},
        },
    ]
    assert practice["hidden"] == []
    # Both absences are large (4 of 6 and 2 of 2 elsewhere) but the group of 2 is below
    # LARGE_GROUP (3), so only the second is stated when gioia.yaml names none.
    assert practice["absent"] == [
        {
            "node": "shared-space",
            "level": "<5",
            "size": 2,
            "elsewhere": 4,
            "others": 6,
            "stated": False,
        },
        {
            "node": "practice-size",
            "level": ">=5",
            "size": 6,
            "elsewhere": 2,
            "others": 2,
            "stated": True,
        },
    ]


def test_groups_below_min_cell_are_hidden_and_make_no_absence():
    nodes = [{"id": "isolation", "participants": ["GP1", "GP2", "GP3"]}]
    people = [
        Participant(id="GP1", attributes={"role": "partner"}),
        Participant(id="GP2", attributes={"role": "partner"}),
        Participant(id="GP3", attributes={"role": "salaried"}),
        Participant(id="GP4", attributes={"role": "locum"}),
        Participant(id="GP5", attributes={"role": "registrar"}),
        Participant(id="GP6", attributes={"role": "registrar"}),
    ]
    [role] = subgroups(nodes, people, ["role"], {}, min_cell=2)
    assert [(g["level"], g["hidden"]) for g in role["groups"]] == [
        ("partner", False),
        ("salaried", True),
        ("locum", True),
        ("registrar", False),
    ]
    assert role["hidden"] == ["salaried", "locum"]
    # The locum's silence is no statement (hidden); the registrars' is, 3 of 4 elsewhere.
    assert [(a["level"], a["elsewhere"], a["others"]) for a in role["absent"]] == [
        ("registrar", 3, 4)
    ]


def test_statements_are_those_gioia_yaml_names():
    nodes = [
        {"id": "a", "participants": ["GP1", "GP2", "GP3"]},
        {"id": "b", "participants": ["GP1", "GP2"]},
    ]
    people = [
        Participant(id=f"GP{i}", attributes={"sex": "f" if i <= 3 else "m"}) for i in range(1, 7)
    ]
    [default] = subgroups(nodes, people, ["sex"], {})
    assert [(a["node"], a["stated"]) for a in default["absent"]] == [("a", True), ("b", True)]
    [chosen] = subgroups(nodes, people, ["sex"], {}, statements=["b"])
    assert [(a["node"], a["stated"]) for a in chosen["absent"]] == [("a", False), ("b", True)]
