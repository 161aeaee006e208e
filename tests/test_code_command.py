"""`gioia code`: the same coding twice is recorded once; a near-miss concept id gets a
"did you mean"."""

from __future__ import annotations

import json

from test_review import invoke, journal, make_study

from gioia.pipeline.coding import closest_name


def code(study, quote="go home and rant", concept="venting", *extra):
    return invoke(
        "code", study, "--coder", "ms", "--transcript", "P1", "--quote", quote,
        "--concept", concept, *extra,
    )  # fmt: skip


def test_a_second_identical_code_appends_nothing_and_says_so(tmp_path):
    study = make_study(tmp_path)
    first = code(study)
    assert first.exit_code == 0, first.output
    assert "coded P1" in first.stderr
    again = code(study, "go home  and rant")  # the same span, whitespace aside
    assert again.exit_code == 0, again.output
    assert "already coded" in again.stderr and "nothing appended" in again.stderr
    assert len(journal(study)) == 1


def test_the_json_says_whether_it_was_appended(tmp_path):
    study = make_study(tmp_path)
    assert json.loads(code(study, "go home and rant", "venting", "--json").stdout)["appended"]
    assert not json.loads(code(study, "go home and rant", "venting", "--json").stdout)["appended"]


def test_a_different_concept_memo_or_power_flag_is_a_new_decision(tmp_path):
    study = make_study(tmp_path)
    code(study)
    code(study, "go home and rant", "coffee-room")
    code(study, "go home and rant", "venting", "--memo", "at home")
    code(study, "go home and rant", "venting", "--memo", "at home", "--power")
    code(study, "go home and rant", "venting", "--memo", "at home", "--power")
    lines = journal(study)
    assert [(x["concept"], x["memo"], x["flags"]) for x in lines] == [
        ("venting", "", []),
        ("coffee-room", "", []),
        ("venting", "at home", []),
        ("venting", "at home", ["power"]),
    ]


def test_coding_again_after_a_reject_is_appended(tmp_path):
    """The latest line decides: after an undo (a reject) the same accept is new."""
    study = make_study(tmp_path)
    code(study)
    [line] = journal(study)
    undone = {**line, "decision": "reject", "flags": ["undo"], "memo": "undo"}
    with (study / "codings" / "ms.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(undone) + "\n")
    assert "coded P1" in code(study).stderr
    assert len(journal(study)) == 3


def test_unknown_concept_suggests_the_id_that_contains_it(tmp_path):
    study = make_study(tmp_path)
    codebook = study / "codebook.yaml"
    codebook.write_text(
        codebook.read_text(encoding="utf-8")
        + "          - id: professional-isolation\n"
        + "            label: Working alone\n",
        encoding="utf-8",
    )
    result = code(study, "go home and rant", "isolation")
    assert result.exit_code == 1
    assert "no concept 'isolation'" in result.stderr
    assert "did you mean 'professional-isolation'?" in result.stderr
    assert journal(study) == []


def test_closest_name():
    known = ["professional-isolation", "venting", "coffee-room"]
    assert closest_name("ventng", known) == "venting"
    assert closest_name("isolation", known) == "professional-isolation"
    assert closest_name("coffee", known) == "coffee-room"
    assert closest_name("zzzz", known) is None
