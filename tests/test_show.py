"""`gioia show`: every counted coding of a concept, theme, dimension or participant.

Expected results are worked out by hand on a small study (test_review's codebook and
transcripts, coded by two coders) and, on a copy of the example study, counted from its
journal file with the standard library only, not through gioia."""

from __future__ import annotations

import io
import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from test_gates import A, B, C, D, code, invoke, two_coders  # noqa: F401 (a fixture)

from gioia import console

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "peer-support"

# The two_coders study: ms coded A venting, A coffee-room, B second-opinion, C venting
# (P1) and D venting (P2); jd coded A venting, B second-opinion, C second-opinion (P1)
# and D venting (P2). Counted: their union, one per span and concept.


def show_json(study, *args):
    result = invoke("show", study, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(data):
    return [(c["transcript"], c["quote"], c["concept"], c["coders"]) for c in data["codings"]]


def test_a_concept_lists_its_counted_codings_with_their_coders(two_coders):  # noqa: F811
    data = show_json(two_coders, "--concept", "venting")
    assert rows(data) == [
        ("P1", A, "venting", ["jd", "ms"]),
        ("P1", C, "venting", ["ms"]),
        ("P2", D, "venting", ["jd", "ms"]),
    ]
    assert data["selector"] == {"by": "concept", "id": "venting", "label": "Letting off steam"}
    assert data["counts"] == {
        "codings": 3,
        "segments": 3,
        "transcripts": 2,
        "participants": 2,
        "of_participants": 2,
    }
    assert [c["participants"] for c in data["codings"]] == [["P1"], ["P1"], ["P2"]]
    text = (two_coders / ".gioia" / "text" / "P1.txt").read_text(encoding="utf-8")
    first = data["codings"][0]
    assert text[first["start"] : first["end"]] == A


def test_a_theme_includes_its_concepts_codings_in_transcript_and_codebook_order(two_coders):  # noqa: F811
    data = show_json(two_coders, "--theme", "emotional")
    # A carries venting and coffee-room: two codings, one segment; codebook order
    assert rows(data) == [
        ("P1", A, "venting", ["jd", "ms"]),
        ("P1", A, "coffee-room", ["ms"]),
        ("P1", C, "venting", ["ms"]),
        ("P2", D, "venting", ["jd", "ms"]),
    ]
    assert data["counts"]["codings"] == 4
    assert data["counts"]["segments"] == 3
    advice = show_json(two_coders, "--theme", "advice")
    assert rows(advice) == [
        ("P1", B, "second-opinion", ["jd", "ms"]),
        ("P1", C, "second-opinion", ["jd"]),
    ]
    assert advice["counts"]["participants"] == 1
    assert show_json(two_coders, "--dimension", "support")["counts"]["codings"] == 6


def test_a_participant_lists_the_codings_of_their_talk(two_coders):  # noqa: F811
    data = show_json(two_coders, "--participant", "P2")
    assert rows(data) == [("P2", D, "venting", ["jd", "ms"])]
    assert data["counts"]["participants"] == 1
    assert len(show_json(two_coders, "--participant", "P1")["codings"]) == 5


def test_the_terminal_view_has_the_count_line_and_the_quotes(two_coders):  # noqa: F811
    result = invoke("show", two_coders, "--theme", "emotional")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "theme emotional: Emotional support"
    assert lines[1] == (
        "4 codings from 2 of 2 participants, in 2 transcripts (3 distinct segments)"
    )
    assert "P1 · jd, ms · Letting off steam" in result.stdout
    assert "P1 · ms · The coffee room" in result.stdout
    for quote in (A, C, D):
        assert quote in result.stdout
    # grouped by transcript: P1's codings, then P2's
    assert result.stdout.index(C) < result.stdout.index("\nP2\n") < result.stdout.index(D)


def test_a_later_reject_withdraws_only_that_coders_accept(two_coders):  # noqa: F811
    line = {
        "transcript": "P1",
        "start": -1,
        "end": -1,
        "decision": "reject",
        "coder": "ms",
        "source": "human",
        "at": "2030-01-01T00:00:00Z",
    }
    with (two_coders / "codings" / "ms.jsonl").open("a", encoding="utf-8") as journal:
        for quote in (A, C):
            journal.write(json.dumps(line | {"quote": quote, "concept": "venting"}) + "\n")
    # A stays (jd still accepts it), C goes (ms alone had coded it)
    assert rows(show_json(two_coders, "--concept", "venting")) == [
        ("P1", A, "venting", ["jd"]),
        ("P2", D, "venting", ["jd", "ms"]),
    ]


def test_only_the_coders_gioia_yaml_names_count(two_coders):  # noqa: F811
    (two_coders / "gioia.yaml").write_text("settings:\n  coders: [jd]\n", encoding="utf-8")
    assert rows(show_json(two_coders, "--concept", "venting")) == [
        ("P1", A, "venting", ["jd"]),
        ("P2", D, "venting", ["jd"]),
    ]


def test_only_reportable_attributes_are_shown(two_coders):  # noqa: F811
    (two_coders / "participants.csv").write_text(
        "id,sex,role\nP1,female,locum-secret\nP2,male,partner-secret\n", encoding="utf-8"
    )
    (two_coders / "gioia.yaml").write_text(
        'settings:\n  reportable: [sex]\n  attribution: "({id}, {sex}, {role})"\n',
        encoding="utf-8",
    )
    data = show_json(two_coders, "--concept", "venting")
    assert data["participants"] == [
        {"id": "P1", "attribution": "(P1, female)", "attributes": {"sex": "female"}},
        {"id": "P2", "attribution": "(P2, male)", "attributes": {"sex": "male"}},
    ]
    terminal = invoke("show", two_coders, "--concept", "venting")
    assert "P1, female · jd, ms" in terminal.stdout
    for output in (json.dumps(data), terminal.stdout):
        assert "secret" not in output


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["--concept", "ventng"], "no concept 'ventng' in this study", "did you mean 'venting'?"),
        (["--concept", "opinion"], "no concept 'opinion'", "did you mean 'second-opinion'?"),
        (["--theme", "emotionl"], "no theme 'emotionl'", "did you mean 'emotional'?"),
        (["--concept", "emotional"], "no concept 'emotional'", "use --theme emotional"),
        (["--dimension", "suport"], "no dimension 'suport'", "did you mean 'support'?"),
        (["--participant", "P11"], "no participant 'P11'", "did you mean 'P1'?"),
        (["--participant", "Q7"], "no participant 'Q7'", "known: P1, P2"),
    ],
)
def test_unknown_ids_say_what_was_meant(two_coders, args, message, hint):  # noqa: F811
    result = invoke("show", two_coders, *args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr
    assert hint in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--concept", "venting", "--theme", "emotional"],
        ["--participant", "P1", "--dimension", "support"],
    ],
)
def test_exactly_one_selector_is_required(two_coders, args):  # noqa: F811
    result = invoke("show", two_coders, *args)
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.replace("│", " ").split())  # the message, unwrapped
    assert "exactly one of --concept, --theme, --dimension or --participant" in said


def test_a_concept_with_no_codings_says_so(two_coders):  # noqa: F811
    (two_coders / "codings" / "jd.jsonl").unlink()
    (two_coders / "codings" / "ms.jsonl").unlink()
    result = invoke("show", two_coders, "--concept", "venting")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "0 codings from 0 of 2 participants"
    data = show_json(two_coders, "--concept", "venting")
    assert data["codings"] == [] and data["counts"]["codings"] == 0


def test_control_characters_of_the_data_are_shown_not_obeyed():
    data = {
        "selector": {"by": "theme", "id": "t\x1b[2J", "label": "Label \x1b]0;title\x07"},
        "counts": {
            "codings": 1,
            "segments": 1,
            "transcripts": 1,
            "participants": 1,
            "of_participants": 1,
        },
        "participants": [{"id": "P1", "attribution": "(P1\x1b[31m)", "attributes": {}}],
        "codings": [
            {
                "transcript": "T\x1b[1A",
                "start": 0,
                "end": 5,
                "concept": "c",
                "concept_label": "C\u202e",
                "participants": ["P1"],
                "coders": ["ms"],
                "quote": "I \x1b[2Jrant\u202e [bold]x[/bold]",
            }
        ],
    }
    buffer = io.StringIO()
    safe = console.SafeConsole(file=buffer, width=100, highlight=False, color_system=None)
    safe.print(console.retrieval_view(data))
    shown = buffer.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "I ␛[2Jrant" in shown  # shown as its control picture
    assert "[bold]x[/bold]" in shown  # markup in a quote is text, not style


# --- the example study, counted from its journal --------------------------------------


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    study = tmp_path_factory.mktemp("show") / "peer-support"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns("report", ".gioia"))
    return study


def journal_counted(study: Path) -> dict[str, set[tuple[str, str]]]:
    """(transcript, quote) accepted per concept, from hb.jsonl alone: the latest line for
    the same transcript, quote and concept wins (every line is placed by its quote)."""
    latest = {}
    for line in (study / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        assert entry["start"] == -1  # placed by quote, so the quote identifies the span
        latest[entry["transcript"], entry["quote"], entry["concept"]] = entry["decision"]
    found = defaultdict(set)
    for (transcript, quote, concept), decision in latest.items():
        if decision == "accept":
            found[concept].add((transcript, " ".join(quote.split())))
    return found


def codebook_tree(study: Path) -> dict[str, dict[str, list[str]]]:
    book = yaml.safe_load((study / "codebook.yaml").read_text(encoding="utf-8"))
    return {
        d["id"]: {t["id"]: [c["id"] for c in t["concepts"]] for t in d["themes"]}
        for d in book["dimensions"]
    }


def shown(data) -> set[tuple[str, str]]:
    return {(c["transcript"], " ".join(c["quote"].split())) for c in data["codings"]}


def test_example_every_concept_and_theme_matches_the_journal(example):
    counted = journal_counted(example)
    tree = codebook_tree(example)
    total = sum(len(v) for v in counted.values())
    # 60 lines, 59 (transcript, quote, concept): 58 accepts and 2 rejects, one of which
    # withdraws an accept
    assert total == 57
    themes = {t: cs for d in tree.values() for t, cs in d.items()}
    for theme, concepts in themes.items():
        data = show_json(example, "--theme", theme)
        expected = sum(len(counted[c]) for c in concepts)
        assert data["counts"]["codings"] == expected, theme
        # one participant per transcript in the example: GPn speaks in GPn
        transcripts = {t for c in concepts for t, _ in counted[c]}
        assert data["counts"]["participants"] == len(transcripts), theme
        assert data["counts"]["of_participants"] == 8
        for concept in concepts:
            by_concept = {
                (c["transcript"], " ".join(c["quote"].split()))
                for c in data["codings"]
                if c["concept"] == concept
            }
            assert by_concept == counted[concept], concept
            assert all(c["coders"] == ["hb"] for c in data["codings"])
    dimensions = {
        d: sum(len(counted[c]) for cs in ts.values() for c in cs) for d, ts in tree.items()
    }
    for dimension, expected in dimensions.items():
        assert show_json(example, "--dimension", dimension)["counts"]["codings"] == expected
    assert sum(dimensions.values()) == total


def test_example_participant_and_order(example):
    counted = journal_counted(example)
    expected = {(t, q) for pairs in counted.values() for t, q in pairs if t == "GP4"}
    data = show_json(example, "--participant", "GP4")
    assert shown(data) == expected
    assert data["counts"]["codings"] == sum(
        1 for pairs in counted.values() for t, _ in pairs if t == "GP4"
    )
    # attribution as the example's gioia.yaml sets it: ({id}, {sex}, {role})
    assert data["participants"][0]["attribution"] == "(GP4, female, locum GP)"
    starts = [c["start"] for c in data["codings"]]
    assert starts == sorted(starts)
    everything = show_json(example, "--dimension", "types-of-support")["codings"]
    order = [(int(c["transcript"][2:]), c["start"]) for c in everything]
    assert order == sorted(order)  # transcripts in corpus order (GP1..GP8), then position


def test_a_concept_is_found_by_its_former_id(two_coders):  # noqa: F811
    codebook = two_coders / "codebook.yaml"
    text = codebook.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if "label: Letting off steam" in line)
    indent = line[: len(line) - len(line.lstrip())]
    codebook.write_text(text.replace(line, f"{line}\n{indent}aliases: [steam]"), encoding="utf-8")
    data = show_json(two_coders, "--concept", "steam")
    assert data["selector"]["id"] == "venting"
    assert data["counts"]["codings"] == 3


def test_help_has_an_example_that_runs_on_the_example_study(example):
    result = invoke("show", "--help")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "Example: gioia show" in line)
    args = line.split("Example: gioia ")[1].split()
    assert args[:2] == ["show", "my-study"]
    shown = invoke(*args[:1], example, *args[2:])
    assert shown.exit_code == 0, shown.output
