"""`gioia export` and `gioia import` from the command line, end to end."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import needs_shared_corpus
from typer.testing import CliRunner

from gioia.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "peer-support"
QC_DEMO = ROOT.parent / "shared" / "corpora" / "refi-qda" / "qc-demo.qdpx"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "100"})


@pytest.fixture
def example(tmp_path) -> Path:
    study = tmp_path / "peer-support"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    return study


def test_export_formats(example, tmp_path):
    qdpx = invoke("export", example, "--format", "qdpx")
    assert qdpx.exit_code == 0, qdpx.output
    assert Path(qdpx.stdout.strip()) == example / "report" / "peer-support.qdpx"
    with zipfile.ZipFile(example / "report" / "peer-support.qdpx") as archive:
        names = archive.namelist()
    assert "project.qde" in names and sum(n.startswith("sources/") for n in names) == 8

    out = tmp_path / "codings.csv"
    result = invoke("export", example, "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 57  # the example's counted codings
    assert {"transcript", "participant", "concept", "quote", "coder", "sex"} <= set(rows[0])

    qdc = invoke("export", example, "--format", "qdc", "--out", tmp_path / "cb.qdc")
    assert qdc.exit_code == 0, qdc.output
    assert (tmp_path / "cb.qdc").read_bytes().startswith(b"<?xml")


def journal_lines(study: Path) -> int:
    return sum(
        len(path.read_text(encoding="utf-8").splitlines())
        for path in (study / "codings").glob("*.jsonl")
    )


def results_without_provenance(study: Path) -> dict:
    results = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
    del results["generator"]  # the version and time that wrote the file
    return results


def test_gioia_qdpx_gioia_restores_the_study_and_its_results(example, tmp_path):
    assert invoke("run", example).exit_code == 0
    invoke("export", example, "--format", "qdpx", "--out", tmp_path / "study.qdpx")
    target = tmp_path / "imported"
    result = invoke("import", tmp_path / "study.qdpx", target, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["restored"] is True
    # Every journal line, rejects included, not only the 57 counted codings.
    lines = journal_lines(example)
    assert lines > 57
    assert (summary["sources"], summary["codings"], summary["participants"]) == (8, lines, 8)
    for name in ("gioia.yaml", "codebook.yaml", "participants.csv", "codings/hb.jsonl"):
        assert (target / name).read_bytes() == (example / name).read_bytes(), name
    for transcript in (example / "transcripts").iterdir():
        assert (target / "transcripts" / transcript.name).read_bytes() == transcript.read_bytes()

    assert invoke("run", target).exit_code == 0
    assert results_without_provenance(target) == results_without_provenance(example)

    again = invoke("import", tmp_path / "study.qdpx", target, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["codings"] == 0  # nothing imported twice
    assert json.loads(again.stdout)["duplicates"] == 57


def without_gioia_entries(archive: Path, out: Path, change_project: bool = False) -> Path:
    """The archive as a program that keeps only what REFI-QDA defines would write it back;
    with ``change_project``, keeping gioia's entries but with project.qde changed."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "project.qde" and change_project:
                data = data.replace(b'origin="gioia', b'origin="another program, from gioia')
            elif name.startswith("gioia/") and not change_project:
                continue
            target.writestr(name, data)
    return out


def node_counts(study: Path) -> dict[tuple[str, ...], tuple[int, int]]:
    """Per node, by its path of labels: (participants expressing it, segments)."""
    result = invoke("structure", study, "--json")
    assert result.exit_code == 0, result.output
    nodes = json.loads(result.stdout)["nodes"]
    labels = {n["id"]: n for n in nodes}

    def path(node: dict) -> tuple[str, ...]:
        parent = labels.get(node["parent"]) if node["parent"] else None
        return (path(parent) if parent else ()) + (node["label"],)

    return {path(n): (len(n["participants"]), n["segments"]) for n in nodes}


def test_round_trip_through_refi_alone_keeps_the_structure(example, tmp_path):
    invoke("export", example, "--format", "qdpx", "--out", tmp_path / "study.qdpx")
    refi = without_gioia_entries(tmp_path / "study.qdpx", tmp_path / "refi.qdpx")
    target = tmp_path / "imported"
    result = invoke("import", refi, target, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["restored"] is False
    assert (summary["sources"], summary["codings"], summary["participants"]) == (8, 57, 8)
    assert node_counts(target) == node_counts(example)


def test_a_changed_gioia_export_is_imported_from_refi_with_its_ids(example, tmp_path):
    invoke("export", example, "--format", "qdpx", "--out", tmp_path / "study.qdpx")
    changed = without_gioia_entries(
        tmp_path / "study.qdpx", tmp_path / "changed.qdpx", change_project=True
    )
    target = tmp_path / "imported"
    result = invoke("import", changed, target, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["restored"] is False
    assert "changed after gioia exported it" in result.output

    def ids(study: Path) -> list[str]:
        data = yaml.safe_load((study / "codebook.yaml").read_text(encoding="utf-8"))
        return [
            concept["id"]
            for dimension in data["dimensions"]
            for theme in dimension["themes"]
            for concept in theme["concepts"]
        ]

    assert ids(target) == ids(example)
    assert node_counts(target) == node_counts(example)


def test_an_export_coded_further_elsewhere_comes_back_into_its_study(example, tmp_path):
    """The study's transcripts differ from the exported text (gioia exports its
    normalised reading, the study keeps the delivered files): the codings are placed on
    the study's own text and only the new ones are appended."""
    invoke("export", example, "--format", "qdpx", "--out", tmp_path / "study.qdpx")
    refi = without_gioia_entries(tmp_path / "study.qdpx", tmp_path / "refi.qdpx")
    before = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    result = invoke("import", refi, example, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["codings"], summary["duplicates"], summary["unplaced"]) == (0, 57, 0)
    assert summary["sources_reanchored"] >= 1  # e.g. the .docx and Otter transcripts
    after = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    assert after == before


@needs_shared_corpus(QC_DEMO)
def test_import_real_qc_export_then_report(tmp_path):
    study = tmp_path / "qc"
    result = invoke("import", QC_DEMO, study, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["codings"] == 205
    report = invoke("report", study)
    assert report.exit_code == 0, report.output
    results = json.loads((study / "report" / "results.json").read_text())
    assert results["codings"]["counted"] == 205


def test_import_refuses_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = invoke("import", tmp_path / "notes.txt", tmp_path / "study")
    assert result.exit_code == 1
    assert "REFI-QDA" in result.stderr
    missing = invoke("import", tmp_path / "nope.qdpx", tmp_path / "study")
    assert missing.exit_code == 1 and "no file" in missing.stderr


def test_a_gioia_export_with_a_broken_gioia_yaml_restores_nothing(example, tmp_path):
    invoke("export", example, "--format", "qdpx", "--out", tmp_path / "study.qdpx")
    broken = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(tmp_path / "study.qdpx") as source, zipfile.ZipFile(broken, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            if name == "gioia/study/gioia.yaml":
                data = b"settings:\n  min_cell: many\n"
            out.writestr(name, data)
    result = invoke("import", broken, tmp_path / "imported")
    assert result.exit_code == 1
    assert "the gioia.yaml it carries cannot be read" in result.output
    assert "min_cell" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "imported").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".gioia-import")] == []


def test_csv_for_excel_starts_with_a_byte_order_mark(example, tmp_path):
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    assert invoke("export", example, "--format", "csv", "--out", plain).exit_code == 0
    result = invoke("export", example, "--format", "csv", "--excel", "--out", excel)
    assert result.exit_code == 0, result.output
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    assert excel.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    rows = list(csv.DictReader(io.StringIO(excel.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 57
    # Offsets in the files the researcher keeps, where a quote is found there once.
    files = {
        # As the file reads in an editor: no byte order mark, a line break one character.
        p.stem: p.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        for p in (example / "transcripts").iterdir()
    }
    placed = [r for r in rows if r["file_start"]]
    assert placed
    for row in placed:
        text = files[row["transcript"]]
        assert text[int(row["file_start"]) : int(row["file_end"])] == row["quote"]

    refused = invoke("export", example, "--format", "qdpx", "--excel")
    assert refused.exit_code == 1 and "--excel is for the codings CSV" in refused.output


@pytest.mark.parametrize(
    ("manifest_files", "entries", "message"),
    [
        # A name that is a file and a folder at once.
        (
            ["codings", "codings/hb.jsonl"],
            {"codings": b"x", "codings/hb.jsonl": b""},
            "cannot be written",
        ),
        (["../escape.txt"], {"../escape.txt": b"x"}, "not inside a study folder"),
        (["missing.yaml"], {}, "not in the archive"),
    ],
)
def test_a_hostile_carried_study_restores_nothing(tmp_path, manifest_files, entries, message):
    manifest = {"format": 1, "project_sha256": "", "ids": {}, "files": manifest_files}
    qde = b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="p"/>'
    manifest["project_sha256"] = hashlib.sha256(qde).hexdigest()
    archive = tmp_path / "hostile.qdpx"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("project.qde", qde)
        out.writestr("gioia/manifest.json", json.dumps(manifest))
        for name, data in entries.items():
            if ".." not in name:
                out.writestr(f"gioia/study/{name}", data)
    result = invoke("import", archive, tmp_path / "imported")
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    assert not (tmp_path / "imported").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.qdpx"]
