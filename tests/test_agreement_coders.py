"""Which coders' agreement is reported and gated: those named in gioia.yaml (settings:
coders:) or with --coders, never picked from the journals found; the gate and the report
name the coders and the segments compared.

The study is test_gates' ``two_coders``: ms and jd both coded P1 and P2 (4 segments), with
hand-computed pooled alpha 0.489 (alpha 0.488889) over 12 (segment, concept) units."""

from __future__ import annotations

import json

import pytest
from test_gates import A, B, code, invoke, two_coders  # noqa: F401 (a fixture)

ALPHA = 0.488889  # hand-computed in test_gates.test_agreement_matches_hand_computation


def settings(study, text):
    (study / "gioia.yaml").write_text(f"settings:\n{text}", encoding="utf-8")


def results(study):
    return json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))


def report_md(study):
    return (study / "report" / "report.md").read_text(encoding="utf-8")


@pytest.fixture
def three_journals(two_coders):  # noqa: F811
    """ms and jd, and xx with a single decision (a coder who barely started)."""
    code(two_coders, "xx", "P1", B, "venting")
    return two_coders


# --- gioia agreement ------------------------------------------------------------------


def test_agreement_uses_the_coders_gioia_yaml_names_without_coders_option(three_journals):
    settings(three_journals, "  coders: [ms, jd]\n")
    result = invoke("agreement", three_journals, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["coders"] == ["jd", "ms"]  # not xx, though xx has a journal
    assert data["segments"] == 4
    assert data["pooled"]["units"] == 12
    assert data["pooled"]["alpha"] == pytest.approx(ALPHA, abs=1e-6)


def test_the_command_line_wins_over_gioia_yaml(three_journals):
    settings(three_journals, "  coders: [ms, jd]\n")
    data = json.loads(invoke("agreement", three_journals, "--coders", "ms,xx", "--json").stdout)
    assert data["coders"] == ["ms", "xx"]
    # xx coded only P1 (3 segments); ms coded P1 too
    assert data["segments"] == 3


@pytest.mark.parametrize("coders", ["ms", "ms,ms", " ms , ", ","])
def test_one_coder_on_the_command_line_is_a_usage_error(two_coders, coders):  # noqa: F811
    result = invoke("agreement", two_coders, "--coders", coders)
    assert result.exit_code == 2, result.output
    assert "two or more coders" in result.output


def test_one_coder_named_in_gioia_yaml_is_a_usage_error(two_coders):  # noqa: F811
    settings(two_coders, "  coders: [ms]\n")
    result = invoke("agreement", two_coders)
    assert result.exit_code == 2, result.output
    assert "gioia.yaml names only ms" in result.output


def test_no_coders_named_is_a_usage_error_that_says_how_to_name_them(three_journals):
    result = invoke("agreement", three_journals)
    assert result.exit_code == 2, result.output
    assert "no coders are named" in result.output
    assert "settings: coders:" in result.output
    assert "jd, ms, xx" in result.output  # the coders with journals, to choose from


def test_a_named_coder_without_a_journal_is_an_error_naming_the_file(two_coders):  # noqa: F811
    settings(two_coders, "  coders: [ms, hb]\n")
    result = invoke("agreement", two_coders)
    assert result.exit_code == 1, result.output
    assert "no journal for hb" in result.stderr
    assert "hb.jsonl" in result.stderr


def test_the_auto_journal_is_not_a_coder_gioia_yaml_names_for_agreement(two_coders):  # noqa: F811
    code(two_coders, "auto", "P1", A, "venting")
    settings(two_coders, "  coders: [ms, jd, auto]\n")
    data = json.loads(invoke("agreement", two_coders, "--json").stdout)
    assert data["coders"] == ["jd", "ms"]


# --- the report and the gate of gioia run ----------------------------------------------


def test_report_computes_agreement_between_the_named_coders_only(three_journals):
    settings(three_journals, "  coders: [ms, jd]\n")
    result = invoke("report", three_journals)
    assert result.exit_code == 0, result.output
    agreement = results(three_journals)["agreement"]
    assert agreement["coders"] == ["jd", "ms"]
    assert agreement["segments"] == 4
    assert agreement["pooled"]["alpha"] == pytest.approx(ALPHA, abs=1e-6)
    assert results(three_journals)["agreement_not_computed"] is None
    text = report_md(three_journals)
    assert "Intercoder agreement between jd and ms, the coders named in gioia.yaml" in text
    assert "on 4 segments in transcripts both coded (12 units of segment × concept)" in text
    # alpha 0.489 is below 0.667: a limitation, naming the coders and segments again
    assert (
        "Intercoder agreement was low: Krippendorff's alpha 0.489 between jd and ms on "
        "4 segments." in text
    )


def test_report_does_not_pick_coders_when_none_are_named(three_journals):
    result = invoke("report", three_journals)
    assert result.exit_code == 0, result.output
    data = results(three_journals)
    assert data["agreement"] is None
    reason = data["agreement_not_computed"]
    assert reason.startswith("no coders are named, and gioia does not pick them")
    assert "3 coders have journals (jd, ms, xx)" in reason
    assert "Intercoder agreement was not computed: no coders are named" in report_md(three_journals)
    html = (three_journals / "report" / "report.html").read_text(encoding="utf-8")
    assert "Intercoder agreement was not computed: no coders are named" in html


def test_run_gate_fails_when_no_coders_are_named_and_says_why(two_coders):  # noqa: F811
    settings(two_coders, "  gates: {min_alpha: 0.4}\n")  # 0.489 would pass if computed
    result = invoke("run", two_coders)
    assert result.exit_code == 3, result.output
    assert "was not computed: no coders are named" in result.stderr


def test_run_gate_names_the_coders_and_segments(three_journals):
    settings(three_journals, "  coders: [ms, jd]\n  gates: {min_alpha: 0.8}\n")
    result = invoke("run", three_journals)
    assert result.exit_code == 3, result.output
    assert (
        "gate failed: Krippendorff's alpha 0.489 between jd and ms on 4 segments is below "
        "the gate 0.8" in result.stderr
    )


def test_a_named_coder_without_a_journal_is_named_in_report_and_gate(two_coders):  # noqa: F811
    settings(two_coders, "  coders: [ms, hb]\n  gates: {min_alpha: 0.1}\n")
    result = invoke("run", two_coders)
    assert result.exit_code == 3, result.output
    assert "coder 'hb' is named in gioia.yaml (settings: coders:) but has no journal" in (
        result.stderr
    )
    assert "hb, named in gioia.yaml, has no journal" in result.stderr  # the gate's reason
    reason = results(two_coders)["agreement_not_computed"]
    assert reason.startswith("hb, named in gioia.yaml, has no journal (")
    assert reason.endswith("hb.jsonl)")


def test_one_coder_named_in_gioia_yaml_is_said_in_the_report(two_coders):  # noqa: F811
    settings(two_coders, "  coders: [ms]\n")
    assert invoke("report", two_coders).exit_code == 0
    assert results(two_coders)["agreement_not_computed"] == (
        "gioia.yaml names one coder (ms) under settings: coders:, and agreement needs two"
    )


def test_the_auto_journal_beside_one_coder_is_not_a_second_coder(two_coders):  # noqa: F811
    (two_coders / "codings" / "jd.jsonl").unlink()
    code(two_coders, "auto", "P1", A, "venting")
    assert invoke("report", two_coders).exit_code == 0
    data = results(two_coders)
    assert data["agreement"] is None
    assert data["agreement_not_computed"] == (
        "one coder (ms) besides the auto journal of automatic acceptances, which is not a coder"
    )
    assert "Intercoder agreement was not computed: one coder (ms) besides the auto" in (
        report_md(two_coders)
    )
