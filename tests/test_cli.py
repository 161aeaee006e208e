"""The command line: exit codes, stdout vs stderr, help everywhere, no tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia import __version__
from gioia.cli import app

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


def make_study(root: Path) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "transcripts" / "P1.txt").write_text(TRANSCRIPT, encoding="utf-8")
    return root


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "100"})


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"gioia {__version__}"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["init"],
        ["check"],
        ["ingest"],
        ["suggest"],
        ["accept"],
        ["structure"],
        ["report"],
        ["review"],
        ["code"],
        ["log"],
        ["saturation"],
        ["agreement"],
        ["export"],
        ["import"],
        ["discover"],
        ["run"],
        ["codebook"],
        ["codebook", "schema"],
    ],
)
def test_every_command_has_help_with_an_example(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example: gioia" in result.stdout


def test_python_dash_m_gioia_help_in_a_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "gioia", "--help"],
        capture_output=True,
        text=True,
        env={"NO_COLOR": "1", "COLUMNS": "100", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    for command in (
        "init",
        "check",
        "ingest",
        "suggest",
        "accept",
        "review",
        "code",
        "log",
        "structure",
        "report",
        "run",
    ):
        assert command in done.stdout


def test_usage_error_exits_2():
    result = invoke("accept", ".", "--min-score", "2")
    assert result.exit_code == 2


def test_missing_study_folder_exits_1_with_hint_and_no_traceback(tmp_path):
    result = invoke("check", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "nowhere" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_broken_codebook_lists_every_problem_with_lines(tmp_path):
    study = make_study(tmp_path)
    (study / "codebook.yaml").write_text(
        textwrap.dedent("""\
        version: 1
        title: Broken
        dimensions:
          - id: Support
            label: Support
            themes:
              - id: emotional
                label: Emotional
                label: Emotional again
                concepts:
                  - id: venting
                    labl: Venting
        relations:
          - {from: venting, to: nowhere, type: enables}
        """),
        encoding="utf-8",
    )
    result = invoke("check", study)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for line in ("codebook.yaml:4:", "codebook.yaml:9:", "codebook.yaml:12:", "codebook.yaml:14:"):
        assert line in result.stderr, result.stderr


def test_check_ok_study(tmp_path):
    result = invoke("check", make_study(tmp_path))
    assert result.exit_code == 0, result.output
    assert "ok: 1 transcripts" in result.stderr


def test_ingest_json_reports_speakers_and_turns(tmp_path):
    result = invoke("ingest", make_study(tmp_path), "--json")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["id"] == "P1"
    assert row["speakers"] == ["Interviewer", "P1"]
    assert row["participant_turns"] == 2
    assert row["participants"] == ["P1"]


def test_suggest_accept_structure_report(tmp_path):
    study = make_study(tmp_path)
    result = invoke("suggest", study, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["by_concept"] == {"venting": 1, "coffee-room": 1}
    lines = (study / ".gioia" / "suggestions.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["concept"] for line in lines] == ["coffee-room", "venting"]
    assert not (study / "codings").exists()  # suggest never touches the journals

    result = invoke("accept", study, "--coder", "bot", "--min-score", "0.6")
    assert result.exit_code == 0, result.output
    assert "accepted 1" in result.stderr  # coffee room 0.7; venting 0.5 is below
    [line] = (study / "codings" / "bot.jsonl").read_text(encoding="utf-8").splitlines()
    decision = json.loads(line)
    assert (decision["concept"], decision["source"], decision["decision"]) == (
        "coffee-room",
        "auto",
        "accept",
    )
    assert decision["quote"] == "Mostly I rant to a colleague in the coffee room. It helps a lot."

    again = invoke("accept", study, "--coder", "bot", "--min-score", "0.6")
    assert "accepted 0" in again.stderr and "1 already decided" in again.stderr

    result = invoke("structure", study, "--json")
    assert result.exit_code == 0, result.output
    nodes = {n["id"]: n for n in json.loads(result.stdout)["nodes"]}
    assert nodes["coffee-room"]["participants"] == ["P1"]
    assert nodes["support"]["segments"] == 1
    assert nodes["venting"]["participants"] == []

    result = invoke("report", study)
    assert result.exit_code == 0, result.output
    for name in ("report.md", "report.html", "results.json"):
        assert (study / "report" / name).is_file()


def test_accept_makes_the_coders_suggestions_when_there_are_none_yet(tmp_path):
    study = make_study(tmp_path)
    result = invoke("accept", study, "--coder", "bot", "--min-score", "0.5", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    lines = (study / "codings" / "bot.jsonl").read_text(encoding="utf-8").splitlines()
    assert summary["accepted"] == len(lines) > 0
    assert {json.loads(line)["source"] for line in lines} == {"auto"}


def test_accept_needs_a_score_or_a_target_precision_not_both(tmp_path):
    study = make_study(tmp_path)
    for options in ([], ["--min-score", "0.5", "--target-precision", "0.9"]):
        result = invoke("accept", study, "--coder", "bot", *options)
        assert result.exit_code == 2, result.output
        assert "--min-score or --target-precision" in result.stderr


def test_codebook_schema_is_json_schema():
    result = invoke("codebook", "schema")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert "dimensions" in schema["properties"]


def test_init_creates_a_study_that_checks_clean(tmp_path):
    target = tmp_path / "new"
    result = invoke("init", target)
    assert result.exit_code == 0, result.output
    assert (target / "codebook.yaml").is_file()
    again = invoke("init", target)
    assert again.exit_code == 1
    assert "never overwrites" in again.stderr


def test_unchanged_corpus_is_not_parsed_again(tmp_path):
    study = make_study(tmp_path)
    first = json.loads(invoke("suggest", study, "--json").stdout)
    second = json.loads(invoke("suggest", study, "--json").stdout)
    assert (first["parsed"], second["parsed"]) == (1, 0)
    assert second["by_concept"] == first["by_concept"]
    (study / "transcripts" / "P1.txt").write_text(TRANSCRIPT + "\nP1: One more rant.\n")
    third = json.loads(invoke("suggest", study, "--json").stdout)
    assert third["parsed"] == 1
    assert third["by_concept"]["venting"] == 2


def test_two_processes_suggest_what_one_does(tmp_path):
    """--jobs 2 reads, parses and matches in two worker processes: the suggestions and
    the caches it leaves are the ones one process makes, and a broken transcript is
    still one located error."""
    example = Path(__file__).resolve().parents[1] / "examples" / "peer-support"
    made = {}
    for jobs in ("1", "2"):
        study = tmp_path / f"jobs{jobs}"
        shutil.copytree(example, study, ignore=shutil.ignore_patterns(".gioia", "report"))
        result = invoke("suggest", study, "--json", "--jobs", jobs)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["parsed"] == 8
        made[jobs] = [
            (study / ".gioia" / name).read_bytes()
            for name in ("suggestions.jsonl", "docs/sentences.jsonl", "matches.jsonl")
        ]
    assert made["1"] == made["2"] and made["1"][0].count(b"\n") > 50
    assert made["1"][1].count(b"\n") == made["1"][2].count(b"\n") == 8

    (study / "transcripts" / "GP3.txt").write_bytes(b"\xff\xfe\x00")
    result = invoke("suggest", study, "--jobs", "2")
    assert result.exit_code == 1 and "GP3.txt" in result.stderr
    assert "Traceback" not in result.output


def test_ingest_does_the_work_it_is_given_while_its_workers_read(tmp_path):
    """With worker processes, ingest calls ``meanwhile`` once, while they are alive (gioia
    suggest --jobs imports spaCy then); in one process it has no one to wait for."""
    import multiprocessing

    from gioia import pipeline

    example = Path(__file__).resolve().parents[1] / "examples" / "peer-support"
    study = tmp_path / "study"
    shutil.copytree(example, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    loaded = pipeline.load_study(study)
    workers_seen: list[int] = []

    def meanwhile() -> None:
        workers_seen.append(len(multiprocessing.active_children()))

    two = pipeline.ingest(loaded, jobs=2, meanwhile=meanwhile)
    assert len(workers_seen) == 1 and workers_seen[0] >= 1
    one = pipeline.ingest(loaded, jobs=1, meanwhile=meanwhile)
    assert len(workers_seen) == 1
    assert two == one


def accepted_by_quote(quote: str) -> dict:
    """A journal line accepting venting in P1 by its quote alone (no offsets yet)."""
    return {
        "transcript": "P1",
        "start": -1,
        "end": -1,
        "concept": "venting",
        "decision": "accept",
        "coder": "ms",
        "source": "human",
        "quote": quote,
        "at": "2026-11-26T10:00:00Z",
    }


def test_check_reports_torn_journal_line_and_keeps_the_rest(tmp_path):
    study = make_study(tmp_path)
    (study / "codings").mkdir()
    good = accepted_by_quote("Mostly I rant to a colleague")
    (study / "codings" / "ms.jsonl").write_text(
        json.dumps(good) + '\n{"transcript": "P1", "sta', encoding="utf-8"
    )
    result = invoke("check", study, "--json")
    assert result.exit_code == 0, result.output
    [problem] = json.loads(result.stdout)["problems"]
    assert problem["severity"] == "warning"
    assert problem["location"].endswith("ms.jsonl:2")
    assert "torn" in problem["message"]
    assert "1 counted codings" in result.stderr


def test_check_lists_orphaned_codings(tmp_path):
    study = make_study(tmp_path)
    (study / "codings").mkdir()
    orphan = accepted_by_quote("words nobody said")
    (study / "codings" / "ms.jsonl").write_text(json.dumps(orphan) + "\n", encoding="utf-8")
    result = invoke("check", study)
    assert result.exit_code == 0, result.output
    assert "orphaned accept of 'venting' in P1: quote not found" in result.stderr


def test_non_tty_progress_is_one_plain_line_per_stage(tmp_path):
    result = invoke("run", make_study(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    for stage in ("ingest", "parse", "suggest"):
        assert f"{stage}: 1 transcript" in lines
    assert "\x1b[" not in result.stderr  # no bar, no escape codes in a CI log


def test_check_shows_interviewer_per_transcript_with_configured_and_default_labels(tmp_path):
    study = make_study(tmp_path)
    (study / "gioia.yaml").write_text("settings:\n  interviewer_labels: [Dan]\n")
    (study / "transcripts" / "P2.txt").write_text(
        "Dan: What did you try first?\n\nP2: A partial dependence plot, then I gave up.\n"
    )
    result = invoke("check", study, "--json")
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout)["transcripts"]}
    assert rows["P1"]["interviewer"] == ["Interviewer"]  # a default label still counts
    assert rows["P2"]["interviewer"] == ["Dan"]
    assert rows["P2"]["participants"] == ["P2"]
    table = invoke("check", study)
    assert "Dan" in table.stdout and "Interviewer" in table.stdout


def test_check_lists_unmapped_focus_group_speaker_with_file_and_line(tmp_path):
    study = make_study(tmp_path)
    (study / "participants.csv").write_text(
        "id,speaker,transcript\nP1,P1,P1\nA1,Ann,FG1\nB1,Bob,FG1\n"
    )
    (study / "transcripts" / "FG1.txt").write_text(
        "Moderator: Who wants to start?\n\nAnn: I will.\n\nBob: Fine by me.\n\nChris: Me too.\n"
    )
    result = invoke("check", study)
    assert result.exit_code == 0, result.output
    assert "FG1.txt:7" in result.stderr and "Chris" in result.stderr


def test_check_srqr_lists_the_items_left_to_write(tmp_path):
    study = make_study(tmp_path)
    (study / "gioia.yaml").write_text("study:\n  title: Coping at work\n  funding: None.\n")
    result = invoke("check", study, "--srqr")
    assert result.exit_code == 0, result.output
    assert "set study: abstract in gioia.yaml" in result.stdout
    assert "set study: funding" not in result.stdout
    statuses = {
        row["item"]: row["status"]
        for row in json.loads(invoke("check", study, "--json").stdout)["srqr"]
    }
    assert len(statuses) == 21
    assert (statuses[1], statuses[2], statuses[13], statuses[21]) == (
        "metadata",
        "missing",
        "data",
        "metadata",
    )


def test_read_only_study_reports_elsewhere_with_out(tmp_path):
    study = make_study(tmp_path / "study")
    (study / "codings").mkdir()
    (study / "codings" / "ms.jsonl").write_text(
        json.dumps(
            {
                "transcript": "P1",
                "start": -1,
                "end": -1,
                "concept": "venting",
                "decision": "accept",
                "coder": "ms",
                "source": "human",
                "quote": "Mostly I rant to a colleague",
                "at": "2026-11-26T10:00:00Z",
            }
        )
        + "\n"
    )
    paths = [p for p in study.rglob("*")]
    for path in [*paths, study]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        out = tmp_path / "out"
        result = invoke("report", study, "--out", out)
        assert result.exit_code == 0, result.output
        assert (out / "report.html").is_file() and (out / "results.json").is_file()
        assert not (study / "report").exists() and not (study / ".gioia").exists()
        results = json.loads((out / "results.json").read_text())
        assert results["codings"]["counted"] == 1
    finally:
        for path in [study, *paths]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_internal_error_is_one_line_unless_debug(tmp_path, monkeypatch):
    from gioia import pipeline

    def broken(directory):
        raise RuntimeError("secret transcript words")

    monkeypatch.setattr(pipeline, "check", broken)
    result = invoke("check", make_study(tmp_path))
    assert result.exit_code == 1
    assert "internal error: RuntimeError" in result.stderr
    assert "--debug" in result.stderr
    assert "secret transcript words" not in result.output
    assert "Traceback" not in result.output
    debug = invoke("--debug", "check", tmp_path)
    assert isinstance(debug.exception, RuntimeError)
