"""The fast path of an unchanged `gioia suggest` (gioia.warm): it prints exactly what the
normal path prints, imports none of typer, pydantic, numpy or spaCy, and any change to
what suggestions depend on sends the run down the normal path."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia import warm
from gioia.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"
runner = CliRunner()


@pytest.fixture
def study(tmp_path: Path) -> Path:
    root = tmp_path / "study"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".gioia", "report"))
    return root


def _gioia(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
        timeout=300,
    )


def _fast(*argv: str) -> bool:
    """Whether the fast path answers ``argv``."""
    return warm.fast_suggest_answer(list(argv)) is not None


def _suggest(*args: str) -> None:
    result = runner.invoke(app, ["suggest", *args])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("as_json", [False, True])
def test_fast_output_equals_the_normal_paths(study: Path, as_json: bool) -> None:
    extra = ["--json"] if as_json else []
    cold = _gioia("-m", "gioia", "suggest", str(study), *extra)
    assert cold.returncode == 0, cold.stderr
    assert (study / ".gioia" / warm.STAMP).is_file()
    fast = _gioia("-X", "importtime", "-m", "gioia", "suggest", str(study), *extra)
    assert fast.returncode == 0, fast.stderr
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in fast.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert not imported & {"typer", "click", "pydantic", "numpy", "spacy", "yaml"}
    (study / ".gioia" / warm.STAMP).unlink()
    slow = _gioia("-m", "gioia", "suggest", str(study), *extra)
    assert slow.returncode == 0, slow.stderr
    assert "0 transcript(s) parsed" in slow.stderr or as_json
    fast_err = [line for line in fast.stderr.splitlines() if not line.startswith("import time:")]
    assert fast.stdout == slow.stdout
    assert fast_err == slow.stderr.splitlines()


def _append(path: Path, text: str = "\n") -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def _same_size_edit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-2] = ord("x") if data[-2] != ord("x") else ord("y")
    path.write_bytes(bytes(data))


EDITS: dict[str, Callable[[Path], None]] = {
    "transcript": lambda s: _append(s / "transcripts" / "GP1.txt", "\nDr A: One more word.\n"),
    "transcript, same size": lambda s: _same_size_edit(s / "transcripts" / "GP2.txt"),
    "new transcript": lambda s: shutil.copy(
        s / "transcripts" / "GP1.txt", s / "transcripts" / "GP9.txt"
    ),
    "hidden file among transcripts": lambda s: (s / "transcripts" / ".notes").write_text("x"),
    "removed transcript": lambda s: (s / "transcripts" / "GP8.txt").unlink(),
    "codebook": lambda s: _append(s / "codebook.yaml", "# a comment\n"),
    "gioia.yaml": lambda s: _append(s / "gioia.yaml", "# a comment\n"),
    "participants.csv": lambda s: _same_size_edit(s / "participants.csv"),
    "import marker": lambda s: (s / ".gioia-import.json").write_text("{}"),
    "published suggestions": lambda s: _append(s / ".gioia" / "suggestions.jsonl"),
    "suggestions lock": lambda s: _append(s / ".gioia" / "suggestions" / "codebook.lock", " "),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_any_change_disables_the_fast_path(
    study: Path, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    _suggest(str(study))
    assert _fast("suggest", str(study))
    EDITS[edit](study)
    assert not _fast("suggest", str(study))


def test_a_journal_change_disables_the_fast_path_of_its_learner(
    study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _suggest(str(study), "--coder", "hb")
    assert _fast("suggest", str(study), "--coder", "hb")
    assert _fast("suggest", "--coder=hb", str(study), "--jobs", "2")
    # Only the options the stamp was made with.
    assert not _fast("suggest", str(study))
    assert not _fast("suggest", str(study), "--coder", "ms")
    assert not _fast("suggest", str(study), "--coder", "hb", "--evaluate")
    _same_size_edit(study / "codings" / "hb.jsonl")
    assert not _fast("suggest", str(study), "--coder", "hb")


def test_a_touched_file_with_the_same_content_stays_fast(
    study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _suggest(str(study))
    for path in (study / "transcripts" / "GP1.txt", study / "codebook.yaml"):
        os.utime(path, ns=(1, 1))
    assert _fast("suggest", str(study))


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["suggest", "--help"],
        ["--debug", "suggest"],
        ["report"],
        ["suggest", "a", "b"],
        ["suggest", "--jobs", "0"],
        ["suggest", "--coder"],
    ],
)
def test_other_command_lines_take_the_normal_path(
    study: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    _suggest(str(study))
    monkeypatch.chdir(study)
    assert _fast("suggest")
    assert not _fast(*argv)


def test_after_an_edit_the_normal_path_runs_and_stamps_again(
    study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _suggest(str(study))
    _append(study / "codebook.yaml", "# a comment\n")
    assert not _fast("suggest", str(study))
    # Edited a moment ago: the run might have read it before the edit, so no stamp.
    _suggest(str(study))
    assert not _fast("suggest", str(study))
    os.utime(study / "codebook.yaml", ns=(1, 1))
    _suggest(str(study))
    assert _fast("suggest", str(study))


def test_an_input_edited_while_suggest_runs_gets_no_stamp(
    study: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run may have read the transcript before the edit: its suggestions may come
    from the old text, so nothing may let a re-run skip to them."""
    real = warm._write_stamp

    def edit_then_stamp(*args: object) -> None:
        _same_size_edit(study / "transcripts" / "GP3.txt")
        real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(warm, "_write_stamp", edit_then_stamp)
    _suggest(str(study))
    assert not (study / ".gioia" / warm.STAMP).exists()
    assert not _fast("suggest", str(study))


def test_the_script_leaves_with_the_commands_exit_code_and_all_its_output(study: Path) -> None:
    """`python -m gioia` leaves without the interpreter's teardown (gioia.__main__._leave):
    the exit code is the command's, and everything printed, to a pipe, arrives."""
    done = _gioia("-m", "gioia", "log", str(study), "--json")
    assert done.returncode == 0, done.stderr
    [journal] = json.loads(done.stdout)
    assert journal["decisions"] == sum(
        1 for line in (study / "codings" / "hb.jsonl").read_text().splitlines() if line.strip()
    )
    missing = _gioia("-m", "gioia", "check", str(study / "nowhere"))
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    usage = _gioia("-m", "gioia", "suggest", str(study), "--jobs", "none")
    assert usage.returncode == 2 and "--jobs" in usage.stderr
