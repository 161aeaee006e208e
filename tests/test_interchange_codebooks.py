"""Codebooks from other programs (``.qdc``) and the mapping of any code tree onto the
three Gioia levels; merging into a codebook that is already there."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gioia import pipeline
from gioia.interchange import InterchangeError, import_qdc
from gioia.interchange.levels import CodeTreeMapping, parse_levels
from gioia.interchange.refi import ImportedCode


def guid(n: int) -> str:
    return f"0d1c9a3e-0000-4000-8000-{n:012d}"


THREE_LEVELS = (
    f'<Code guid="{guid(1)}" name="Support" isCodable="true"><Description>What helps.</Description>'
    f'<Code guid="{guid(2)}" name="Emotional" isCodable="true">'
    f'<Code guid="{guid(3)}" name="feeling understood" isCodable="true">'
    f'<Code guid="{guid(4)}" name="by peers" isCodable="true"/></Code></Code></Code>'
)


def codebook(study: Path) -> dict:
    return yaml.safe_load((study / "codebook.yaml").read_text(encoding="utf-8"))


def test_atlas_ti_codebook_namespace_0_4(tmp_path):
    qdc = tmp_path / "atlas.qdc"
    qdc.write_text(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:0:4" origin="ATLAS.ti 23.2">'
        f"<Codes>{THREE_LEVELS}</Codes></CodeBook>",
        encoding="utf-8",
    )
    result = import_qdc(qdc, tmp_path / "study")
    assert (result.codes, result.levels, result.nodes_added) == (4, "1,2,3+", 4)
    dimension = codebook(tmp_path / "study")["dimensions"][0]
    assert (dimension["id"], dimension["definition"]) == ("support", "What helps.")
    pipeline.load_study(tmp_path / "study")  # a codebook gioia reads


def test_taguette_dotted_tags_and_empty_sets(tmp_path):
    qdc = tmp_path / "codebook.qdc"
    tags = ["interesting", "interesting.places", "interesting.people", "boring.weather"]
    codes = "".join(
        f'<Code guid="{guid(n).upper()}" name="{tag}" isCodable="true"/>'
        for n, tag in enumerate(tags)
    )
    qdc.write_text(
        '<?xml version="1.0" encoding="utf-8"?>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="Taguette 1.4.1">'
        f"<Codes>{codes}</Codes><Sets/></CodeBook>",
        encoding="utf-8",
    )
    result = import_qdc(qdc, tmp_path / "study")
    assert (result.codes, result.levels) == (4, "-,1,2+")
    (dimension,) = codebook(tmp_path / "study")["dimensions"]
    assert dimension["label"] == "Imported codes"
    tree = {t["label"]: [c["label"] for c in t["concepts"]] for t in dimension["themes"]}
    assert tree == {"interesting": ["places", "people"], "boring": ["weather"]}


def test_qdc_merges_into_an_existing_codebook(tmp_path):
    study = tmp_path / "study"
    study.mkdir()
    (study / "codebook.yaml").write_text(
        "# our codebook\nversion: 1\ntitle: Ours\ndimensions:\n"
        "  - id: support\n    label: support\n    themes:\n"
        "      - id: emo\n        label: Emotional\n        concepts:\n"
        "          - id: understood\n            label: Feeling understood\n"
        "            keywords: [understood]\n",
        encoding="utf-8",
    )
    qdc = tmp_path / "c.qdc"
    qdc.write_text(
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{THREE_LEVELS}</Codes></CodeBook>'
    )
    result = import_qdc(qdc, study)
    assert result.nodes_added == 1  # only "feeling understood / by peers" is new
    data = codebook(study)
    assert data["title"] == "Ours"
    (dimension,) = data["dimensions"]
    assert dimension["definition"] == "What helps."  # filled in, nothing replaced
    concepts = dimension["themes"][0]["concepts"]
    assert [c["id"] for c in concepts] == ["understood", "feeling-understood-by-peers"]
    assert concepts[0]["keywords"] == ["understood"]
    assert (study / "codebook.yaml.bak").read_text().startswith("# our codebook")
    assert import_qdc(qdc, study).nodes_added == 0


# --------------------------------------------------------------------------- levels


def tree(depth: int, name: str = "c") -> ImportedCode:
    code = ImportedCode(guid(depth), f"{name}{depth}")
    for level in range(depth - 1, 0, -1):
        code = ImportedCode(guid(level), f"{name}{level}", "", (code,))
    return code


@pytest.mark.parametrize(
    ("spec", "shape"),
    [
        ("1,2,3+", [("c1", [("c2", ["c3", "c3 / c4", "c3 / c4 / c5"])])]),
        ("1,2,3", [("c1", [("c2", ["c3"])])]),
        ("1,2-3,4+", [("c1", [("c2", ["c2"]), ("c2 / c3", ["c4", "c4 / c5"])])]),
        ("1,-,2+", [("c1", [("c1", ["c2", "c2 / c3", "c2 / c3 / c4", "c2 / c3 / c4 / c5"])])]),
        ("-,-,1+", [("Imported codes", [("Imported codes", ["c1", "c1 / c2"])])]),
    ],
)
def test_levels_lay_any_tree_onto_three_levels(spec, shape):
    mapping = CodeTreeMapping([tree(5)], parse_levels(spec))
    dimensions = mapping.finish()
    if spec == "-,-,1+":
        shape[0][1][0][1].extend(["c1 / c2 / c3", "c1 / c2 / c3 / c4", "c1 / c2 / c3 / c4 / c5"])
    got = [
        (d.label, [(t.label, [c.label for c in t.children]) for t in d.children])
        for d in dimensions
    ]
    assert got == shape
    assert mapping.mapped + mapping.merged == 5
    assert all(mapping.concept_for(guid(n)) is not None for n in range(1, 6))


def test_closed_levels_merge_deeper_codes_into_their_concept():
    mapping = CodeTreeMapping([tree(5)], parse_levels("1,2,3"))
    concept = mapping.finish()[0].children[0].children[0]
    assert mapping.concept_for(guid(5)) is concept and mapping.merged == 2
    assert concept.include == "Includes the imported sub-codes: c4; c4 / c5."


@pytest.mark.parametrize(
    "spec", ["1,2", "1,2,-", "2,3,4+", "1,2+,3+", "1,3,4+", "a,b,c", "1,3-2,4"]
)
def test_levels_that_cannot_be_used(spec):
    with pytest.raises(InterchangeError, match="cannot be used"):
        parse_levels(spec)


def test_levels_override_on_import(tmp_path):
    qdc = tmp_path / "c.qdc"
    qdc.write_text(
        f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>{THREE_LEVELS}</Codes></CodeBook>'
    )
    result = import_qdc(qdc, tmp_path / "study", levels="1,2,3")
    assert (result.levels, result.codes_merged) == ("1,2,3", 1)
