"""The ranker's evaluation and the choice of a threshold for a target precision
(gioia.assist.ranker), with hand-computed cases."""

from __future__ import annotations

import pytest

from gioia.assist.ranker import Evaluation, ThresholdRow, _threshold_rows, wilson_interval


def row(threshold: float, suggested: int, right: int, accepted: int = 100) -> ThresholdRow:
    return ThresholdRow(threshold, suggested, right, right / suggested, right / accepted)


def evaluation(*rows: ThresholdRow) -> Evaluation:
    return Evaluation("ms", 500, 6, 5, 3000, 100, rows)


def test_wilson_interval_published_values():
    """Newcombe (1998), Table I: 81 of 263 gives 0.2553-0.3662; 15 of 148, 0.0624-0.1605."""
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_a_precision_is_measured_only_within_a_tenth():
    """5 of 6 (0.83) spans 0.44-0.97; 80 of 100 spans 0.71-0.87, within ±0.1."""
    assert not row(0.9, 6, 5).measured
    assert row(0.5, 100, 80).measured


def test_the_lowest_threshold_from_which_precision_stays_at_the_target():
    rows = (
        row(0.1, 400, 200),  # 0.50
        row(0.2, 300, 210),  # 0.70
        row(0.3, 200, 170),  # 0.85
        row(0.4, 150, 123),  # 0.82
        row(0.5, 100, 90),  # 0.90
        row(0.6, 4, 1),  # 0.25, but 4 pairs measure nothing
    )
    assert evaluation(*rows).threshold_for(0.8).threshold == 0.3
    assert evaluation(*rows).threshold_for(0.6).threshold == 0.2
    assert evaluation(*rows).threshold_for(0.95) is None
    dip = (*rows[:3], row(0.4, 150, 114), *rows[4:])  # 0.76 at 0.4: a dip above decides
    assert evaluation(*dip).threshold_for(0.8).threshold == 0.5


def test_no_threshold_from_a_refused_evaluation():
    refused = Evaluation("ms", 3, 1, 0, 0, 0, (), "decisions in one interview only")
    assert refused.threshold_for(0.1) is None


def test_threshold_rows_count_pairs_at_or_above_each_threshold():
    """Four pairs scored 0.9, 0.6, 0.3, 0.02, the first and third accepted."""
    import numpy as np

    rows = {
        r.threshold: r
        for r in _threshold_rows(np.array([0.9, 0.6, 0.3, 0.02]), np.array([1, 0, 1, 0]))
    }
    assert (rows[0.3].suggested, rows[0.3].right, rows[0.3].precision, rows[0.3].recall) == (
        3,
        2,
        pytest.approx(2 / 3, abs=1e-4),
        1.0,
    )
    assert (rows[0.61].suggested, rows[0.61].precision, rows[0.61].recall) == (1, 1.0, 0.5)
    assert (rows[0.95].suggested, rows[0.95].precision) == (0, None)


def test_an_evaluation_survives_its_record():
    made = evaluation(row(0.1, 400, 200), row(0.2, 300, 210))
    assert Evaluation.from_dict(made.to_dict()) == made
