"""report.docx (`gioia report --format docx`): the report's sections and tables in Word,
its numbers recomputed here from the example's journal and participants.csv, and its
figures as images."""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from docx import Document
from typer.testing import CliRunner

from gioia.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"


def has_cairosvg() -> bool:
    if importlib.util.find_spec("cairosvg") is None:
        return False
    try:
        import cairosvg  # noqa: F401
    except OSError:  # no libcairo
        return False
    return True


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("docx") / "peer-support"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".gioia", "report"))
    result = CliRunner().invoke(app, ["report", str(target), "--format", "docx"])
    assert result.exit_code == 0, result.output
    assert str(target / "report" / "report.docx") in result.output
    return target


@pytest.fixture(scope="module")
def document(study):
    return Document(str(study / "report" / "report.docx"))


def accepted() -> list[tuple[str, str, str]]:
    """(transcript, quote, concept) of hb's counted codings: the latest line wins."""
    latest = {}
    for line in (EXAMPLE / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        latest[(entry["transcript"], entry["quote"], entry["concept"])] = entry["decision"]
    return [key for key, decision in latest.items() if decision == "accept"]


def concepts_below() -> dict[str, tuple[str, str, set[str]]]:
    """Node label -> (level, id, the concept ids at or below it)."""
    codebook = yaml.safe_load((EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"))
    found = {}
    for dimension in codebook["dimensions"]:
        every = {c["id"] for t in dimension["themes"] for c in t["concepts"]}
        found[dimension["label"]] = ("dimension", dimension["id"], every)
        for theme in dimension["themes"]:
            ids = {c["id"] for c in theme["concepts"]}
            found[theme["label"]] = ("theme", theme["id"], ids)
            for concept in theme["concepts"]:
                found[concept["label"]] = ("concept", concept["id"], {concept["id"]})
    return found


def table_with(document, header: list[str]):
    for table in document.tables:
        if [cell.text for cell in table.rows[0].cells][: len(header)] == header:
            return table
    raise AssertionError(f"no table headed {header}")


def test_themes_table_numbers_are_the_journals(document):
    table = table_with(document, ["Node", "Level", "Participants expressing theme, n"])
    nodes = concepts_below()
    codings = accepted()
    rows = 0
    for row in table.rows[1:]:
        label, level, count = (cell.text for cell in row.cells[:3])
        expected_level, _, ids = nodes[label]
        assert level == expected_level
        participants = {t for t, _, c in codings if c in ids}  # one interview per GP
        assert count == f"{len(participants)} (of 8)", label
        rows += 1
    assert rows == len(nodes) == 31


def test_codebook_appendix_segments_are_the_journals(document):
    table = table_with(document, ["Node", "Level", "Definition", "Keywords", "Segments"])
    nodes = concepts_below()
    codings = accepted()
    for row in table.rows[1:]:
        label = row.cells[0].text
        _, _, ids = nodes[label]
        segments = {(t, q) for t, q, c in codings if c in ids}
        assert row.cells[4].text == str(len(segments)), label
        assert row.cells[2].text  # a definition


def test_subgroup_tables_are_participants_csv_crossed_with_the_journal(document):
    with (EXAMPLE / "participants.csv").open(encoding="utf-8", newline="") as handle:
        people = list(csv.DictReader(handle))
    nodes = concepts_below()
    codings = accepted()
    checked = 0
    for table in document.tables:
        if [c.text for c in table.rows[0].cells][:1] != ["Node"] or len(table.rows) < 3:
            continue
        attributes = [c.text for c in table.rows[0].cells]
        groups = [c.text for c in table.rows[1].cells]
        if not re.fullmatch(r".+ \(n = \d+\)", groups[1]):
            continue  # not a subgroup table
        for row in table.rows[2:]:
            label = row.cells[0].text
            _, _, ids = nodes[label]
            raised = {t for t, _, c in codings if c in ids}
            for column in range(1, len(groups)):
                attribute = attributes[column]
                level, size = re.fullmatch(r"(.+) \(n = (\d+)\)", groups[column]).groups()
                members = {p["id"] for p in people if _level(p[attribute], attribute) == level}
                assert int(size) == len(members)
                assert row.cells[column].text == str(len(members & raised)), (label, level)
                checked += 1
    # 31 nodes x (2 sexes + 4 roles + 3 year bins + 3 regions + 2 practice sizes)
    assert checked == 31 * 14


def _level(value: str, attribute: str) -> str:
    """The example's binning (gioia.yaml), by hand."""
    number = float(value) if attribute in ("years_registered", "practice_gps") else None
    if attribute == "years_registered":
        return "1-5" if number <= 5 else "6-10" if number <= 10 else ">10"
    if attribute == "practice_gps":
        return "<5" if number < 5 else ">=5"
    return value


def test_same_sections_as_the_html_report(study, document):
    html = (study / "report" / "report.html").read_text(encoding="utf-8")
    sections = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html)]
    sections = [s.replace("&amp;", "&") for s in sections]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == sections
    assert "Appendix: codebook" in headings
    html_tables = html.count("<table")
    assert len(document.tables) == html_tables


@pytest.mark.skipif(not has_cairosvg(), reason="CairoSVG draws the figures (gioia[docx])")
def test_figures_are_images(study, document):
    figures = sorted(p.stem for p in (study / "report" / "figures").glob("*.svg"))
    assert figures == ["data-structure", "relations", "saturation"]
    assert len(document.inline_shapes) == len(figures)
    images = [part for part in document.part.package.parts if part.content_type == "image/png"]
    assert len(images) == 3
    assert all(image.blob.startswith(b"\x89PNG") for image in images)


def test_docx_is_written_atomically_and_only_when_asked(study, monkeypatch, tmp_path):
    report = study / "report"
    before = (report / "report.docx").read_bytes()
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))

    def fail(html, figures):
        raise RuntimeError("rendering failed")

    import gioia.report.word

    monkeypatch.setattr(gioia.report.word, "render_docx", fail)
    with pytest.raises(RuntimeError):
        gioia.report.write_report(report, results, docx=True)
    assert (report / "report.docx").read_bytes() == before
    assert sorted(p.name for p in report.iterdir()) == [
        "figures",
        "report.docx",
        "report.html",
        "report.md",
        "results.json",
    ]
    written = gioia.report.write_report(tmp_path / "plain", results)
    assert "report.docx" not in {p.name for p in written}


def test_without_cairosvg_the_figures_are_named(study, monkeypatch, tmp_path):
    import gioia.report.word

    monkeypatch.setattr(gioia.report.word, "figure_png", lambda svg: None)
    results = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
    gioia.report.write_report(tmp_path, results, docx=True)
    document = Document(str(tmp_path / "report.docx"))
    assert len(document.inline_shapes) == 0
    texts = [p.text for p in document.paragraphs]
    for name in ("data-structure", "relations", "saturation"):
        assert any(f"figures/{name}.svg" in text for text in texts), name
