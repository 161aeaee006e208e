"""Importing real REFI-QDA exports, read in place from ../shared/corpora/refi-qda/ (their
repository is AGPL-3.0, so they are not copied into this one).

The expected numbers were counted in the files' XML, independently of gioia: qc-demo has
262 ``<Code>``, 158 ``<PlainTextSelection>`` and 205 ``<Coding>`` elements; the NVivo for
Mac export has the same 262 codes, two ``.docx`` sources that hold no text, and no
codings. The tests count them again from the XML so a changed file shows up as such.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import yaml
from conftest import needs_shared_corpus

from gioia import pipeline
from gioia.interchange import import_qdpx

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "refi-qda"
QC_DEMO = CORPUS / "qc-demo.qdpx"
NVIVO_MAC = CORPUS / "nvivo-mac15-export.qdpx"

pytestmark = needs_shared_corpus(CORPUS)  # AGPL: read in place, never copied


def count_elements(archive: Path, name: str) -> int:
    qde = zipfile.ZipFile(archive).read("project.qde")
    return sum(1 for e in ElementTree.fromstring(qde).iter() if e.tag.endswith("}" + name))


def codebook_labels(study: Path) -> list[str]:
    data = yaml.safe_load((study / "codebook.yaml").read_text(encoding="utf-8"))
    labels = []
    for dimension in data["dimensions"]:
        labels.append(dimension["label"])
        for theme in dimension["themes"]:
            labels.append(theme["label"])
            labels += [concept["label"] for concept in theme["concepts"]]
    return labels


def code_paths(archive: Path) -> list[tuple[str, ...]]:
    root = ElementTree.fromstring(zipfile.ZipFile(archive).read("project.qde"))
    paths = []

    def walk(element, prefix):
        for code in element:
            if code.tag.endswith("}Code"):
                paths.append((*prefix, code.get("name")))
                walk(code, paths[-1])

    walk(next(e for e in root.iter() if e.tag.endswith("}Codes")), ())
    return paths


def test_qc_demo_comes_in_with_every_code_and_coding(tmp_path):
    assert count_elements(QC_DEMO, "Code") == 262
    assert count_elements(QC_DEMO, "PlainTextSelection") == 158
    assert count_elements(QC_DEMO, "Coding") == 205
    study = tmp_path / "qc"

    result = import_qdpx(QC_DEMO, study)

    assert result.origin == "qc 1.3.2" and result.levels == "1,2,3+"
    assert (result.sources, result.sources_skipped) == (2, 0)
    assert (result.codes, result.codes_merged) == (262, 0)
    assert (result.codings, result.duplicates, result.codings_skipped) == (205, 0, 0)
    assert result.unplaced == 0 and result.coders == ("cp",)
    assert sorted(p.name for p in (study / "transcripts").iterdir()) == [
        "admin-1.txt",
        "board_2017.txt",
    ]
    # Every code is a node, named by its path below depth 3 (the default levels 1,2,3+).
    labels = codebook_labels(study)
    for path in code_paths(QC_DEMO):
        assert " / ".join(path[2:]) in labels if len(path) > 2 else path[-1] in labels

    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    analysis = pipeline.analyse(loaded, corpus)
    assert len(analysis.counted) == 205 and not analysis.orphans
    lines = [json.loads(x) for x in (study / "codings" / "cp.jsonl").read_text().splitlines()]
    assert len(lines) == 205 and {x["source"] for x in lines} == {"import"}
    # A quote that occurs more than once ("science.") keeps its offsets; the others are
    # placed by quote.
    with_offsets = [x for x in lines if x["start"] != -1]
    assert [x["quote"] for x in with_offsets] == ["science."]

    again = import_qdpx(QC_DEMO, study)
    assert (again.codings, again.duplicates, again.sources_unchanged) == (0, 205, 2)
    assert again.nodes_added == 0
    assert len((study / "codings" / "cp.jsonl").read_text().splitlines()) == 205


def test_qc_demo_quotes_are_the_selected_text(tmp_path):
    """Each journal quote is the qc selection's text, as gioia's transcript reads it."""
    study = tmp_path / "qc"
    import_qdpx(QC_DEMO, study)
    archive = zipfile.ZipFile(QC_DEMO)
    root = ElementTree.fromstring(archive.read("project.qde"))
    selected = []
    for source in root.iter("{urn:QDA-XML:project:1.0}TextSource"):
        text = archive.read("sources/" + source.get("plainTextPath")).decode("utf-8")
        name = source.get("plainTextPath").removesuffix(".txt")
        for selection in source.iter("{urn:QDA-XML:project:1.0}PlainTextSelection"):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            for _ in selection.iter("{urn:QDA-XML:project:1.0}Coding"):
                selected.append((name, " ".join(text[start:end].split())))
    lines = [json.loads(x) for x in (study / "codings" / "cp.jsonl").read_text().splitlines()]
    assert sorted((x["transcript"], x["quote"]) for x in lines) == sorted(selected)


def test_nvivo_mac_export_brings_its_codebook_and_says_it_has_no_codings(tmp_path):
    assert count_elements(NVIVO_MAC, "Code") == 262
    assert count_elements(NVIVO_MAC, "Coding") == 0
    names = zipfile.ZipFile(NVIVO_MAC).namelist()
    assert "sources/.root" in names and sum(n.endswith(".docx") for n in names) == 2
    study = tmp_path / "nvivo"

    result = import_qdpx(NVIVO_MAC, study)

    assert result.origin == "NVivo for Mac 15.0.0"
    assert (result.codes, result.codings, result.codings_skipped) == (262, 0, 0)
    messages = [w.message for w in result.warnings]
    assert any("the project has no codings" in m for m in messages)
    # Its two sources are GUID-named Word documents behind 1-byte .txt placeholders; the
    # documents themselves are empty in this export, which the import reads and says.
    assert result.sources == 0 and result.sources_skipped == 2
    empty = [m for m in messages if "Word document" in m and "is empty" in m]
    assert len(empty) == 2
    assert set(codebook_labels(study)) == set(codebook_labels_of_qc(tmp_path))


def codebook_labels_of_qc(tmp_path: Path) -> list[str]:
    study = tmp_path / "qc-for-comparison"
    import_qdpx(QC_DEMO, study)
    return codebook_labels(study)
