"""Hostile configuration and journals: codebook.yaml and gioia.yaml (random structures,
wrong types everywhere, tabs, non-UTF-8, alias bombs, deep nesting; generated token
patterns with hostile REGEX, OP and wildcards, matched against a hostile transcript when
they load), participants.csv (ragged rows, duplicate ids, BOM, quoted newlines,
formula-like cells) and journals (random, torn and mistyped lines, unknown concepts, LF,
CRLF, CR-only and mixed line endings, with or without a final one). Each reader returns normally or
raises gioia's own error naming the file and line; `gioia check` exits 0 or 1 without a
traceback.

Property tests are bounded (a few dozen inputs per reader); tests/fuzz/run.py runs the
same properties for minutes. The explicit cases are the ones the issue lists, and the
ones the fuzzers found.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path

import pytest
from hostile_config import (
    FORMULA,
    VALID_CODING,
    alias_bomb,
    check_codebook,
    check_journal,
    check_participants,
    check_study_config,
    codebook_cases,
    codebook_pattern_cases,
    journal_cases,
    participants_cases,
    study_config_cases,
)
from hostile_support import BOUNDED, check_cli, make_cli_study
from hypothesis import given, settings
from typer.testing import CliRunner

from gioia import pipeline
from gioia.cli import app
from gioia.codebook import load_codebook
from gioia.errors import ConfigError, JournalError
from gioia.journal import read_journal
from gioia.study import load_participants, open_study
from gioia.yamlsource import MAX_ALIAS_VALUES, MAX_CONFIG_BYTES, MAX_DEPTH, load_yaml

# --------------------------------------------------------------------------- YAML


@BOUNDED
@given(data=codebook_cases())
def test_codebook_loader_survives_random_structures_and_mutations(data, tmp_path):
    check_codebook(tmp_path / "codebook.yaml", data)


@BOUNDED
@given(data=codebook_pattern_cases())
def test_codebook_patterns_are_refused_at_their_line_or_run_on_a_hostile_transcript(data, tmp_path):
    check_codebook(tmp_path / "codebook.yaml", data)


@BOUNDED
@given(data=study_config_cases())
def test_study_config_survives_random_structures_and_mutations(data, tmp_path):
    check_study_config(tmp_path, data)


def _problems(path: Path, text: bytes, load=load_codebook) -> list[str]:
    path.write_bytes(text)
    with pytest.raises(ConfigError) as caught:
        load(path)
    return [str(problem) for problem in caught.value.problems]


def test_billion_laughs_is_refused_quickly(tmp_path):
    path = tmp_path / "codebook.yaml"
    started = time.monotonic()
    problems = _problems(path, alias_bomb(levels=9, width=9))  # 9**9 values if expanded
    assert time.monotonic() - started < 2
    assert any(f"{path}:1:" in p and "billion laughs" in p for p in problems), problems


def test_aliases_within_the_budget_still_work(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("shared: &words [staff room, coffee]\nmore: [*words, *words]\n")
    assert load_yaml(path).data["more"] == [["staff room", "coffee"]] * 2
    path.write_bytes(alias_bomb(levels=2, width=int(MAX_ALIAS_VALUES**0.5) - 1))
    assert not load_yaml(path).problems


@pytest.mark.parametrize(
    "text, expected",
    [
        (b"[" * 5000 + b"]" * 5000, f"more than {MAX_DEPTH} levels deep"),
        ("".join(f"{' ' * i}a:\n" for i in range(200)).encode(), "levels deep"),
        (
            b"a: &a [" * 1
            + b"[" * 45
            + b"]" * 45
            + b"]\n"
            + b"".join(
                f"a{i}: &a{i} [{'[' * 40}*{'a' if i == 0 else f'a{i - 1}'}{']' * 40}]\n".encode()
                for i in range(3)
            ),
            "levels deep",
        ),
        (b"version: 1\ndimensions:\n\t- id: x\n", "tabs"),
        (b"title: caf\xe9\n", "not valid UTF-8"),
        (b"title: a\x00b\n", "U+0000"),
        (b"title: a\x0cb\n", "U+000C"),
        (b'title: "\\ud800"\n', "half a character"),
        (b'title: "\\U00110000"\n', "escape that is no character"),
        (b'title: "\\U99999999999"\n', "escape that is no character"),
        (b"version: 2020-13-45\n", "cannot be read as a date"),
        (b"version: " + b"9" * 5000 + b"\n", "cannot be read as a number"),
        (b"base: &b {id: x}\ndimensions:\n  - <<: *b\n", "merge keys"),
        (b"title: !!python/object/apply:os.system [ls]\n", "remove the '!tag'"),
        (b"&a [*a]\n", "refers to itself"),
    ],
    ids=[
        "brackets",
        "indents",
        "aliases",
        "tab",
        "latin-1",
        "NUL",
        "form feed",
        "surrogate escape",
        "escape beyond Unicode",
        "escape beyond C int",
        "bad date",
        "huge number",
        "merge key",
        "python tag",
        "recursion",
    ],
)
def test_broken_yaml_gives_a_located_problem(tmp_path, text, expected):
    path = tmp_path / "codebook.yaml"
    problems = _problems(path, text)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(f"{path}:") for p in problems), problems


def test_an_oversized_yaml_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_bytes(b"title: " + b"x" * MAX_CONFIG_BYTES + b"\n")
    started = time.monotonic()
    problems = _problems(path, path.read_bytes())
    assert time.monotonic() - started < 1
    assert any("configuration files of up to 2 MB" in p for p in problems), problems


@pytest.mark.parametrize(
    "value, reason",
    [("~nobody-at-all/t", "home directory"), ('"a\\0b"', "null byte"), ("a" * 5000, "too long")],
)
def test_unusable_paths_in_gioia_yaml_are_located_problems(tmp_path, value, reason):
    (tmp_path / "gioia.yaml").write_text(f"settings:\n  paths:\n    transcripts: {value}\n")
    with pytest.raises(ConfigError) as caught:
        open_study(tmp_path)
    (problem,) = caught.value.problems
    assert problem.location.line == 3 and reason in problem.message.lower(), problem


@pytest.mark.parametrize("codec", ["rot13", "base64", "undefined"])
def test_encodings_that_are_not_text_encodings_are_refused(tmp_path, codec):
    (tmp_path / "gioia.yaml").write_text(f"settings:\n  encoding: {{P1.txt: {codec}}}\n")
    with pytest.raises(ConfigError) as caught:
        open_study(tmp_path)
    assert f"unknown encoding '{codec}'" in str(caught.value.problems[0])


# --------------------------------------------------------------------------- participants.csv


@BOUNDED
@given(data=participants_cases())
def test_participants_loader_survives_ragged_quoted_and_random_tables(data, tmp_path):
    check_participants(tmp_path / "participants.csv", data)


def _participant_problems(path: Path, text: str) -> list[str]:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_participants(path)
    return [str(p) for p in caught.value.problems]


def test_ragged_rows_and_duplicate_ids_are_listed_with_their_lines(tmp_path):
    path = tmp_path / "participants.csv"
    problems = _participant_problems(path, 'id,role\nP1,"GP\npartner"\nP2,a,b,c\nP1,x\n')
    assert f"{path}:4: error: row has 4 values" in problems[0]  # after a quoted newline
    assert f"{path}:5: error: duplicate id 'P1' (first at line 2)" in problems[1]


def test_a_bom_quoted_newlines_and_formula_cells_are_read_as_plain_text(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_text(f'\ufeffid;role;note\nP1;"GP\npartner";{FORMULA}\n', encoding="utf-8")
    (participant,) = load_participants(path)[0]
    assert participant.id == "P1"
    assert participant.attributes == {"role": "GP\npartner", "note": FORMULA}


def test_a_value_beyond_the_csv_field_limit_is_a_located_problem(tmp_path):
    path = tmp_path / "participants.csv"
    problems = _participant_problems(path, "id,note\nP1,ok\nP2," + "x" * 200_000 + "\n")
    assert problems == [
        f"{path}:3: error: cannot be read as CSV: field larger than field limit (131072) "
        "(hint: a participant's attributes are short values; check for an unclosed quote)"
    ]


# --------------------------------------------------------------------------- journals


@settings(BOUNDED, max_examples=60)
@given(data=journal_cases())
def test_journal_reader_survives_random_torn_and_mistyped_lines(data, tmp_path):
    check_journal(tmp_path / "ms.jsonl", data)


GOOD_LINE = json.dumps(VALID_CODING)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("[" * 100_000 + "]" * 100_000, "nested thousands deep"),
        (GOOD_LINE.replace('"score": 0.5', '"score": NaN'), "score must be a number"),
        (GOOD_LINE.replace('"score": 0.5', '"score": -Infinity'), "score must be a number"),
        (GOOD_LINE.replace('"start": -1', '"start": ' + "9" * 5000), "thousands of digits"),
        (GOOD_LINE.replace('"a quote"', '"\\ud800"'), "lone surrogate"),
        (GOOD_LINE.replace('["power"]', '["\\udfff"]'), "lone surrogate"),
        (GOOD_LINE.replace('"memo": ""', '"memo": 3'), "memo must be a string"),
        (GOOD_LINE[:40] + "}", "not valid JSON"),  # a torn write is a warning: test_journal
    ],
    ids=["deep", "NaN", "Infinity", "huge int", "surrogate", "surrogate flag", "memo", "broken"],
)
def test_a_bad_line_before_the_last_is_an_error_with_its_line(tmp_path, line, expected):
    path = tmp_path / "ms.jsonl"
    path.write_text(f"{GOOD_LINE}\n{line}\n{GOOD_LINE}\n", encoding="utf-8")
    with pytest.raises(JournalError) as caught:
        read_journal(path)
    assert caught.value.location.file == str(path) and caught.value.location.line == 2
    assert expected in caught.value.message


def test_a_torn_last_line_is_a_warning_and_earlier_lines_are_kept(tmp_path):
    path = tmp_path / "ms.jsonl"
    path.write_bytes(f"{GOOD_LINE}\n{GOOD_LINE[:57]}".encode())
    journal = read_journal(path)
    assert len(journal.codings) == 1
    (warning,) = journal.problems
    assert warning.severity == "warning" and warning.location.line == 2


@pytest.mark.parametrize("kind", ["folder", "named pipe"])
def test_a_journal_that_is_no_regular_file_is_a_journal_error(tmp_path, kind):
    path = tmp_path / "ms.jsonl"
    if kind == "folder":
        path.mkdir()
    elif hasattr(os, "mkfifo"):
        os.mkfifo(path)  # reading it would block for ever
    else:
        pytest.skip("no named pipes here")
    with pytest.raises(JournalError, match="cannot read this journal: not a regular file"):
        read_journal(path)


# --------------------------------------------------------------------------- via the CLI


def invalid(load) -> bool:
    """Whether gioia's own loader refuses the file: what `gioia check` must exit 1 for."""
    try:
        load()
    except (ConfigError, JournalError):
        return True
    return False


def test_cli_check_of_a_hostile_codebook_exits_1_without_traceback(tmp_path):
    """Exit 1 (naming the file) exactly when gioia's study loader refuses the codebook, 0
    when it loads; never a traceback."""
    study = make_cli_study(tmp_path / "study")

    @settings(BOUNDED, max_examples=25)
    @given(data=codebook_cases())
    def property(data: bytes) -> None:
        (study / "codebook.yaml").write_bytes(data)
        # The study loader: the codebook and its cross-checks with gioia.yaml (a pattern
        # on POS needs a pipeline that sets it).
        expected = 1 if invalid(lambda: pipeline.load_study(study)) else 0
        assert check_cli(study, "check", names="codebook.yaml") == expected

    property()


def test_cli_check_of_a_hostile_gioia_yaml_exits_1_without_traceback(tmp_path):
    """Exit 1 (naming the file) exactly when gioia's study loader refuses gioia.yaml (or
    what it says of the other files), else 0."""
    study = make_cli_study(tmp_path / "study")

    @settings(BOUNDED, max_examples=25)
    @given(data=study_config_cases())
    def property(data: bytes) -> None:
        (study / "gioia.yaml").write_bytes(data)
        expected = 1 if invalid(lambda: pipeline.load_study(study)) else 0  # and its checks
        assert check_cli(study, "check", names="gioia.yaml") == expected

    property()


def test_cli_check_of_a_hostile_journal_exits_1_without_traceback(tmp_path):
    """Exit 1 (naming the journal) exactly when the journal reader refuses it, else 0."""
    study = make_cli_study(tmp_path / "study")

    @settings(BOUNDED, max_examples=25)
    @given(data=journal_cases())
    def property(data: bytes) -> None:
        path = study / "codings" / "ms.jsonl"
        path.write_bytes(data)
        expected = 1 if invalid(lambda: read_journal(path)) else 0
        assert check_cli(study, "check", names="ms.jsonl") == expected

    property()


def test_cli_check_reports_unknown_concepts_in_a_journal_as_orphans(tmp_path):
    study = make_cli_study(tmp_path / "study")
    line = dict(VALID_CODING, transcript="P1", concept="no-such-concept", quote="staff room")
    (study / "codings" / "ms.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(study)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "orphaned accept of 'no-such-concept'" in result.stderr
    assert f"{study / 'codings' / 'ms.jsonl'}:1" in result.stderr


def test_formula_cells_are_not_exported_live_to_csv(tmp_path):
    study = make_cli_study(tmp_path / "study")
    (study / "participants.csv").write_text(f'id,role\nP1,"{FORMULA}"\n', encoding="utf-8")
    (study / "transcripts" / "P1.txt").write_text(
        "Interviewer: Why?\n\nP1: =1+1 is how I rant in the staff room.\n", encoding="utf-8"
    )
    line = dict(VALID_CODING, transcript="P1", coder="ms", quote="=1+1 is how I rant")
    (study / "codings" / "ms.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    out = tmp_path / "codings.csv"
    assert check_cli(study, "export", "--format", "csv", "--out", str(out)) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 2, rows
    live = [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert live == []
