"""An import cut short says so until it is run again (gioia.import_state)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia.cli import app
from gioia.import_state import MARKER
from gioia.interchange import import_qdpx, project_import

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "200"})


@pytest.fixture
def refi_export(tmp_path) -> Path:
    """The example as another program writes it back: REFI-QDA only, 57 codings."""
    study = tmp_path / "example"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    assert invoke("export", study, "--format", "qdpx", "--out", tmp_path / "g.qdpx").exit_code == 0
    with (
        zipfile.ZipFile(tmp_path / "g.qdpx") as source,
        zipfile.ZipFile(tmp_path / "refi.qdpx", "w") as target,
    ):
        for name in source.namelist():
            if not name.startswith("gioia/"):
                target.writestr(name, source.read(name))
    return tmp_path / "refi.qdpx"


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler sees it."""


def test_an_interrupted_import_is_refused_until_it_is_run_again(refi_export, tmp_path, monkeypatch):
    target = tmp_path / "study"
    appended = []
    real_append = project_import.append_coding

    def append_then_die(path, coding):
        if len(appended) == 10:
            raise Killed
        appended.append(coding)
        real_append(path, coding)

    monkeypatch.setattr(project_import, "append_coding", append_then_die)
    with pytest.raises(Killed):
        import_qdpx(refi_export, target)
    monkeypatch.undo()
    assert (target / MARKER).is_file()
    assert len((target / "codings" / "hb.jsonl").read_text().splitlines()) == 10

    for command in ("check", "run", "report"):
        refused = invoke(command, target)
        assert refused.exit_code == 1, (command, refused.output)
        message = " ".join(refused.stderr.split())
        assert f"an import of {refi_export.resolve()} into this study began at" in message
        assert "did not finish" in message and "run `gioia import" in message

    again = invoke("import", refi_export, target, "--json")
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert (summary["codings"], summary["duplicates"]) == (47, 10)
    assert not (target / MARKER).exists()
    assert invoke("check", target).exit_code == 0


def test_a_finished_import_leaves_no_record(refi_export, tmp_path):
    target = tmp_path / "study"
    assert invoke("import", refi_export, target).exit_code == 0
    assert not (target / MARKER).exists()
    assert invoke("import", refi_export, target).exit_code == 0  # nothing new: still none
    assert not (target / MARKER).exists()
