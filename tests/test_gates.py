"""`gioia saturation`, `gioia agreement` and the quality gates of `gioia run` (exit 3)."""

from __future__ import annotations

import json

import pytest
from test_review import code_by_quote, make_study
from typer.testing import CliRunner

from gioia.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "100"})


def code(study, coder, transcript, quote, concept):
    result = code_by_quote(study, transcript, quote, concept, coder=coder)
    assert result.exit_code == 0, result.output


A = "I rant in the coffee room most days."
B = "I ask for a second opinion from a partner."
C = "Then I go home and rant at the cat."
D = "We rant, mostly, and I ask a second opinion."


@pytest.fixture
def two_coders(tmp_path):
    study = make_study(tmp_path)
    for transcript, quote, concept in [
        ("P1", A, "venting"),
        ("P1", A, "coffee-room"),
        ("P1", B, "second-opinion"),
        ("P1", C, "venting"),
        ("P2", D, "venting"),
    ]:
        code(study, "ms", transcript, quote, concept)
    for transcript, quote, concept in [
        ("P1", A, "venting"),
        ("P1", B, "second-opinion"),
        ("P1", C, "second-opinion"),
        ("P2", D, "venting"),
    ]:
        code(study, "jd", transcript, quote, concept)
    return study


def test_agreement_matches_hand_computation(two_coders):
    result = invoke("agreement", two_coders, "--coders", "ms,jd", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    pooled = data["pooled"]
    # 4 segments x 3 concepts: both 1 on 3, ms only on 2, jd only on 1, neither on 6.
    assert pooled["units"] == 12
    assert pooled["percent"] == pytest.approx(0.75)
    # p_e = 5/12 * 4/12 + 7/12 * 8/12 = 76/144; kappa = (0.75 - 76/144) / (1 - 76/144)
    assert pooled["kappa"] == pytest.approx(0.470588, abs=1e-6)
    # coincidences o11 = 6, o00 = 12, o01 = o10 = 3; n = 24: 1 - 23 * 6 / (576 - 81 - 225)
    assert pooled["alpha"] == pytest.approx(0.488889, abs=1e-6)
    by_concept = {row["id"]: row for row in data["concepts"]}
    assert by_concept["venting"]["percent"] == pytest.approx(0.75)
    assert by_concept["coffee-room"]["units"] == 4


def test_agreement_table_disagreements_and_gate(two_coders):
    result = invoke(
        "agreement", two_coders, "--coders", "ms,jd", "--disagreements", "--min-alpha", "0.8"
    )
    assert result.exit_code == 3
    # names the coders and the units compared: both coders reviewed P1 and P2, 4 segments
    assert (
        "gate failed: Krippendorff's alpha 0.489 between jd and ms on 4 segments is below "
        "the gate 0.8" in result.stderr
    )
    assert "pooled" in result.stdout
    assert "Then I go home and rant at the cat." in result.stdout


def test_agreement_at_theme_level(two_coders):
    data = json.loads(
        invoke("agreement", two_coders, "--coders", "ms,jd", "--level", "theme", "--json").stdout
    )
    assert data["level"] == "theme"
    # emotional (venting, coffee-room): ms [1,0,1,1], jd [1,0,0,1]; advice: ms [0,1,0,0],
    # jd [0,1,1,0]: 6 of 8 (segment, theme) pairs agree
    assert data["pooled"]["units"] == 8
    assert data["pooled"]["percent"] == pytest.approx(0.75)


def test_agreement_needs_two_coders_with_journals(two_coders):
    result = invoke("agreement", two_coders, "--coders", "ms,nobody")
    assert result.exit_code == 1
    assert "no journal for nobody" in result.stderr
    assert "nobody.jsonl" in result.stderr  # the file it looked for


def test_saturation_not_assessable_with_two_interviews_and_require_exits_3(two_coders):
    result = invoke("saturation", two_coders, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["order"] == ["P1", "P2"]
    assert data["new_per_interview"] == [3, 0]
    assert data["guest"]["point"] is None
    required = invoke("saturation", two_coders, "--require")
    assert required.exit_code == 3
    assert "saturation not reached" in required.stderr
    assert "Guest et al. 2020" in required.stdout


def test_run_fails_its_gates_with_exit_3(two_coders):
    (two_coders / "gioia.yaml").write_text(
        "settings:\n  coders: [ms, jd]\n  gates: {saturation_required: true, min_alpha: 0.8}\n",
        encoding="utf-8",
    )
    result = invoke("run", two_coders)
    assert result.exit_code == 3
    assert "gate failed: saturation required but not reached" in result.stderr
    assert (
        "gate failed: Krippendorff's alpha 0.489 between jd and ms on 4 segments is below "
        "the gate 0.8" in result.stderr
    )
    # the report is still written, so the failure can be read
    results = json.loads((two_coders / "report" / "results.json").read_text())
    assert results["agreement"]["coders"] == ["jd", "ms"]


def test_run_passes_when_gates_are_met(two_coders):
    (two_coders / "gioia.yaml").write_text(
        "settings:\n  coders: [ms, jd]\n  gates: {min_alpha: 0.4}\n", encoding="utf-8"
    )
    result = invoke("run", two_coders)
    assert result.exit_code == 0, result.output
    assert "gate failed" not in result.output
    # The measured value the gate passed on: alpha 0.489 (hand-computed above) >= 0.4.
    results = json.loads((two_coders / "report" / "results.json").read_text(encoding="utf-8"))
    assert results["agreement"]["pooled"]["alpha"] == pytest.approx(0.488889, abs=1e-6)
    # The same study fails the gate just above the measured value.
    (two_coders / "gioia.yaml").write_text(
        "settings:\n  coders: [ms, jd]\n  gates: {min_alpha: 0.49}\n", encoding="utf-8"
    )
    failed = invoke("run", two_coders)
    assert failed.exit_code == 3
    assert "alpha 0.489 between jd and ms on 4 segments is below the gate 0.49" in failed.stderr
