"""Taguette in both directions: its project (.sqlite3) and highlights CSV in, a codebook
CSV out that a real Taguette imports.

The files in tests/data/taguette/ were made by Taguette 1.5.2 itself, driven through its
HTTP API by tests/data/taguette/make_fixtures.py (not run here: CI has no Taguette);
small-expected.json is what that script asked Taguette for, the known answers below.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gioia import pipeline
from gioia.cli import app
from gioia.interchange import InterchangeError, UnsafeFileError, build_taguette_codebook
from gioia.interchange import taguette as taguette_module
from gioia.interchange.taguette import read_taguette_csv, read_taguette_project
from gioia.interchange.taguette_codebook import DOT_IN_LABEL
from gioia.interchange.taguette_html import html_text
from gioia.journal import read_journals
from gioia.models import Codebook, Concept, Dimension, Theme

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "taguette"
SMALL = DATA / "small.sqlite3"
HIGHLIGHTS_CSV = DATA / "small-highlights.csv"
EXPECTED = json.loads((DATA / "small-expected.json").read_text(encoding="utf-8"))
EXAMPLE = ROOT / "examples" / "peer-support"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "100"})


def tagged() -> list[dict]:
    return [h for h in EXPECTED["highlights"] if h["tags"]]


def journal_lines(study: Path) -> list:
    return [line for journal in read_journals(study / "codings") for line in journal.codings]


def codebook_tree(study: Path) -> dict:
    """{dimension: {theme: {concept: definition}}} of the study's codebook.yaml."""
    data = yaml.safe_load((study / "codebook.yaml").read_text(encoding="utf-8"))
    return {
        d["label"]: {
            t["label"]: {c["label"]: c.get("definition", "") for c in t["concepts"]}
            for t in d["themes"]
        }
        for d in data["dimensions"]
    }


def labels_by_id(study: Path) -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load((study / "codebook.yaml").read_text(encoding="utf-8"))
    return {
        c["id"]: (d["label"], t["label"], c["label"])
        for d in data["dimensions"]
        for t in d["themes"]
        for c in t["concepts"]
    }


def node_counts(study: Path) -> dict[tuple[str, ...], tuple[int, int]]:
    result = invoke("structure", study, "--json")
    assert result.exit_code == 0, result.output
    return counts_by_path(json.loads(result.stdout)["nodes"])


def counts_by_path(nodes: list[dict]) -> dict[tuple[str, ...], tuple[int, int]]:
    """Per node, by its path of labels: (participants expressing it, segments)."""
    by_id = {n["id"]: n for n in nodes}

    def path(node: dict) -> tuple[str, ...]:
        parent = by_id.get(node["parent"]) if node["parent"] else None
        return (path(parent) if parent else ()) + (node["label"],)

    return {path(n): (len(n["participants"]), n["segments"]) for n in nodes}


# --------------------------------------------------------------------------- the project


def test_project_reader_reads_documents_tags_and_highlights():
    project = read_taguette_project(SMALL)
    assert project.origin.startswith("Taguette")
    assert [s.name for s in project.sources] == ["P1", "P2", "P3"]
    tags = {code.name: code.description for code in project.codes}
    assert tags == {**EXPECTED["tags"], "interesting": "Further review required"}
    selections = [s for source in project.sources for s in source.selections]
    assert len(selections) == len(tagged()) == 11  # the 12th highlight has no tag
    assert sum(len(s.codings) for s in selections) == 12  # one highlight has two tags
    assert {c.user for s in selections for c in s.codings} == {"admin"}
    assert all(c.at.endswith("Z") for s in selections for c in s.codings)
    by_source = {s.name: s for s in project.sources}
    for highlight in tagged():
        source = by_source[highlight["document"]]
        texts = [" ".join(source.text[s.start : s.end].split()) for s in source.selections]
        assert highlight["text"] in texts
    assert by_source["P2"].notes == ("1 highlight(s) have no tag and are not imported",)


def test_documents_become_paragraph_lines():
    by_source = {s.name: s for s in read_taguette_project(SMALL).sources}
    # calibre made a <p> of each line of the .txt and <p>&nbsp;</p> of each blank line:
    # the text read back is the file that was uploaded.
    for name in ("P1", "P2"):
        assert by_source[name].text == (DATA / "sources" / f"{name}.txt").read_text("utf-8")
    assert by_source["P3"].text == (
        "Interview 3\n"
        "Interviewer: What does support look like for you?\n"
        "P3: Honestly, it is the WhatsApp group. Someone always answers, even at night.\n"
        "It makes the job feel less lonely.\n"
        "Interviewer: Anything else?\n"
        "P3: Covering for each other when a child is ill & you have to leave.\n"
    )


def test_import_project_into_a_new_folder(tmp_path):
    study = tmp_path / "study"
    result = pipeline.import_file(SMALL, study)
    assert (result.sources, result.codes, result.codings) == (3, 10, 12)
    assert (result.unplaced, result.duplicates, result.codings_skipped) == (0, 0, 0)
    assert result.coders == ("admin",)
    assert sorted(p.name for p in (study / "transcripts").iterdir()) == [
        "P1.txt",
        "P2.txt",
        "P3.txt",
    ]
    tree = codebook_tree(study)
    assert list(tree) == ["interesting", "Support", "Barriers"]
    assert tree["Support"]["Emotional"] == {
        "Checking in": EXPECTED["tags"]["Support.Emotional.Checking in"],
        "Less lonely": EXPECTED["tags"]["Support.Emotional.Less lonely"],
    }
    assert list(tree["Support"]["Practical"]) == [
        "Peer group",
        "Shared space",
        "Messaging",
        "Covering",
    ]
    # "Barriers.Isolation" is a theme here; its codings go to a concept of its own name
    assert list(tree["Barriers"]["Isolation"]) == ["Isolation"]

    labels = labels_by_id(study)
    imported = sorted(
        (line.transcript, labels[line.concept][-1], line.quote) for line in journal_lines(study)
    )
    known = sorted(
        (h["document"], tag.rsplit(".", 1)[-1], h["text"]) for h in tagged() for tag in h["tags"]
    )
    assert imported == known  # each quote is exactly the highlight's text


def test_a_highlight_starting_on_a_speaker_label_is_placed_and_counted(tmp_path):
    study = tmp_path / "study"
    pipeline.import_file(SMALL, study)
    line = next(x for x in journal_lines(study) if x.quote.startswith("P1: Mostly Dana"))
    assert line.start == -1  # placed by its quote, which occurs once
    counts = node_counts(study)
    assert counts[("Support", "Emotional", "Checking in")] == (1, 2)
    assert counts[("Support", "Practical", "Covering")] == (1, 1)  # starts on "P3:" in <b>


def test_reimporting_the_project_adds_nothing(tmp_path):
    study = tmp_path / "study"
    pipeline.import_file(SMALL, study)
    before = (study / "codings" / "admin.jsonl").read_bytes()
    again = pipeline.import_file(SMALL, study)
    assert (again.codings, again.duplicates, again.sources_unchanged) == (0, 12, 3)
    assert (study / "codings" / "admin.jsonl").read_bytes() == before


def test_a_project_file_with_another_suffix_is_read_too(tmp_path):
    copy = tmp_path / "taguette-export.db"
    shutil.copy(SMALL, copy)
    assert pipeline.import_file(copy, tmp_path / "study").codings == 12


# --------------------------------------------------------------------------- highlights CSV


def test_highlights_csv_is_placed_on_the_study_transcripts(tmp_path):
    study = tmp_path / "study"
    (study / "transcripts").mkdir(parents=True)
    for name in ("P1.txt", "P2.txt"):  # the researcher's own files; no P3
        shutil.copy(DATA / "sources" / name, study / "transcripts" / name)
    result = pipeline.import_file(HIGHLIGHTS_CSV, study)
    assert (result.codings, result.unplaced, result.codes) == (8, 0, 10)
    assert result.coders == ("taguette",)
    assert (result.sources_skipped, result.codings_skipped) == (1, 4)  # P3's 4 highlights
    skipped = [w for w in result.warnings if "no transcript 'P3'" in w.message]
    assert skipped and any("project export (.sqlite3)" in w.hint for w in result.warnings)

    labels = labels_by_id(study)
    imported = sorted(
        (line.transcript, labels[line.concept][-1], line.quote) for line in journal_lines(study)
    )
    known = sorted(
        (h["document"], tag.rsplit(".", 1)[-1], h["text"])
        for h in tagged()
        if h["document"] != "P3"
        for tag in h["tags"]
    )
    assert imported == known
    again = pipeline.import_file(HIGHLIGHTS_CSV, study)
    assert (again.codings, again.duplicates) == (0, 8)


def test_highlights_csv_reader_groups_tags_by_highlight():
    project = read_taguette_csv(HIGHLIGHTS_CSV)
    assert [s.name for s in project.sources] == ["P1", "P2", "P3"]
    assert all(s.text is None and not s.problem for s in project.sources)
    selections = [s for source in project.sources for s in source.selections]
    assert [s.quote for s in selections] == [h["text"] for h in tagged()]
    assert all((s.start, s.end) == (-1, -1) for s in selections)
    assert [len(s.codings) for s in selections].count(2) == 1


# --------------------------------------------------------------------------- codebook CSV out


def test_codebook_export_is_taguette_csv(tmp_path):
    out = tmp_path / "codebook.csv"
    result = invoke("export", EXAMPLE, "--format", "taguette", "--out", out)
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbftag,description\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    depths = [row[0].count(".") for row in rows]
    assert (depths.count(0), depths.count(1), depths.count(2)) == (2, 7, 22)
    assert "Types of informal peer support.Emotional support.letting off steam" in {
        row[0] for row in rows
    }
    assert all("\n" not in row[1] and row[1] == row[1].strip() for row in rows)


def test_default_export_name(tmp_path):
    study = tmp_path / "peer-support"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    result = invoke("export", study, "--format", "taguette")
    assert result.exit_code == 0, result.output
    written = study / "report" / "peer-support-taguette-codebook.csv"
    assert "".join(result.stdout.split()) == str(written)  # the console wraps long paths


def test_codebook_csv_round_trips_through_gioia_and_through_taguette(tmp_path):
    """gioia's codebook CSV read back by gioia, and Taguette's export of the project it
    was imported into (gioia-codebook-in-taguette.csv, made by the real Taguette): both
    give the example's tree of labels and definitions."""
    out = tmp_path / "codebook.csv"
    invoke("export", EXAMPLE, "--format", "taguette", "--out", out)
    original = codebook_tree(EXAMPLE)
    for file, folder in (
        (out, "from-gioia"),
        (DATA / "gioia-codebook-in-taguette.csv", "taguette"),
    ):
        result = invoke("import", file, tmp_path / folder, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["codes"] == 31
        assert "has no codings" not in result.output
        imported = codebook_tree(tmp_path / folder)
        assert {d: {t: set(c) for t, c in th.items()} for d, th in imported.items()} == {
            d: {t: set(c) for t, c in th.items()} for d, th in original.items()
        }
        for dimension, themes in original.items():
            for theme, concepts in themes.items():
                for concept, definition in concepts.items():
                    got = imported[dimension][theme][concept]
                    assert got == " ".join(definition.split())


def test_taguette_codebook_csv_is_read_with_its_descriptions():
    project = read_taguette_csv(DATA / "small-codebook.csv")
    assert project.sources == ()
    tags = {code.name: code.description for code in project.codes}
    assert tags == {**EXPECTED["tags"], "interesting": "Further review required"}


def test_codebook_export_keeps_a_dot_in_a_label_on_its_level():
    concept = Concept("c", "Dr. Who calls", "t", "d", definition="A\n\nmulti-line  definition")
    codebook = Codebook(
        "x", (Dimension("d", "Dim", themes=(Theme("t", "Theme", "d", concepts=(concept,)),)),)
    )
    rows = list(csv.reader(io.StringIO(build_taguette_codebook(codebook).lstrip("\ufeff"))))
    assert rows[-1] == [f"Dim.Theme.Dr{DOT_IN_LABEL} Who calls", "A multi-line definition"]


def test_a_dot_in_a_label_comes_back_as_a_dot(tmp_path):
    concept = Concept("c", "Dr. Who calls", "t", "d", definition="Calls.")
    codebook = Codebook(
        "x", (Dimension("d", "Dim", themes=(Theme("t", "Theme", "d", concepts=(concept,)),)),)
    )
    exported = tmp_path / "codebook.csv"
    exported.write_text(build_taguette_codebook(codebook), encoding="utf-8")
    study = tmp_path / "study"
    result = invoke("import", exported, study)
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((study / "codebook.yaml").read_text(encoding="utf-8"))
    [dimension] = data["dimensions"]
    [theme] = dimension["themes"]
    assert [c["label"] for c in theme["concepts"]] == ["Dr. Who calls"]


def test_codebook_export_refuses_what_taguette_would_refuse():
    long = Concept("c", "x" * 191, "t", "d")  # "Dim.Theme." and 191: 201 characters
    twins = (Concept("a", "Same", "t", "d"), Concept("b", "Same", "t", "d"))
    for concepts in ((long,), twins):
        codebook = Codebook(
            "x", (Dimension("d", "Dim", themes=(Theme("t", "Theme", "d", concepts=concepts),)),)
        )
        with pytest.raises(InterchangeError):
            build_taguette_codebook(codebook)


# --------------------------------------------------------------------------- round trip


def test_example_study_round_trips_through_a_taguette_project(tmp_path):
    """peer-support.sqlite3 is a Taguette project holding the example's transcripts as
    uploaded and its 57 counted codings as highlights. Imported into a fresh folder with
    the example's gioia.yaml and participants.csv, every node has the example's counts.

    What differs, and why: calibre (Taguette's converter) collapses runs of spaces, so
    the Otter export GP6.txt loses the two spaces of its ``Interviewer  0:04`` lines;
    gioia still reads its turns, as its SPEAKERS block names the speakers. GP7.md's
    Markdown marks are gone (calibre rendered them); its turns read the same. Concept ids
    are made from the labels, as Taguette keeps no ids: the example's gioia.yaml names
    one (subgroup_statements), which is left out here."""
    study = tmp_path / "round-trip"
    study.mkdir()
    shutil.copy(EXAMPLE / "participants.csv", study / "participants.csv")
    settings = (EXAMPLE / "gioia.yaml").read_text(encoding="utf-8")
    without_ids = re.sub(r"\n  report:\n(    .*\n)+", "\n", settings)
    assert without_ids != settings
    (study / "gioia.yaml").write_text(without_ids, encoding="utf-8")
    result = invoke("import", DATA / "peer-support.sqlite3", study, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["sources"], summary["codings"], summary["unplaced"]) == (8, 57, 0)
    example = tmp_path / "example"
    shutil.copytree(EXAMPLE, example, ignore=shutil.ignore_patterns(".gioia", "report"))
    assert node_counts(study) == node_counts(example)

    def turns(folder: Path) -> list[tuple[str, list[str], int]]:
        result = invoke("ingest", folder, "--json")
        assert result.exit_code == 0, result.output
        return [(r["id"], r["speakers"], r["participant_turns"]) for r in json.loads(result.stdout)]

    assert turns(study) == turns(example)


# --------------------------------------------------------------------------- hostile files


def copy_of_small(tmp_path: Path, sql: str = "") -> Path:
    path = tmp_path / "project.sqlite3"
    shutil.copy(SMALL, path)
    if sql:
        with sqlite3.connect(path) as db:
            db.executescript(sql)
        db.close()
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "no SQLite database"),
        (b"id,document,tag,content\n", "no SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 5000, "cannot be read as a Taguette project"),
    ],
)
def test_a_file_that_is_no_taguette_database_is_refused(tmp_path, content, message):
    path = tmp_path / "project.sqlite3"
    path.write_bytes(content)
    with pytest.raises(InterchangeError, match=message):
        read_taguette_project(path)


def test_a_truncated_database_is_refused(tmp_path):
    path = tmp_path / "project.sqlite3"
    path.write_bytes(SMALL.read_bytes()[:12_000])
    with pytest.raises(InterchangeError, match="cannot be read as a Taguette project"):
        read_taguette_project(path)


def test_other_sqlite_databases_are_refused(tmp_path):
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (id INTEGER, text TEXT)")
    db.close()
    with pytest.raises(InterchangeError, match="not a Taguette project: it has no projects"):
        read_taguette_project(other)
    view = copy_of_small(
        tmp_path, "DROP TABLE documents; CREATE VIEW documents AS SELECT * FROM tags;"
    )
    with pytest.raises(InterchangeError, match="no documents table"):
        read_taguette_project(view)
    two = tmp_path / "two.sqlite3"
    shutil.copy(copy_of_small(tmp_path, "INSERT INTO projects VALUES (9, 'Other', '', '');"), two)
    with pytest.raises(InterchangeError, match="holds 2 projects"):
        read_taguette_project(two)


def test_values_taguette_never_writes_do_not_break_the_import(tmp_path):
    path = copy_of_small(
        tmp_path,
        """
        UPDATE highlights SET start_offset = -5, end_offset = 1000000000000 WHERE id = 1;
        UPDATE highlights SET start_offset = 'abc' WHERE id = 2;
        UPDATE highlights SET start_offset = 0, end_offset = 10 WHERE id = 4;
        UPDATE highlights SET snippet = '<p>words found nowhere</p>' WHERE id = 5;
        UPDATE documents SET contents = X'00FF' WHERE id = 3;
        UPDATE commands SET payload = '{"type": "highlight_add", [' WHERE id > 5;
        INSERT INTO highlight_tags VALUES (99, 99);
        """,
    )
    result = pipeline.import_file(path, tmp_path / "study")
    # P3's contents are no text: its 4 codings are skipped; the rest are imported, the
    # broken offsets placed by their snippet's words (highlights 1, 2 and 4).
    assert (result.sources, result.sources_skipped, result.codings_skipped) == (2, 1, 4)
    assert result.codings == 8
    quotes = {line.quote for line in journal_lines(tmp_path / "study")}
    assert "the first months were hard" in quotes
    assert "we have a lunch group on Fridays" in quotes
    assert "Time — there is never enough of it." in quotes  # its offsets still hold
    assert any("placed by their words" in w.message for w in result.warnings)


def test_a_database_that_takes_too_long_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(taguette_module, "_STEP_BUDGET", 10)
    monkeypatch.setattr(taguette_module, "_STEPS_PER_CHECK", 1)
    with pytest.raises(UnsafeFileError, match="far longer"):
        read_taguette_project(SMALL)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.sqlite3", b"SQLite format 3\x00" + b"\x00" * 200, "cannot be read"),
        ("notes.sqlite3", b"hello", "not a Taguette project"),
        ("grades.csv", b"student,grade\nA,1\n", "not a CSV file Taguette exports"),
        ("short.csv", b"id,document,tag,content\n1,P1\n", "row 2 has 2 columns"),
    ],
)
def test_cli_refuses_hostile_files_without_a_traceback(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    result = invoke("import", tmp_path / name, tmp_path / "study")
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "study").exists()


# --------------------------------------------------------------------------- offsets


def test_offsets_count_utf8_bytes_of_text_nodes():
    # "é" is two bytes, "&amp;" one character, the "\n" between paragraphs a text node,
    # a <br> and the tags nothing.
    html = "<p>caf\u00e9 &amp; <b>tea</b></p>\n<p>x<br>y</p>"
    document = html_text(html)
    assert document.text == "café & tea\nx\ny\n"
    nodes = "café & tea\nxy"

    def span(passage: str) -> str:
        start = len(nodes[: nodes.index(passage)].encode())
        end = start + len(passage.encode())
        found = document.span(start, end)
        assert found is not None
        return document.text[found[0] : found[1]]

    assert span("& tea") == "& tea"
    assert span("é & t") == "é & t"
    assert span("tea\nx") == "tea\nx"
    assert span("y") == "y"
    # an offset inside "é" (bytes 3-4) splits after it, as Taguette's split_utf8 does:
    # an end there keeps it, a start there leaves it out
    assert document.span(0, 4) == (0, 4)
    assert document.span(4, 6) == (4, 5)


def test_html_layout_as_lines():
    html = (
        "<h2>T</h2><p>\u00a0</p><table><tr><td>a</td><td>b</td></tr></table>"
        "<pre>\nline 1\nline 2</pre><ul><li>one</li><li>two</li></ul>"
    )
    assert html_text(html).text == "T\n\na\tb\nline 1\nline 2\none\ntwo\n"
