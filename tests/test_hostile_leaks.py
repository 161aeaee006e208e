"""Leaks (issue 16): a study must not read files from outside its folder, names under
``settings: anonymise:`` must be replaced in every output, data must not reach the
terminal as control sequences, and an output folder must not become an input.

Each test reproduces an attack from the issue through the command line (typer's
CliRunner, as a user would run it) and checks what gioia does instead.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import textwrap
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia.cli import app
from gioia.errors import TranscriptError
from gioia.ingest import read_transcript

runner = CliRunner()

CODEBOOK = textwrap.dedent("""\
    version: 1
    title: Coping at work
    dimensions:
      - id: support
        label: Support
        themes:
          - id: emotional
            label: Emotional support
            concepts:
              - id: venting
                label: Venting
                keywords: [rant, offload]
              - id: coffee-room
                label: The coffee room
                keywords: [coffee room]
    """)

TRANSCRIPT = textwrap.dedent("""\
    Interviewer: How do you cope after a hard day?

    P1: Mostly I rant to a colleague in the coffee room. It helps a lot.

    Interviewer: Anything else?

    P1: I go for a run.
    """)

# What a file outside the study holds: none of it may reach any output.
SECRET = "P9: the secret words of another study, never to be read"


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "100"})


def make_study(root: Path, transcript: str = TRANSCRIPT) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "transcripts" / "P1.txt").write_text(transcript, encoding="utf-8")
    return root


def every_byte_under(folder: Path) -> bytes:
    """Every file gioia may have written under ``folder`` (links are the test's own)."""
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()]
    return b"".join(p.read_bytes() for p in files)


@pytest.fixture
def outside(tmp_path) -> Path:
    """A file outside the study, as /etc/passwd would be."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    secret = folder / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    return secret


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The real path of every file opened while the test runs (the CLI runs in this
    process), so a test can show that an outside file was never read at all."""
    seen: list[str] = []
    real_io_open, real_os_open = io.open, os.open

    def note(file: object) -> None:
        if isinstance(file, str | bytes | os.PathLike):
            seen.append(os.path.realpath(file))

    def spy_io_open(file, *args, **kwargs):
        note(file)
        return real_io_open(file, *args, **kwargs)

    def spy_os_open(path, *args, **kwargs):
        note(path)
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(io, "open", spy_io_open)
    monkeypatch.setattr(builtins, "open", spy_io_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    return seen


# --------------------------------------------------------------------------- 10: links out


def test_a_transcript_linked_from_outside_the_study_is_refused_unread(tmp_path, outside, opened):
    study = make_study(tmp_path / "study")
    (study / "transcripts" / "EVIL.txt").symlink_to(outside)

    for command in (["run", study], ["export", study, "--format", "qdpx"], ["check", study]):
        result = invoke(*command)
        assert result.exit_code == 1, result.output
        assert "EVIL.txt" in result.stderr and "outside the study folder" in result.stderr
        assert "Traceback" not in result.output
    assert str(outside.resolve()) not in opened
    assert SECRET.encode() not in every_byte_under(study)
    assert not (study / ".gioia" / "text" / "EVIL.txt").exists()
    assert not (study / "report" / "study.qdpx").exists()


def test_a_link_to_a_transcript_inside_the_study_is_read(tmp_path):
    study = make_study(tmp_path / "study")
    (study / "archive").mkdir()
    (study / "archive" / "P2.txt").write_text(TRANSCRIPT.replace("P1", "P2"), encoding="utf-8")
    (study / "transcripts" / "P2.txt").symlink_to(Path("..") / "archive" / "P2.txt")

    result = invoke("ingest", study, "--json")
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in json.loads(result.stdout)] == ["P1", "P2"]
    # A gioia .qdpx carries it under its own name, where a restored study reads it.
    result = invoke("export", study, "--format", "qdpx", "--out", tmp_path / "s.qdpx")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "s.qdpx") as archive:
        assert "gioia/study/transcripts/P2.txt" in archive.namelist()


@pytest.mark.parametrize("name", ["codebook.yaml", "participants.csv", "gioia.yaml"])
def test_study_files_linked_from_outside_are_refused_unread(tmp_path, outside, opened, name):
    study = make_study(tmp_path / "study")
    (study / name).unlink(missing_ok=True)
    (study / name).symlink_to(outside)

    result = invoke("check", study)
    assert result.exit_code == 1, result.output
    assert f"{name} is a link to {outside}, outside the study folder" in result.stderr
    assert "copy the file into the study folder" in result.stderr
    assert str(outside.resolve()) not in opened


def test_a_journal_linked_from_outside_is_refused_unread(tmp_path, outside, opened):
    study = make_study(tmp_path / "study")
    (study / "codings").mkdir()
    (study / "codings" / "them.jsonl").symlink_to(outside)

    result = invoke("check", study)
    assert result.exit_code == 1, result.output
    assert "them.jsonl is a link to" in result.stderr
    assert str(outside.resolve()) not in opened


def test_a_folder_linked_from_outside_is_refused(tmp_path, outside):
    study = make_study(tmp_path / "study")
    (study / "transcripts" / "P1.txt").rename(outside.parent / "P1.txt")
    (study / "transcripts").rmdir()
    (study / "transcripts").symlink_to(outside.parent)

    result = invoke("run", study)
    assert result.exit_code == 1, result.output
    assert f"transcripts is a link to {outside.parent}, outside the study folder" in result.stderr
    assert not (study / ".gioia" / "text").exists()


def test_paths_in_gioia_yaml_outside_the_study_are_refused(tmp_path, outside):
    study = make_study(tmp_path / "study")
    (study / "gioia.yaml").write_text(
        f"settings:\n  paths:\n    transcripts: {outside.parent}\n    codebook: ../x.yaml\n",
        encoding="utf-8",
    )

    result = invoke("check", study)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert any(
        ":3:" in line and f"settings.paths.transcripts: {outside.parent} is outside" in line
        for line in lines
    ), result.stderr
    assert any(
        ":4:" in line and f"settings.paths.codebook: {tmp_path / 'x.yaml'} is outside" in line
        for line in lines
    ), result.stderr


def test_a_link_changed_after_it_was_found_is_not_followed_out(tmp_path, outside, opened):
    """Between finding the transcripts and reading one, its link may change: the reader
    checks again, before opening anything."""
    study = make_study(tmp_path / "study")
    link = study / "transcripts" / "P2.txt"
    link.symlink_to(outside)
    with pytest.raises(TranscriptError, match="outside the study folder"):
        read_transcript(link, transcript_id="P2", rel_path="P2.txt", within=study)
    assert str(outside.resolve()) not in opened


# --------------------------------------------------------------------------- 13: out is not in


@pytest.mark.parametrize("folder", ["transcripts", "codings"])
def test_report_out_inside_an_input_folder_is_refused(tmp_path, folder):
    study = make_study(tmp_path / "study")
    (study / "codings").mkdir()
    out = study / folder / "report"

    for command in ("report", "run"):
        result = invoke(command, study, "--out", out)
        assert result.exit_code == 1, result.output
        assert f"--out {out} is inside the {folder} folder" in result.stderr, result.stderr
        assert not out.exists()
    result = invoke("ingest", study, "--json")
    assert [row["id"] for row in json.loads(result.stdout)] == ["P1"]


@pytest.mark.parametrize("folder", ["transcripts", "codings"])
def test_settings_report_inside_an_input_folder_is_refused(tmp_path, folder):
    study = make_study(tmp_path / "study")
    (study / "gioia.yaml").write_text(
        f"settings:\n  paths:\n    report: {folder}/out\n", encoding="utf-8"
    )

    result = invoke("check", study)
    assert result.exit_code == 1, result.output
    assert "gioia.yaml:3" in result.stderr
    assert f"the report folder {study / folder / 'out'} is inside the {folder}" in result.stderr
    assert "set settings.paths.report to a folder outside" in result.stderr


def test_export_out_inside_the_transcripts_folder_is_refused(tmp_path):
    study = make_study(tmp_path / "study")
    out = study / "transcripts" / "codings.txt"

    result = invoke("export", study, "--format", "csv", "--out", out)
    assert result.exit_code == 1, result.output
    assert "is inside the transcripts folder" in result.stderr
    assert not out.exists()
