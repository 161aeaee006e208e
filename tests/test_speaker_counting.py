"""Whose talk a coding is: overlap, not start, and one rule for unmapped speakers.

A focus group with three speakers, one of them misspelt (``Ana`` for ``Anna``) so that
participants.csv maps no one to it. Journal lines are written as an import writes them
(placed by quote), the way qc and other tools select whole lines, labels included.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from test_cli import CODEBOOK  # venting (rant, offload) and the coffee room
from typer.testing import CliRunner

from gioia.cli import app

runner = CliRunner()

GROUP = textwrap.dedent("""\
    Interviewer: How do you cope after a hard day?

    Anna: Mostly I go to the coffee room with a colleague.

    Ben: We offload over coffee, all of us.

    Ana: And I rant at my dog on the walk home.
    """)

PARTICIPANTS = "id,transcript,speaker\nA1,group,Anna\nB1,group,Ben\n"


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "200"})


def line(concept: str, quote: str) -> str:
    return json.dumps(
        {
            "transcript": "group",
            "start": -1,
            "end": -1,
            "concept": concept,
            "decision": "accept",
            "coder": "hb",
            "source": "import",
            "quote": quote,
            "at": "2026-12-01T10:00:00Z",
        }
    )


@pytest.fixture
def study(tmp_path) -> Path:
    root = tmp_path / "study"
    (root / "transcripts").mkdir(parents=True)
    (root / "codings").mkdir()
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (root / "transcripts" / "group.txt").write_text(GROUP, encoding="utf-8")
    lines = [
        # Begins on Anna's label, as a whole-line selection does.
        line("coffee-room", "Anna: Mostly I go to the coffee room"),
        # Runs from Anna's turn over Ben's label into his talk: both express it.
        line("venting", "with a colleague. Ben: We offload over coffee"),
        # Only the interviewer's question: counts for nobody.
        line("venting", "How do you cope after a hard day?"),
        # The misspelt speaker's talk: counts for nobody until Ana is mapped.
        line("venting", "And I rant at my dog"),
    ]
    (root / "codings" / "hb.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def nodes(study: Path) -> dict[str, tuple[list[str], int]]:
    result = invoke("structure", study, "--json")
    assert result.exit_code == 0, result.output
    return {n["id"]: (n["participants"], n["segments"]) for n in json.loads(result.stdout)["nodes"]}


def test_a_coding_counts_for_every_participant_whose_talk_it_overlaps(study):
    counted = nodes(study)
    assert counted["coffee-room"] == (["A1"], 1)
    # Three venting codings are counted segments; only one lies in participants' talk.
    assert counted["venting"] == (["A1", "B1"], 3)
    assert counted["emotional"] == (["A1", "B1"], 4)


def test_check_names_codings_that_count_for_no_participant_and_the_misspelt_speaker(study):
    result = invoke("check", study)
    assert result.exit_code == 0, result.output
    output = " ".join(result.stderr.split())
    assert (
        "2 counted coding(s) in group overlap no participant's talk (only interviewer talk, "
        "speaker labels, or an unmapped speaker), so they count for no participant: venting"
    ) in output
    assert "speaker 'Ana'" in output and "did you mean 'Anna'?" in output
    assert "4 counted codings, 2 warning(s)" in output


def test_the_report_lists_codings_that_count_for_no_participant(study):
    assert invoke("report", study).exit_code == 0
    results = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
    unattributed = results["codings"]["unattributed"]
    assert [(c["concept"], c["quote"]) for c in unattributed] == [
        ("venting", "How do you cope after a hard day?"),
        ("venting", "And I rant at my dog"),
    ]
    assert {"kind": "unattributed-codings", "count": 2} in results["limitations"]
    assert "## Codings that count for no participant" in (study / "report" / "report.md").read_text(
        encoding="utf-8"
    )


def test_every_command_leaves_an_unmapped_speakers_talk_alone(study):
    (study / "codings" / "hb.jsonl").unlink()
    assert invoke("suggest", study).exit_code == 0
    suggestions = [
        json.loads(row) for row in (study / ".gioia" / "suggestions.jsonl").read_text().splitlines()
    ]
    text = (study / ".gioia" / "text" / "group.txt").read_text(encoding="utf-8")
    ana = text.index("And I rant")
    # Positive control: "offload" in Ben's talk is found; "rant" in Ana's is not.
    assert [(s["concept"], text[s["start"] : s["end"]].split()[0]) for s in suggestions] == [
        ("coffee-room", "Mostly"),
        ("venting", "We"),
    ]
    assert all(s["end"] <= ana for s in suggestions)

    refused = invoke(
        "code", study, "--coder", "hb", "--transcript", "group",
        "--quote", "I rant at my dog", "--concept", "venting",
    )  # fmt: skip
    assert refused.exit_code == 1
    message = " ".join(refused.stderr.split())
    assert "speaker 'Ana'" in message and "matches no participant" in message
    assert "did you mean 'Anna'?" in message and "interviewer" not in message
    assert not (study / "codings" / "hb.jsonl").exists()

    coded = invoke(
        "code", study, "--coder", "hb", "--transcript", "group",
        "--quote", "We offload over coffee", "--concept", "venting",
    )  # fmt: skip
    assert coded.exit_code == 0, coded.output
