"""Saturation numbers against the test vectors of methods/saturation.md, plus properties
that must hold for any study."""

from __future__ import annotations

import json
import time
from collections import Counter
from fractions import Fraction
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gioia.saturation import (
    chao2,
    discovery_curve,
    expected_curve,
    francis,
    guest,
    order_robustness,
    saturation,
)

# T2 of saturation.md
T2 = [
    ("I1", frozenset("ABCDE")),
    ("I2", frozenset("ABFG")),
    ("I3", frozenset("ACH")),
    ("I4", frozenset("BDI")),
    ("I5", frozenset("AJ")),
    ("I6", frozenset("BC")),
    ("I7", frozenset("AD")),
    ("I8", frozenset("CKE")),
]

code_sets = st.frozensets(st.sampled_from("ABCDEFGH"), max_size=5)


def from_new_counts(new_counts: list[int]) -> list[tuple[str, frozenset[str]]]:
    """Interviews that add exactly ``new_counts`` new codes, each also repeating code 0
    once it exists (so that an interview adding nothing still has codes)."""
    interviews, next_code = [], 0
    for i, new in enumerate(new_counts, start=1):
        codes = {f"c{next_code + j}" for j in range(new)} | ({"c0"} if next_code else set())
        next_code += new
        interviews.append((f"P{i}", frozenset(codes)))
    return interviews


def brute_force_orders(interviews, base, run, threshold) -> Counter:
    """Guest points of every order, by running guest() on each one."""
    return Counter(
        guest([interviews[i] for i in order], base, run, threshold).point
        for order in permutations(range(len(interviews)))
    )


# --- T1 ---------------------------------------------------------------------------------


def test_t1_guest_reached_at_5_plus_2():
    result = guest(from_new_counts([4, 3, 2, 1, 1, 0, 0, 0]), base=4, run=2, threshold=0.05)
    assert result.base_codes == 10
    assert (result.point, result.label) == (5, "5+2")  # run 5-6 (0.10) fails, 6-7 passes
    assert result.reason == "interviews 6-7 added 0 new codes (0% of the 10 in the base of 4)"


def test_t1_never_saturating_study_is_not_reached():
    result = guest(from_new_counts([4] * 8), base=4, run=2, threshold=0.05)
    assert result.point is None and result.label is None
    assert "no run of 2 interviews" in result.reason
    assert "the fewest, interviews 5-6, added 8 new codes (50%)" in result.reason


def test_t1_two_interviews_are_not_assessable():
    result = guest(from_new_counts([4, 3]), base=4, run=2, threshold=0.05)
    assert result.point is None
    assert result.reason == "needs at least 4 + 2 = 6 interviews, has 2"


def test_guest_without_codes_in_the_base_is_not_assessable():
    interviews = [(f"P{i}", frozenset()) for i in range(4)] + from_new_counts([3, 0])
    result = guest(interviews, base=4, run=2, threshold=0.05)
    assert result.point is None and result.base_codes == 0
    assert "B = 0" in result.reason


def test_guest_threshold_is_inclusive_and_exact():
    interviews = from_new_counts([20, 1, 0, 1])  # run 2-3 adds 1 of 20 = exactly 0.05
    assert guest(interviews, base=1, run=2, threshold=0.05).label == "1+2"
    assert guest(interviews, base=1, run=2, threshold=0.049).point is None


# --- T2 ---------------------------------------------------------------------------------


def test_t2_discovery_curve():
    assert discovery_curve(T2) == ([5, 2, 1, 1, 1, 0, 0, 1], [5, 7, 8, 9, 10, 10, 10, 11])


def test_t2_guest():
    reached = guest(T2, base=4, run=2, threshold=0.05)
    assert (reached.base_codes, reached.label) == (9, "5+2")
    assert reached.reason.startswith(
        "interviews 6-7 added 0 new codes (0% of the 9 in the base of 4)"
    )
    # interview 8 still adds a code after the point, and the reason says so
    assert reached.reason.endswith("later interviews still added 1 new code")
    assert guest(T2, base=4, run=3, threshold=0.05).point is None
    assert guest(T2, base=4, run=2, threshold=0).label == "5+2"


def test_t2_francis():
    result = francis(T2, initial=4, stop=2)
    assert result.point == 7
    assert result.reason == "interviews 6-7 after the initial 4 added no new code"
    assert francis(T2).point is None  # 10+3 needs 13 interviews
    assert "needs at least 10 + 3 = 13" in francis(T2).reason


def test_francis_stopping_run_lies_after_the_initial_sample():
    # interviews 3-4 add nothing, but 3 belongs to the initial sample: the run is 4-5
    assert francis(from_new_counts([3, 1, 0, 0, 0]), initial=3, stop=2).point == 5
    assert francis(from_new_counts([3, 1, 0, 0, 1]), initial=3, stop=2).point is None


def test_t2_expected_curve():
    expected = [3.0, 5.071429, 6.553571, 7.685714, 8.625, 9.464286, 10.25, 11.0]
    assert [round(value, 6) for value in expected_curve(T2)] == expected


def test_t2_every_order_counted_exactly():
    orders = order_robustness(T2, base=4, run=2, threshold=0.05)
    assert (orders.method, orders.count, orders.seed) == ("exact", 40320, None)
    assert orders.reached == 9456
    assert round(orders.reached_fraction, 6) == 0.234524
    assert orders.point_distribution == {4: 2688, 5: 3168, 6: 3600}
    assert orders.median_point == 5
    assert round(orders.mean_point, 6) == 5.096447


def test_t2_exact_counts_match_running_guest_on_every_order():
    counts = brute_force_orders(T2, 4, 2, 0.05)
    assert counts[None] == 40320 - 9456
    assert {p: n for p, n in counts.items() if p is not None} == {4: 2688, 5: 3168, 6: 3600}


def test_monte_carlo_is_seeded_and_close_to_exact():
    first = order_robustness(T2, 4, 2, 0.05, permutations=10000, seed=7, exact_max=0)
    again = order_robustness(T2, 4, 2, 0.05, permutations=10000, seed=7, exact_max=0)
    assert first == again
    assert (first.method, first.count, first.seed) == ("monte-carlo", 10000, 7)
    assert first.reached_fraction == pytest.approx(0.234524, abs=0.02)
    assert set(first.point_distribution) <= {4, 5, 6}


def test_exact_enumeration_of_nine_interviews_is_fast():
    nine = [*T2, ("I9", frozenset("AL"))]
    started = time.perf_counter()
    orders = order_robustness(nine, base=4, run=2, threshold=0.05)
    assert time.perf_counter() - started < 2
    assert (orders.method, orders.count) == ("exact", 362880)


def test_orders_are_not_assessable_with_too_few_interviews():
    orders = order_robustness(T2[:5], base=4, run=2, threshold=0.05)
    assert (orders.count, orders.reached, orders.reached_fraction) == (0, 0, None)
    assert orders.median_point is None and orders.mean_point is None


def test_t2_chao2_and_coverage():
    result = chao2(T2)
    assert (result.t, result.s_obs, result.q1, result.q2, result.u) == (8, 11, 6, 1, 24)
    assert result.chao2 == 26.75
    assert result.chao2_bias_corrected == 17.5625
    assert round(result.coverage, 6) == 0.761364


def test_chao2_edge_cases():
    # T = 2, S_obs = 3, Q1 = 3, Q2 = 0, U = 3
    no_doubletons = chao2([("P1", frozenset("AB")), ("P2", frozenset("C"))])
    assert no_doubletons.chao2 is None  # Q2 = 0: only the bias-corrected form exists
    assert no_doubletons.chao2_bias_corrected == 3 + (1 / 2) * 3 * 2 / (2 * 1)  # 4.5
    assert no_doubletons.coverage == 1 - (3 / 3) * (1 * 2) / (1 * 2 + 2)  # 0.5
    everywhere = chao2([(f"P{i}", frozenset("AB")) for i in range(3)])  # Q1 = Q2 = 0
    assert (everywhere.chao2, everywhere.chao2_bias_corrected, everywhere.coverage) == (
        None,
        2,
        1,
    )
    nothing = chao2([("P1", frozenset())])
    assert (nothing.s_obs, nothing.coverage) == (0, None)
    assert chao2([]).chao2_bias_corrected is None


def test_saturation_to_dict_has_the_results_json_shape():
    result = saturation(T2, francis_initial=4, francis_stop=2)
    data = result.to_dict("concept")
    json.dumps(data)  # serialisable as it is
    assert {
        "level",
        "order",
        "new_per_interview",
        "cumulative",
        "guest",
        "francis",
        "expected_curve",
        "orders",
        "chao2",
        "chao2_bias_corrected",
        "coverage",
    } <= set(data)
    assert data["level"] == "concept" and data["kind"] == "code saturation"
    assert data["order"] == ["I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8"]
    assert {"base", "run", "threshold", "point", "label", "reason"} <= set(data["guest"])
    assert data["guest"]["label"] == "5+2"
    assert {"initial", "stop", "point"} <= set(data["francis"]) and data["francis"]["point"] == 7
    assert data["expected_curve"][1] == 5.071429
    assert {"method", "count", "seed", "reached_fraction"} <= set(data["orders"])
    assert data["orders"]["reached_fraction"] == 0.234524
    assert data["orders"]["point_distribution"] == {"4": 2688, "5": 3168, "6": 3600}
    assert (data["chao2"], data["chao2_bias_corrected"], data["coverage"]) == (
        26.75,
        17.5625,
        0.761364,
    )


# --- properties -------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(code_sets, min_size=1, max_size=6))
def test_expected_curve_is_the_average_over_all_orders(code_lists):
    interviews = [(f"P{i}", codes) for i, codes in enumerate(code_lists)]
    orders = list(permutations(interviews))
    totals = [0] * len(interviews)
    for order in orders:
        totals = [t + c for t, c in zip(totals, discovery_curve(order)[1], strict=True)]
    assert expected_curve(interviews) == pytest.approx([t / len(orders) for t in totals])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(code_sets, max_size=12),
    st.integers(0, 5),
    st.integers(1, 3),
    st.sampled_from([0, 0.05, 0.1, 0.25, 0.5]),
)
def test_guest_point_never_precedes_the_base(code_lists, base, run, threshold):
    interviews = [(f"P{i}", codes) for i, codes in enumerate(code_lists)]
    result = guest(interviews, base, run, threshold)
    # Found where, and only where, a direct reading of the criterion finds it: a guest
    # that never finds a point fails on every input that has one.
    assert result.point == guest_by_definition(interviews, base, run, threshold)
    if result.point is None:
        assert result.label is None and result.reason
    else:
        assert base <= result.point <= len(interviews) - run
        assert result.label == f"{result.point}+{run}"


def guest_by_definition(interviews, base, run, threshold):
    """Guest, Namey & Chen's point read off the definition with exact fractions: p = s - 1
    for the first run start s > base whose ``run`` interviews add at most ``threshold`` of
    the codes of the first ``base`` interviews."""
    base_codes = set().union(*(set(codes) for _, codes in interviews[:base]))
    if len(interviews) < base + run or not base_codes:
        return None
    seen: set[str] = set()
    new = []
    for _, codes in interviews:
        new.append(len(set(codes) - seen))
        seen |= set(codes)
    for start in range(base + 1, len(interviews) - run + 2):
        added = sum(new[start - 1 : start - 1 + run])
        if Fraction(added, len(base_codes)) <= Fraction(str(threshold)):
            return start - 1
    return None


@settings(max_examples=100, deadline=None)
@given(
    st.lists(code_sets, min_size=1, max_size=6),
    st.integers(0, 3),
    st.integers(1, 2),
    st.sampled_from([0, 0.1, 0.34, 0.5]),
)
def test_exact_order_counts_equal_brute_force(code_lists, base, run, threshold):
    interviews = [(f"P{i}", codes) for i, codes in enumerate(code_lists)]
    orders = order_robustness(interviews, base, run, threshold)
    if len(interviews) < base + run:
        assert orders.count == 0
        return
    counts = brute_force_orders(interviews, base, run, threshold)
    assert orders.count == sum(counts.values())
    assert orders.reached == orders.count - counts[None]
    assert orders.point_distribution == {p: n for p, n in counts.items() if p is not None}
