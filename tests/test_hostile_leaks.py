"""Leaks (issue 16): a study must not read files from outside its folder, names under
``settings: anonymise:`` must be replaced in every output, data must not reach the
terminal as control sequences, and an output folder must not become an input.

Each attack of the issue is reproduced through the command line (typer's CliRunner, as
a user would run it), and the test checks what gioia does instead; a few unit tests pin
the pieces (a link changed between finding and reading, anonymised positions, the
console on a real terminal).
"""

from __future__ import annotations

import builtins
import csv
import io
import json
import os
import re
import textwrap
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hostile_support import BOUNDED
from hypothesis import given
from hypothesis import strategies as st
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from test_cli import CODEBOOK, TRANSCRIPT  # the coping study of the CLI tests
from typer.testing import CliRunner

from gioia import console
from gioia.anonymise import Anonymiser, anonymise
from gioia.cli import app
from gioia.errors import TranscriptError
from gioia.ingest import read_transcript

runner = CliRunner()

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


# --------------------------------------------------------------------------- 11: anonymise

NAMED = textwrap.dedent("""\
    Interviewer: Who helps you after a hard day?

    P1: Mostly Zoë. I rant to Zoë about my day in the coffee room.

    Interviewer: Anything else?

    P1: I go for a run with Anna Berg, or Anna's dog.
    """)
# The key as a keyboard may type it: "e" and a combining diaeresis (NFD), while the
# transcript's text, like all of gioia's, is NFC.
ZOE_NFD = unicodedata.normalize("NFD", "Zoë")
NAMES = ("Zoë", ZOE_NFD, "Anna Berg")


def coding(quote: str, concept: str, memo: str = "") -> str:
    return json.dumps(
        {
            "transcript": "P1",
            "start": -1,
            "end": -1,
            "concept": concept,
            "decision": "accept",
            "coder": "hb",
            "source": "human",
            "quote": quote,
            "at": "2026-11-26T10:00:00Z",
            "memo": memo,
        },
        ensure_ascii=False,
    )


@pytest.fixture
def named(tmp_path) -> Path:
    """A study whose transcript names people gioia.yaml says to anonymise, coded twice:
    once around a name, once with a selection that ends inside one."""
    study = make_study(tmp_path / "study", NAMED)
    (study / "gioia.yaml").write_text(
        f'settings:\n  anonymise:\n    {ZOE_NFD}: "[colleague]"\n    Anna Berg: "[friend]"\n',
        encoding="utf-8",
    )
    (study / "codings").mkdir()
    (study / "codings" / "hb.jsonl").write_text(
        coding("I rant to Zoë about my day in the coffee room.", "venting", "Zoë again")
        + "\n"
        + coding("Mostly Zo", "coffee-room")
        + "\n"
        + coding("I go for a run with Anna Berg", "venting")
        + "\n",
        encoding="utf-8",
    )
    return study


ANONYMISED_QUOTES = [
    "Mostly [colleague]",
    "I rant to [colleague] about my day in the coffee room.",
    "I go for a run with [friend]",
]


def assert_no_names(data: bytes) -> None:
    for name in NAMES:
        assert name.encode() not in data, name


def test_report_anonymises_with_a_key_typed_decomposed(named):
    result = invoke("report", named)
    assert result.exit_code == 0, result.output
    for name in ("report.md", "report.html", "results.json"):
        assert_no_names((named / "report" / name).read_bytes())
    results = json.loads((named / "report" / "results.json").read_text(encoding="utf-8"))
    quotes = sorted(q["text"] for chosen in results["quotes"].values() for q in chosen)
    assert quotes == sorted(ANONYMISED_QUOTES)


def test_csv_export_anonymises_quotes_and_memos(named, tmp_path):
    out = tmp_path / "codings.csv"
    result = invoke("export", named, "--format", "csv", "--out", out)
    assert result.exit_code == 0, result.output
    assert_no_names(out.read_bytes())
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["quote"] for row in rows] == ANONYMISED_QUOTES
    assert [row["memo"] for row in rows] == ["", "[colleague] again", ""]


def test_qdpx_export_anonymises_sources_selections_and_carries_no_study_files(named, tmp_path):
    out = tmp_path / "study.qdpx"
    result = invoke("export", named, "--format", "qdpx", "--out", out)
    assert result.exit_code == 0, result.output
    assert "settings.anonymise" in result.stderr and "carries" in result.stderr
    with zipfile.ZipFile(out) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    for data in entries.values():
        assert_no_names(data)
    # The raw transcripts and journals hold the names, gioia.yaml lists them: none is
    # carried; the manifest still maps code GUIDs to ids.
    assert not [name for name in entries if name.startswith("gioia/study/")]
    assert json.loads(entries["gioia/manifest.json"])["files"] == []

    root = ElementTree.fromstring(entries["project.qde"])
    ns = {"q": "urn:QDA-XML:project:1.0"}
    [source] = root.iterfind("q:Sources/q:TextSource", ns)
    text = entries["sources/" + source.get("plainTextPath").removeprefix("internal://")]
    text = text.decode("utf-8")
    assert "Mostly [colleague]. I rant to [colleague]" in text
    selections = source.findall("q:PlainTextSelection", ns)
    selected = [text[int(s.get("startPosition")) : int(s.get("endPosition"))] for s in selections]
    assert selected == ANONYMISED_QUOTES
    assert selections[0].get("name") == "line:2 Mostly [colleague]"
    memos = [d.text for d in root.iter("{urn:QDA-XML:project:1.0}Description")]
    assert "[colleague] again" in memos

    # Imported again, it is the anonymised project: no study restored with the names.
    target = tmp_path / "imported"
    result = invoke("import", out, target, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["restored"] is False
    assert_no_names(every_byte_under(target))


def test_a_name_no_transcript_holds_is_a_warning(named):
    config = named / "gioia.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + '    Jon Smiht: "[manager]"\n', encoding="utf-8"
    )
    for command in ("check", "run"):
        result = invoke(command, named)
        assert result.exit_code == 0, result.output
        [warning] = [line for line in result.stderr.splitlines() if "Jon Smiht" in line]
        assert "gioia.yaml:5" in warning and "warning:" in warning
        assert "occurs in no transcript" in warning
    # The decomposed key matched: no warning about it.
    assert "Zo" not in invoke("check", named).stderr


def test_anonymised_positions_select_whole_replacements():
    anonymiser = Anonymiser({ZOE_NFD: "[c]", "Anna Berg": "[friend]", "Anna": "[a]", " ": "x"})
    text = "Mostly Zoë. I rant to Zoë and Anna\n  Berg, Anna's dog. Zoëy and Hanna"
    document = anonymiser.document(text)
    assert document.text == "Mostly [c]. I rant to [c] and [friend], [a]'s dog. Zoëy and Hanna"
    assert anonymiser.replacements == {"Zoë": "[c]", "Anna Berg": "[friend]", "Anna": "[a]"}

    def quote(part: str) -> str:
        start = text.index(part)
        return document.quote(start, start + len(part))

    assert quote("Mostly Zo") == "Mostly [c]"  # a selection ending inside a name
    assert quote("oë. I rant") == "[c]. I rant"  # and one starting inside it
    assert quote("Berg,") == "[friend],"
    assert quote("Zoë and ") == "[c] and "
    assert quote("dog. Zoëy and Hanna") == "dog. Zoëy and Hanna"  # names as whole words


@BOUNDED
@given(
    words=st.lists(st.sampled_from(["Zoë", "Anna", "Berg", "x", "Zoëy", " ", ".", "\n"])),
    cut=st.tuples(st.integers(0, 200), st.integers(0, 200)),
)
def test_every_anonymised_selection_holds_no_name(words, cut):
    anonymiser = Anonymiser({"Zoë": "[c]", "Anna Berg": "[f]"})
    text = "".join(words)
    document = anonymiser.document(text)
    start, end = sorted(min(c, len(text)) for c in cut)
    new_start, new_end = document.span(start, end)
    assert 0 <= new_start <= new_end <= len(document.text)
    assert document.text == anonymise(text, {"Zoë": "[c]", "Anna Berg": "[f]"})
    assert anonymiser.matches(document.quote(start, end)) == set()
    # Text around the names is kept as it was.
    if not anonymiser.matches(text):
        assert document.quote(start, end) == text[start:end]


# --------------------------------------------------------------------------- 12: terminal

# An OSC sequence that retitles the terminal window (and swallows what follows until its
# terminator), a clear screen, a C1 control sequence introducer, and a right-to-left
# override that makes what follows read backwards.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eVenting\u2066"
UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066")


def hostile_codebook() -> str:
    quoted = json.dumps(HOSTILE)  # a YAML double-quoted scalar: escapes as in JSON
    return CODEBOOK.replace("label: Venting", f"label: {quoted}").replace(
        "title: Coping at work", f"title: {quoted}"
    )


def assert_safe(output: str) -> None:
    for character in UNSAFE:
        assert character not in output, repr(character)


def test_control_characters_in_labels_never_reach_the_terminal(tmp_path):
    study = make_study(tmp_path / "study")
    (study / "codebook.yaml").write_text(hostile_codebook(), encoding="utf-8")

    result = invoke("structure", study)
    assert result.exit_code == 0, result.output
    assert_safe(result.output)
    assert "pwned" in result.stdout and "Venting" in result.stdout  # shown, defused


def test_control_characters_in_json_are_escaped_and_round_trip(tmp_path):
    study = make_study(tmp_path / "study")
    (study / "codebook.yaml").write_text(hostile_codebook(), encoding="utf-8")

    result = invoke("structure", study, "--json")
    assert result.exit_code == 0, result.output
    assert_safe(result.stdout)
    labels = [node["label"] for node in json.loads(result.stdout)["nodes"]]
    assert HOSTILE in labels


def test_control_characters_in_problems_and_file_names_are_defused(tmp_path):
    study = make_study(tmp_path / "study")
    (study / "transcripts" / f"P2{HOSTILE}.txt").write_text(
        TRANSCRIPT.replace("P1", "P2"), encoding="utf-8"
    )
    (study / "codebook.yaml").write_text(
        CODEBOOK + f"{json.dumps(HOSTILE)}: 1\n", encoding="utf-8"
    )  # an unknown key: the problem names it

    result = invoke("check", study)
    assert result.exit_code == 1, result.output
    assert "pwned" in result.stderr
    assert_safe(result.output)

    (study / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    result = invoke("ingest", study)
    assert result.exit_code == 0, result.output
    assert "pwned" in result.stdout
    assert_safe(result.output)


def test_a_terminal_gets_gioias_colours_and_nothing_else():
    """On a real terminal rich writes its own escape sequences (colours): those stay,
    and only those."""
    screen = io.StringIO()
    terminal = console.SafeConsole(file=screen, force_terminal=True, color_system="standard")
    table = Table(title=HOSTILE)
    table.add_column(HOSTILE)
    table.add_row(HOSTILE, Text(HOSTILE))
    terminal.print(table)
    terminal.print(f"[bold red]error:[/] {escape(HOSTILE)}")
    written = screen.getvalue()
    assert "\x1b[" in written  # gioia's own colours
    assert re.sub(r"\x1b\[[0-9;]*m", "", written).count("\x1b") == 0
    assert_safe(re.sub(r"\x1b\[[0-9;]*m", "", written))
