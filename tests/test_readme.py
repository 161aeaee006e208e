"""Docs are tests: the README's first lines are the two commands a new user needs, and
every gioia command the README shows runs."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from gioia.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z-]+):", makefile, flags=re.MULTILINE))


def test_first_lines_are_install_and_run_example_then_tests():
    commands = [line.split("#")[0].strip() for line in README.splitlines()[:6]]
    assert "make example" in commands
    assert "make test" in commands
    assert {"example", "test", "install", "lint", "ci", "help"} <= make_targets()


def readme_gioia_commands() -> list[list[str]]:
    commands = []
    for block in re.findall(r"```\n(.*?)```", README, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.removeprefix("$ ").split("  #")[0].strip()
            if line.startswith("gioia "):
                commands.append(shlex.split(line)[1:])
    return commands


def test_readme_gioia_commands_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    commands = readme_gioia_commands()
    assert ["init", "my-study", "--example"] in commands
    assert ["run", "my-study"] in commands
    runner = CliRunner()
    for args in commands:
        result = runner.invoke(app, args, env={"NO_COLOR": "1"})
        assert result.exit_code == 0, (args, result.output)
    assert (tmp_path / "my-study" / "report" / "report.html").is_file()
    assert (tmp_path / "demo" / "report" / "results.json").is_file()
