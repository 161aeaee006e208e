"""The CI recipes in examples/ci/ run commands that exist, with options that exist."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gioia.cli import app

RECIPES = Path(__file__).resolve().parents[1] / "examples" / "ci"


def gioia_commands(recipe: Path) -> list[list[str]]:
    data = yaml.safe_load(recipe.read_text(encoding="utf-8"))
    if recipe.name.startswith("github"):
        scripts = [step.get("run", "") for job in data["jobs"].values() for step in job["steps"]]
    else:
        scripts = [
            line for job in data.values() if isinstance(job, dict) for line in job.get("script", [])
        ]
    commands = []
    for script in scripts:
        for line in script.splitlines():
            if line.strip().startswith("gioia "):
                commands.append(shlex.split(line)[1:])
    return commands


@pytest.mark.parametrize("recipe", ["github-actions.yml", "gitlab-ci.yml"])
def test_recipe_runs_check_and_run_and_keeps_the_report(recipe):
    path = RECIPES / recipe
    commands = gioia_commands(path)
    assert [c[0] for c in commands] == ["check", "run"]
    text = path.read_text(encoding="utf-8")
    assert ".gioia" in text and "report/" in text
    for command in commands:
        # the command and its options exist: --help parses them without error
        options = [a for a in command if a.startswith("-")]
        result = CliRunner().invoke(app, [command[0], *options, "--help"])
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("recipe", ["github-actions.yml", "gitlab-ci.yml"])
def test_recipe_commands_succeed_on_the_example_study(recipe, tmp_path, monkeypatch):
    import shutil

    study = tmp_path / "study"
    shutil.copytree(
        RECIPES.parent / "peer-support", study, ignore=shutil.ignore_patterns(".gioia", "report")
    )
    monkeypatch.chdir(study)
    for command in gioia_commands(RECIPES / recipe):
        args = [a.replace('"$STUDY"', ".").replace("$STUDY", ".") for a in command]
        result = CliRunner().invoke(app, args, env={"NO_COLOR": "1"})
        assert result.exit_code == 0, (args, result.output)
    assert (study / "report" / "report.html").is_file()
