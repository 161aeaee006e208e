"""The bundled example study, end to end, checked against its human coder's journal."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gioia.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict:
    study = tmp_path_factory.mktemp("example") / "peer-support"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    result = CliRunner().invoke(app, ["run", str(study)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    for name in ("report.md", "report.html", "results.json"):
        assert (study / "report" / name).stat().st_size > 0
    return json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))


def expected_participants_per_node() -> dict[str, set[str]]:
    """An independent reading of the journal: the latest decision per quote and concept
    wins; each interview has one participant whose id is the transcript's stem; a
    participant counts for a concept and for its theme and dimension."""
    latest: dict[tuple[str, str, str], str] = {}
    for line in (EXAMPLE / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        latest[(entry["transcript"], entry["quote"], entry["concept"])] = entry["decision"]
    codebook = yaml.safe_load((EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"))
    ancestors = {}
    for dimension in codebook["dimensions"]:
        for theme in dimension["themes"]:
            for concept in theme["concepts"]:
                ancestors[concept["id"]] = (concept["id"], theme["id"], dimension["id"])
    expected: dict[str, set[str]] = defaultdict(set)
    for (transcript, _, concept), decision in latest.items():
        if decision == "accept":
            for node in ancestors[concept]:
                expected[node].add(transcript)
    return expected


def test_every_node_counts_the_participants_the_coder_coded(results):
    expected = expected_participants_per_node()
    got = {node["id"]: set(node["participants"]) for node in results["nodes"]}
    assert got == {node_id: expected.get(node_id, set()) for node_id in got}


def test_known_facts_of_the_example(results):
    nodes = {node["id"]: node for node in results["nodes"]}
    assert results["study"]["participants"] == [f"GP{i}" for i in range(1, 9)]
    assert len(results["study"]["transcripts"]) == 8
    # The coffee room is never raised by GPs in practices with fewer than 5 GPs (GP3, GP6).
    assert nodes["shared-space"]["participants"] == ["GP1", "GP4", "GP5", "GP8"]
    assert nodes["practice-size"]["participants"] == ["GP3", "GP6"]
    # GP7's mentor coding was later rejected by the same coder: withdrawn.
    assert "GP7" not in nodes["informal-mentor"]["participants"]
    assert nodes["supporting-trainees"]["participants"] == ["GP5"]
    assert results["codings"]["counted"] == 57
    assert results["codings"]["orphaned"] == []


def test_formats_and_attributions(results):
    formats = {t["id"]: (t["format"], t["encoding"]) for t in results["corpus"]["transcripts"]}
    assert formats["GP6"][0] == "otter"
    assert formats["GP7"][0] == "md"
    assert formats["GP3"][1] == "utf-8-sig"
    participants = {}
    with open(EXAMPLE / "participants.csv", encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
        for line in handle:
            row = dict(zip(header, line.strip().split(","), strict=True))
            participants[row["id"]] = row
    quotes = [q for items in results["quotes"].values() for q in items]
    assert quotes
    for quote in quotes:
        row = participants[quote["participant"]]
        assert quote["attribution"] == f"({row['id']}, {row['sex']}, {row['role']})"


def test_suggestions_are_made_and_never_counted(results):
    assert results["suggestions"]["total"] > 0
    assert results["codings"]["by_source"] == {"human": 57}


def test_run_is_deterministic(tmp_path, results):
    study = tmp_path / "again"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    result = CliRunner().invoke(app, ["run", str(study)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    again = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
    assert again == results


def test_results_never_carry_speaker_labels(results):
    # Speaker labels can be real names; outputs name participants by their ids only.
    for transcript in results["corpus"]["transcripts"]:
        assert "speakers" not in transcript


def test_saturation_of_the_example_from_the_journal(results):
    # New concepts per interview in participants.csv order, read from the journal alone.
    expected = expected_participants_per_node()
    concepts = {c for c in expected if c in CONCEPTS}
    seen: set[str] = set()
    new = []
    for interview in [f"GP{i}" for i in range(1, 9)]:
        mine = {c for c in concepts if interview in expected[c]}
        new.append(len(mine - seen))
        seen |= mine
    saturation = results["saturation"]
    assert saturation["order"] == [f"GP{i}" for i in range(1, 9)]
    assert saturation["new_per_interview"] == new
    # Guest (base 4, run 2, 5%): the base holds sum(new[:4]) codes; the first run whose
    # new codes are at most 5% of them starts at s, and the point is s - 1.
    base_codes = sum(new[:4])
    point = next(s - 1 for s in range(5, 8) if (new[s - 1] + new[s]) / base_codes <= 0.05)
    assert saturation["guest"]["label"] == f"{point}+2"
    assert results["agreement"] is None  # one coder


CONCEPTS = {
    concept["id"]
    for dimension in yaml.safe_load((EXAMPLE / "codebook.yaml").read_text())["dimensions"]
    for theme in dimension["themes"]
    for concept in theme["concepts"]
}
