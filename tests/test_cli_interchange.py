"""`gioia export` and `gioia import` from the command line, end to end."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
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


def test_round_trip_through_qdpx_keeps_the_structure(example, tmp_path):
    invoke("export", example, "--format", "qdpx", "--out", tmp_path / "study.qdpx")
    target = tmp_path / "imported"
    result = invoke("import", tmp_path / "study.qdpx", target, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["sources"], summary["codings"], summary["participants"]) == (8, 57, 8)
    again = invoke("import", tmp_path / "study.qdpx", target, "--json")
    assert json.loads(again.stdout)["codings"] == 0  # nothing imported twice
    assert json.loads(again.stdout)["duplicates"] == 57

    original = invoke("structure", example, "--json")
    imported = invoke("structure", target, "--json")
    assert imported.exit_code == 0, imported.output

    def counts(output: str) -> list[tuple[str, int]]:
        nodes = json.loads(output)["nodes"]
        return [(n["level"], len(n["participants"])) for n in nodes]

    assert counts(imported.stdout) == counts(original.stdout)


@pytest.mark.skipif(not QC_DEMO.is_file(), reason="../shared/corpora/refi-qda not present")
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
