"""Docs are tests: the README's first lines are the two commands a new user needs, and
every gioia command the README shows runs."""

from __future__ import annotations

import json
import re
import shlex
import zipfile
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


def plain_blocks(markdown: str) -> list[list[str]]:
    """The lines of each fenced block without an info string (```console, ```yaml and
    the like show output or files, and are not run)."""
    blocks: list[list[str]] = []
    inside: list[str] | None = None
    plain = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            if inside is None:
                inside, plain = [], line.strip() == "```"
            else:
                if plain:
                    blocks.append(inside)
                inside = None
        elif inside is not None:
            inside.append(line)
    return blocks


def readme_gioia_commands() -> list[list[str]]:
    commands = []
    for block in plain_blocks(README):
        for line in block:
            line = line.removeprefix("$ ").split("  #")[0].strip()
            if line.startswith("gioia "):
                commands.append(shlex.split(line)[1:])
    return commands


def test_only_plain_blocks_are_read_as_commands():
    text = "```console\n$ gioia read x\n```\ngioia prose\n```\ngioia check a\n```\n"
    assert plain_blocks(text) == [["gioia check a"]]


def journal_lines(study: Path) -> dict[str, list[dict]]:
    folder = study / "codings"
    if not folder.is_dir():
        return {}
    return {
        path.stem: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for path in sorted(folder.glob("*.jsonl"))
    }


def structure(runner: CliRunner, study: Path) -> dict[str, tuple[int, int]]:
    result = runner.invoke(app, ["structure", str(study), "--json"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return {
        n["id"]: (len(n["participants"]), n["segments"]) for n in json.loads(result.stdout)["nodes"]
    }


def test_readme_gioia_commands_run(tmp_path, monkeypatch):
    """Each README command exits 0 and does what the README says it does: journals change
    only where a command decides, by exactly its lines; imports, reports and exports hold
    the study's numbers."""
    monkeypatch.chdir(tmp_path)
    commands = readme_gioia_commands()
    assert ["init", "my-study", "--example"] in commands
    assert ["run", "my-study"] in commands
    runner = CliRunner()
    seen = set()
    for args in commands:
        study = next((tmp_path / a for a in args[1:] if (tmp_path / a).is_dir()), None)
        before = journal_lines(study) if study else {}
        result = runner.invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "200"})
        assert result.exit_code == 0, (args, result.output)
        after = journal_lines(study) if study else {}
        added = {
            coder: lines[len(before.get(coder, [])) :]
            for coder, lines in after.items()
            if len(lines) != len(before.get(coder, []))
        }
        for coder, lines in before.items():
            assert after[coder][: len(lines)] == lines, (args, "a journal was rewritten")
        command = args[0]
        seen.add(command)
        if command == "accept":
            new = added.get(args[args.index("--coder") + 1], [])
            said = int(re.search(r"accepted (\d+) suggestion", " ".join(result.output.split()))[1])
            assert len(new) == said and added.keys() <= {"auto"}, (args, said)
            assert all(line["source"] == "auto" and line["decision"] == "accept" for line in new)
            if "--min-score" in args:
                floor = float(args[args.index("--min-score") + 1])
                assert said > 0 and all(line["score"] >= floor for line in new)
        elif command == "code":
            [line] = added["ms"]
            quote = args[args.index("--quote") + 1]
            concept = args[args.index("--concept") + 1]
            assert (line["quote"], line["concept"], line["source"]) == (quote, concept, "human")
            assert added.keys() == {"ms"}
        else:
            assert added == {}, (args, "only accept and code decide")
        if command == "export":
            with zipfile.ZipFile(tmp_path / args[args.index("--out") + 1]) as archive:
                assert "project.qde" in archive.namelist()
        if command == "import":
            source, target = tmp_path / "my-study", tmp_path / args[2]
            assert journal_lines(target) == journal_lines(source)
            assert structure(runner, target) == structure(runner, source)
        if command in ("report", "run"):
            results = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
            counted = {n["id"]: (len(n["participants"]), n["segments"]) for n in results["nodes"]}
            assert counted == structure(runner, study)
    assert {"accept", "code", "import", "export", "report", "run"} <= seen
    assert (tmp_path / "my-study" / "report" / "report.html").is_file()
    assert (tmp_path / "demo" / "report" / "results.json").is_file()
