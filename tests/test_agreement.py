"""Agreement coefficients against the test vectors of methods/agreement.md, gioia's
per-concept agreement on hand-computed studies, and properties of the coefficients."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gioia.agreement import (
    CoderCodings,
    agreement,
    alpha_gate_failure,
    alpha_reading,
    cohen_kappa,
    joined_names,
    kappa_reading,
    krippendorff_alpha,
    percent_agreement,
    two_by_two,
)


def units_from_rows(rows: list[str], missing: str) -> list[tuple[int | None, ...]]:
    """Coder rows as in the methods file -> one tuple of values per unit."""
    coded = [[None if value == missing else int(value) for value in row.split()] for row in rows]
    return list(zip(*coded, strict=True))


def coder(name, reviewed, coded) -> CoderCodings:
    return CoderCodings(name, frozenset(reviewed), frozenset(coded))


# --- test vectors -----------------------------------------------------------------------

K1 = units_from_rows(
    [
        "1 2 3 3 2 1 4 1 2 . . .",
        "1 2 3 3 2 2 4 1 2 5 . 3",
        ". 3 3 3 2 3 4 2 2 5 1 .",
        "1 2 3 3 2 4 4 1 2 5 1 .",
    ],
    missing=".",
)


@pytest.mark.parametrize(
    ("metric", "alpha"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_k1_krippendorff_2011(metric, alpha):
    assert round(krippendorff_alpha(K1, metric), 3) == alpha


def test_k2_two_binary_coders():
    units = units_from_rows(["0 1 0 0 0 0 0 0 1 0", "1 1 1 0 0 1 0 0 0 0"], missing=".")
    assert round(krippendorff_alpha(units), 3) == 0.095
    assert percent_agreement(units) == 0.6


def test_k3_three_coders_with_missing_values():
    units = units_from_rows(
        [
            "* * * * * 3 4 1 2 1 1 3 3 * 3",
            "1 * 2 1 3 3 4 3 * * * * * * *",
            "* * 2 1 3 4 4 * 2 1 1 3 3 * 4",
        ],
        missing="*",
    )
    assert round(krippendorff_alpha(units, "nominal"), 6) == 0.691358
    assert round(krippendorff_alpha(units, "interval"), 6) == 0.810845


def test_c1_cohen_two_by_two():
    result = cohen_kappa([[20, 5], [10, 15]])
    assert (result.p_o, result.p_e, result.kappa) == (0.7, 0.5, pytest.approx(0.4))
    assert result.note is None


def test_c2_cohen_three_categories():
    assert round(cohen_kappa([[0, 4, 1], [0, 8, 0], [0, 1, 5]]).kappa, 4) == 0.4842


def test_c3_prevalence_and_bias():
    result = two_by_two(3, 0, 1, 0)
    assert result == {
        "percent": 0.75,
        "kappa": 0.0,
        "pabak": 0.5,
        "prevalence_index": 0.75,
        "bias_index": 0.25,
    }


@pytest.mark.parametrize(("only_first", "kappa"), [(75, 0.3143), (150, 0.3478)])
def test_n1_character_level_comparison(only_first, kappa):
    # 1,000 characters as units: 50 coded by both, 150 by one coder only, 800 by neither
    units = [(f"char{i}", "T") for i in range(1000)]
    first = {f"char{i}" for i in range(50 + only_first)}
    second = {f"char{i}" for i in range(50)} | {f"char{i}" for i in range(50 + only_first, 200)}
    result = agreement(
        [
            coder("A", {"T"}, {(unit, "x") for unit in first}),
            coder("B", {"T"}, {(unit, "x") for unit in second}),
        ],
        units,
        ["x"],
    )
    (concept,) = result.codes
    assert (concept.units, concept.percent, round(concept.kappa, 4)) == (1000, 0.85, kappa)
    assert concept.pabak == pytest.approx(0.7)  # high raw agreement, low kappa: rare code
    assert concept.disagreements == 150
    assert round(two_by_two(50, only_first, 150 - only_first, 800)["kappa"], 4) == kappa


# --- edge cases -------------------------------------------------------------------------


def test_kappa_is_undefined_when_both_coders_use_one_category():
    result = cohen_kappa([[5, 0], [0, 0]])
    assert (result.p_o, result.p_e, result.kappa) == (1.0, 1.0, None)
    assert "p_e = 1" in result.note


def test_cohen_kappa_rejects_bad_tables():
    with pytest.raises(ValueError, match="square"):
        cohen_kappa([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="at least one unit"):
        cohen_kappa([[0, 0], [0, 0]])


def test_alpha_is_undefined_without_variation_or_pairable_values():
    assert krippendorff_alpha([(1, 1), (1, 1, None)]) is None  # every value the same
    assert krippendorff_alpha([(1, None), (None, 2)]) is None  # no unit with two values
    assert krippendorff_alpha([]) is None
    assert percent_agreement([(1, None)]) is None


def test_alpha_rejects_unknown_metrics_and_negative_ratios():
    with pytest.raises(ValueError, match="unknown metric"):
        krippendorff_alpha(K1, "cosine")
    with pytest.raises(ValueError, match=">= 0"):
        krippendorff_alpha([(-1, 2), (2, 2)], "ratio")


@pytest.mark.parametrize(
    ("alpha", "reading"),
    [(0.8, "reliable"), (0.799, "tentative"), (0.667, "tentative"), (0.5, "unreliable")],
)
def test_alpha_reading(alpha, reading):
    assert alpha_reading(alpha) == reading


@pytest.mark.parametrize(
    ("kappa", "band"),
    [
        (-0.1, "poor"),
        (0.0, "slight"),
        (0.2, "slight"),
        (0.4, "fair"),
        (0.55, "moderate"),
        (0.8, "substantial"),
        (0.81, "almost perfect"),
    ],
)
def test_kappa_reading_landis_koch(kappa, band):
    assert kappa_reading(kappa) == band
    assert kappa_reading(None) is None and alpha_reading(None) is None


# --- gioia's agreement on hand-computed studies -----------------------------------------

SIX_UNITS = [(f"u{i}", "t1") for i in range(1, 7)]


def test_two_coders_per_concept_and_pooled():
    a = coder("A", {"t1"}, {("u1", "c1"), ("u2", "c1"), ("u3", "c2")})
    b = coder("B", {"t1"}, {("u1", "c1"), ("u3", "c1"), ("u3", "c2")})
    result = agreement([a, b], SIX_UNITS, ["c1", "c2"])
    c1, c2 = result.codes
    # c1: A 1 1 0 0 0 0, B 1 0 1 0 0 0 -> a=1, b=1, c=1, d=3
    assert (c1.id, c1.units, c1.disagreements) == ("c1", 6, 2)
    assert c1.percent == pytest.approx(4 / 6)
    assert c1.kappa == pytest.approx(0.25)  # p_o 24/36, p_e 20/36
    assert c1.alpha == pytest.approx(1 - 11 * 4 / 64)  # n 12, o_cc 8, n_c 4 and 8
    assert (c1.pabak, c1.prevalence_index, c1.bias_index) == pytest.approx((1 / 3, 1 / 3, 0))
    assert (c2.percent, c2.kappa, c2.alpha, c2.disagreements) == (1, 1, 1, 0)
    # pooled over the 12 (unit, concept) pairs: a=2, b=1, c=1, d=8
    assert result.pooled.units == 12
    assert result.pooled.percent == pytest.approx(10 / 12)
    assert result.pooled.kappa == pytest.approx(30 / 54)
    assert result.pooled.alpha == pytest.approx(1 - 23 * 4 / 216)
    assert [(d.unit_id, d.code, dict(d.values)) for d in result.disagreements] == [
        ("u2", "c1", {"A": 1, "B": 0}),
        ("u3", "c1", {"A": 0, "B": 1}),
    ]
    assert result.level == "concept" and result.coders == ("A", "B")


def test_three_coders_one_of_whom_did_not_review_a_transcript():
    units = [("u1", "t1"), ("u2", "t1"), ("u3", "t2"), ("u4", "t2")]
    a = coder("A", {"t1", "t2"}, {("u1", "c"), ("u3", "c")})
    b = coder("B", {"t1", "t2"}, {("u1", "c"), ("u4", "c")})
    c = coder("C", {"t1"}, {("u1", "c"), ("u2", "c")})
    (concept,) = agreement([a, b, c], units, ["c"]).codes
    # values u1 1/1/1, u2 0/0/1, u3 1/0/-, u4 0/1/-: only u1 agrees
    assert (concept.units, concept.percent, concept.disagreements) == (4, 0.25, 3)
    assert concept.kappa is None and concept.pabak is None  # kappa: two coders only
    # o_11 3, o_00 1, o_01 = o_10 3; n 10, n_1 6, n_0 4
    assert concept.alpha == pytest.approx(1 - 9 * 6 / 48)
    result = agreement([a, b, c], units, ["c"])
    assert dict(result.disagreements[1].values) == {"A": 1, "B": 0}  # C has no value on u3


def test_a_transcript_only_one_coder_reviewed_is_left_out():
    units = [("u1", "t1"), ("u2", "t2")]
    a = coder("A", {"t1", "t2"}, {("u2", "c")})
    b = coder("B", {"t1"}, set())
    (concept,) = agreement([a, b], units, ["c"]).codes
    assert (concept.units, concept.percent, concept.disagreements) == (1, 1.0, 0)


def test_theme_level_counts_a_coding_for_its_theme():
    theme_of = {"c1": "T1", "c2": "T1", "c3": "T2"}
    a = coder("A", {"t1"}, {("u1", "c1"), ("u2", "c3")})
    b = coder("B", {"t1"}, {("u1", "c2"), ("u2", "c3"), ("u3", "c3")})
    units = SIX_UNITS[:3]
    concept_level = agreement([a, b], units, ["c1", "c2", "c3"])
    assert concept_level.codes[0].disagreements == 1  # c1 vs c2 on u1
    result = agreement([a, b], units, ["c1", "c2", "c3"], theme_of=theme_of)
    assert result.level == "theme"
    t1, t2 = result.codes
    assert (t1.id, t1.percent, t1.kappa, t1.alpha) == ("T1", 1, 1, 1)
    # T2: A 0 1 0, B 0 1 1
    assert (t2.id, t2.units, t2.disagreements) == ("T2", 3, 1)
    assert t2.percent == pytest.approx(2 / 3)
    assert t2.kappa == pytest.approx(0.4)
    assert t2.alpha == pytest.approx(1 - 5 * 2 / 18)


def test_disagreements_list_the_most_contested_code_first():
    units = SIX_UNITS[:3]
    a = coder("A", {"t1"}, {("u1", "few")})
    b = coder("B", {"t1"}, {("u1", "many"), ("u2", "many")})
    result = agreement([a, b], units, ["few", "many"])
    assert [(d.code, d.unit_id) for d in result.disagreements] == [
        ("many", "u1"),
        ("many", "u2"),
        ("few", "u1"),
    ]
    assert [code.id for code in result.codes] == ["few", "many"]  # table keeps the order


def test_agreement_needs_two_distinct_coders():
    with pytest.raises(ValueError, match="two coders"):
        agreement([coder("A", {"t1"}, set())], SIX_UNITS, ["c"])
    with pytest.raises(ValueError, match="distinct"):
        agreement([coder("A", {"t1"}, set()), coder("A", {"t1"}, set())], SIX_UNITS, ["c"])


def test_to_dict_has_the_results_json_shape():
    a = coder("A", {"t1"}, {("u1", "c1"), ("u2", "c1")})
    b = coder("B", {"t1"}, {("u1", "c1")})
    data = agreement([a, b], SIX_UNITS, ["c1", "c2"]).to_dict()
    json.dumps(data)
    assert data["coders"] == ["A", "B"]
    assert {"percent", "kappa", "alpha", "units"} <= set(data["pooled"])
    assert [concept["id"] for concept in data["concepts"]] == ["c1", "c2"]
    for concept in data["concepts"]:
        assert {"id", "percent", "kappa", "alpha", "units"} <= set(concept)
    c1, c2 = data["concepts"]
    assert (c1["percent"], c1["kappa"], c1["kappa_reading"]) == (0.833333, 0.571429, "moderate")
    assert (c2["percent"], c2["kappa"], c2["alpha"]) == (1.0, None, None)  # nobody coded c2
    assert data["disagreements"] == [
        {"unit": "u2", "transcript": "t1", "concept": "c1", "coders": {"A": 1, "B": 0}}
    ]


# --- the segments compared, and the gate's sentence -------------------------------------


def test_segments_are_the_units_at_least_two_coders_gave_a_value():
    units = [("u1", "t1"), ("u2", "t1"), ("u3", "t2"), ("u4", "t3"), ("u5", "t3")]
    a = coder("A", {"t1", "t3"}, {("u1", "c")})
    b = coder("B", {"t1", "t2"}, set())
    c = coder("C", {"t3"}, {("u4", "c")})
    result = agreement([a, b, c], units, ["c", "d"])
    # t1: A and B (u1, u2); t2: B alone (u3); t3: A and C (u4, u5) -> 4 segments, and
    # 4 x 2 (segment, code) pairs
    assert result.segments == 4
    assert result.pooled.units == 8
    assert result.to_dict()["segments"] == 4


K2_ROWS = ("0 1 0 0 0 0 0 0 1 0", "1 1 1 0 0 1 0 0 0 0")


def k2_result():
    """Vector K2 of methods/agreement.md as one code on ten segments of one transcript."""
    units = [(f"u{i}", "t1") for i in range(10)]
    a, b = (
        coder(name, {"t1"}, {(f"u{i}", "c") for i, v in enumerate(row.split()) if v == "1"})
        for name, row in zip(("hb", "ms"), K2_ROWS, strict=True)
    )
    return agreement([a, b], units, ["c"])


def test_the_gate_sentence_names_the_coders_and_the_segments():
    result = k2_result()
    assert result.pooled.alpha == pytest.approx(0.095, abs=5e-4)  # K2: alpha 0.095
    assert result.pooled.percent == pytest.approx(0.6)
    assert alpha_gate_failure(result.to_dict(), 0.8) == (
        "Krippendorff's alpha 0.095 between hb and ms on 10 segments is below the gate 0.8"
    )
    assert alpha_gate_failure(result.to_dict(), 0.09) is None  # 0.095 passes 0.09


def test_the_gate_sentence_never_rounds_alpha_up_to_the_gate():
    data = {"coders": ["a", "b", "c"], "segments": 1, "pooled": {"alpha": 0.79996, "units": 3}}
    assert alpha_gate_failure(data, 0.8) == (
        "Krippendorff's alpha 0.79996 between a, b and c on 1 segment is below the gate 0.8"
    )
    undefined = alpha_gate_failure(data | {"pooled": {"alpha": None, "units": 3}}, 0.5)
    assert undefined is not None
    assert undefined.startswith("Krippendorff's alpha between a, b and c on 1 segment is undefined")


@pytest.mark.parametrize(
    ("names", "joined"),
    [(["hb"], "hb"), (["hb", "ms"], "hb and ms"), (["hb", "jd", "ms"], "hb, jd and ms")],
)
def test_joined_names(names, joined):
    assert joined_names(names) == joined


# --- properties -------------------------------------------------------------------------

unit_values = st.lists(
    st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=3, max_size=3), max_size=15
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=2, max_size=20), st.integers(2, 4))
def test_identical_coders_agree_perfectly(values, coders):
    if len(set(values)) < 2:  # without variation alpha and kappa are undefined
        assert krippendorff_alpha([[v] * coders for v in values]) is None
        return
    units = [[value] * coders for value in values]
    for metric in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(units, metric) == 1
    categories = sorted(set(values))
    table = [[values.count(c) if c == k else 0 for k in categories] for c in categories]
    assert cohen_kappa(table).kappa == 1
    assert percent_agreement(units) == 1


@settings(max_examples=100, deadline=None)
@given(unit_values, st.data())
def test_alpha_does_not_depend_on_the_order_of_units(units, data):
    shuffled = data.draw(st.permutations(units))
    for metric in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(shuffled, metric) == krippendorff_alpha(units, metric)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.frozensets(st.sampled_from(["t1", "t2"])),
            st.frozensets(st.tuples(st.sampled_from("uvwxyz"), st.sampled_from("pq"))),
        ),
        min_size=2,
        max_size=3,
    )
)
def test_gioia_agreement_equals_the_coefficients_on_its_values(studies):
    units = [(unit, "t1" if unit < "x" else "t2") for unit in "uvwxyz"]
    coders = [coder(f"C{i}", reviewed, coded) for i, (reviewed, coded) in enumerate(studies)]
    result = agreement(coders, units, ["p", "q"])

    def values(concept):
        return [
            [
                1 if (unit, concept) in c.coded else 0 if transcript in c.reviewed else None
                for c in coders
            ]
            for unit, transcript in units
        ]

    checks = [
        (result.codes[0], values("p")),
        (result.codes[1], values("q")),
        (result.pooled, values("p") + values("q")),
    ]
    for code, matrix in checks:
        assert code.percent == percent_agreement(matrix)
        assert code.alpha == krippendorff_alpha(matrix)
        assert code.units == sum(sum(v is not None for v in unit) >= 2 for unit in matrix)
        if len(coders) == 2 and code.units:
            pairs = [tuple(unit) for unit in matrix if None not in unit]
            table = [[pairs.count((x, y)) for y in (1, 0)] for x in (1, 0)]
            assert code.kappa == cohen_kappa(table).kappa
