"""Changed transcripts never lose codings: decisions are re-anchored by their quote, and
those that cannot be placed are reported as orphaned — the journal is never rewritten."""

from __future__ import annotations

import json
import textwrap
import zipfile
from pathlib import Path

from gioia import pipeline
from gioia.ingest import read_transcript
from gioia.interchange import import_qdpx
from gioia.journal import append_coding
from gioia.models import Coding, Transcript
from gioia.quotes import locate_quote

CODEBOOK = textwrap.dedent("""\
    version: 1
    title: Coping
    dimensions:
      - id: support
        label: Support
        themes:
          - id: emotional
            label: Emotional support
            concepts:
              - id: venting
                label: Venting
              - id: advice
                label: Advice
    """)

ORIGINAL = textwrap.dedent("""\
    Interviewer: How do you cope?

    P1: Mostly I rant to a colleague in the coffee room.

    Interviewer: And when you are unsure about a patient?

    P1: I ask one of the partners what they would do.
    """)


def make_study(root: Path) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "transcripts" / "P1.txt").write_text(ORIGINAL, encoding="utf-8")
    return root


def code(study: Path, concept: str, quote: str) -> None:
    """A decision recorded at the offsets the quote has in the current normalised text,
    as `gioia review` records them."""
    loaded = pipeline.load_study(study)
    [transcript] = pipeline.ingest(loaded).transcripts
    start = transcript.text.index(quote)
    append_coding(
        study / "codings" / "ms.jsonl",
        Coding(
            "P1",
            start,
            start + len(quote),
            concept,
            "accept",
            "ms",
            "human",
            quote,
            "2026-11-26T10:00:00Z",
        ),
    )


def counted(study: Path) -> tuple[list[tuple[str, int, int]], list[str]]:
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    analysis = pipeline.analyse(loaded, corpus)
    text = corpus.transcripts[0].text
    placed = [(c.concept, c.start, c.end) for c in analysis.counted]
    assert all(text[s:e] for _, s, e in placed)
    return placed, [f"{o.coding.concept}: {o.reason}" for o in analysis.orphans]


def test_inserted_paragraph_moves_coding_and_reworded_quote_is_orphaned(tmp_path):
    study = make_study(tmp_path)
    code(study, "venting", "I rant to a colleague in the coffee room.")
    code(study, "advice", "I ask one of the partners what they would do.")
    journal_before = (study / "codings" / "ms.jsonl").read_bytes()
    before, orphans = counted(study)
    assert orphans == []

    edited = ORIGINAL.replace(
        "P1: Mostly I rant",
        "P1: It has been a hard year, to be honest.\n\nP1: Mostly I rant",
    ).replace("I ask one of the partners what they would do.", "I ask a partner what she would do.")
    (study / "transcripts" / "P1.txt").write_text(edited, encoding="utf-8")

    after, orphans = counted(study)
    [(concept, start, end)] = after
    assert concept == "venting"
    assert start > before[0][1]  # moved with the inserted paragraph
    text = pipeline.ingest(pipeline.load_study(study)).transcripts[0].text
    assert text[start:end] == "I rant to a colleague in the coffee room."
    assert orphans == ["advice: quote not found in the current transcript text"]
    # the journal itself is untouched
    assert (study / "codings" / "ms.jsonl").read_bytes() == journal_before

    result = pipeline.check(study)
    assert result.ok
    assert any("orphaned accept of 'advice' in P1" in p.message for p in result.problems)

    report = pipeline.report(pipeline.load_study(study))
    [orphan] = report.results["codings"]["orphaned"]
    assert (orphan["concept"], orphan["quote"]) == (
        "advice",
        "I ask one of the partners what they would do.",
    )
    assert "I ask one of the partners" in (study / "report" / "report.md").read_text()


def test_rewrapped_quote_is_placed_ignoring_whitespace(tmp_path):
    study = make_study(tmp_path)
    code(study, "venting", "I rant to a colleague in the coffee room.")
    before = pipeline.ingest(pipeline.load_study(study)).transcripts[0].text
    old_start = before.index("I rant")
    # Words added before the quote move it; a line break and a run of spaces inside it
    # change its length: neither its stored offset nor its stored length fits any more.
    rewrapped = ORIGINAL.replace("Mostly I rant", "Mostly, if I am honest, I rant").replace(
        "to a colleague in", "to a   colleague\n\nin"
    )
    (study / "transcripts" / "P1.txt").write_text(rewrapped, encoding="utf-8")
    text = pipeline.ingest(pipeline.load_study(study)).transcripts[0].text
    placed, orphans = counted(study)
    assert orphans == []
    [(concept, start, end)] = placed
    assert concept == "venting"
    assert start == text.index("I rant") != old_start
    coded = "I rant to a colleague in the coffee room."
    quote = text[start:end]
    assert quote != coded
    assert quote.split() == coded.split()


def test_journal_lines_are_json_with_the_quote(tmp_path):
    study = make_study(tmp_path)
    code(study, "venting", "I rant to a colleague in the coffee room.")
    [line] = (study / "codings" / "ms.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["quote"] == "I rant to a colleague in the coffee room."


# --------------------------------------------------------------- quotes with speaker headers
# A quote copied from a transcript file keeps the file's speaker headers ("Anna Berg  00:26"
# in an Otter export), which gioia's normalised text renders as "Anna Berg: ". Spans below
# were counted by hand in the normalised texts printed next to them.

OTTER = Path(__file__).parent / "data" / "otter" / "titled.txt"
ACROSS_TWO_TURNS = (
    "The kitchen table.\n\nAnna Berg  00:26\nI mean the habit of sitting down together."
)


def read(path: Path) -> Transcript:
    return read_transcript(path, transcript_id=path.stem, rel_path=path.name)


def read_string(tmp_path: Path, text: str, name: str = "t.txt") -> Transcript:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return read(tmp_path / name)


def test_a_quote_across_otter_headers_is_placed_on_the_normalised_text():
    assert ACROSS_TWO_TURNS in OTTER.read_text(encoding="utf-8")  # copied from the source
    transcript = read(OTTER)
    # ...Anna Berg: The kitchen table.\n\nAnna Berg: I mean the habit of sitting down
    # together. Now it's...: "The" is character 310, "together." ends at 383.
    span = locate_quote(transcript.text, ACROSS_TWO_TURNS)
    assert span == (310, 383)
    assert transcript.text[310:383] == (
        "The kitchen table.\n\nAnna Berg: I mean the habit of sitting down together."
    )
    # A header before the first word is not talk: the span starts at the talk.
    leading = "Anna Berg  00:26\nI mean the habit"
    assert locate_quote(transcript.text, leading) == (341, 357)
    assert transcript.turn_at(341).speaker == "Anna Berg"


def test_the_hint_is_checked_not_trusted():
    text = read(OTTER).text
    # Right offset: the span still ends where the normalised text ends the quote, not
    # len(quote) characters later, as trusting the hint would have it.
    assert 310 + len(ACROSS_TWO_TURNS) != 383
    assert locate_quote(text, ACROSS_TWO_TURNS, 310) == (310, 383)
    # Wrong offset: the quote is found where it is.
    assert locate_quote(text, ACROSS_TWO_TURNS, 0) == (310, 383)
    # Negative controls: another speaker's header, or other words, are not found, at
    # the right offset or anywhere.
    other_speaker = ACROSS_TWO_TURNS.replace("Anna Berg  00:26", "Interviewer  00:26")
    reworded = ACROSS_TWO_TURNS.replace("the habit", "the custom")
    for quote in (other_speaker, reworded):
        assert locate_quote(text, quote, 310) == "quote not found in the current transcript text"


def test_quotes_with_timestamped_and_own_line_labels(tmp_path):
    stamped = read_string(
        tmp_path,
        "[00:00:01] Interviewer: How did the move go?\n"
        "[00:00:04] Anna: Badly. We lost the kitchen table.\n"
        "[00:00:09] Interviewer: And the partners?\n"
        "[00:00:12] Anna: They eat upstairs now.\n",
    )
    # "Interviewer: How did the move go?\n\nAnna: Badly. We lost the kitchen table.\n\n
    #  Interviewer: And the partners?\n\n...": "We" is 48, "partners?" ends at 106.
    quote = "We lost the kitchen table.\n[00:00:09] Interviewer: And the partners?"
    assert locate_quote(stamped.text, quote) == (48, 106)
    assert stamped.text[48:106] == "We lost the kitchen table.\n\nInterviewer: And the partners?"

    # "NAME:" on its own line, written in capitals the second time: gioia keeps the
    # first spelling. "Interviewer: How did the move go?\n\nAnna: Badly.\n\nInterviewer:
    # And the partners?\n\nAnna: They eat upstairs now.": "Badly." is 41, "eat" ends at 95.
    own_line = read_string(
        tmp_path,
        "Interviewer:\nHow did the move go?\n\nAnna:\nBadly.\n\n"
        "INTERVIEWER:\nAnd the partners?\n\nANNA:\nThey eat upstairs now.\n",
        "own.txt",
    )
    quote = "Badly.\n\nINTERVIEWER:\nAnd the partners?\n\nANNA:\nThey eat"
    assert locate_quote(own_line.text, quote) == (41, 95)
    assert own_line.text[41:95] == "Badly.\n\nInterviewer: And the partners?\n\nAnna: They eat"


def test_a_quote_across_caption_cues_of_one_speaker(tmp_path):
    """Consecutive cues of one speaker are one turn: the second cue's label is gone."""
    captions = read_string(
        tmp_path,
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nInterviewer: How did the move go?\n\n"
        "2\n00:00:04.000 --> 00:00:06.000\nAnna: Badly. We lost\n\n"
        "3\n00:00:06.000 --> 00:00:08.000\nAnna: the kitchen table.\n",
        "t.vtt",
    )
    assert (
        captions.text
        == "Interviewer: How did the move go?\n\nAnna: Badly. We lost the kitchen table."
    )
    quote = "We lost\n\n3\n00:00:06.000 --> 00:00:08.000\nAnna: the kitchen table."
    assert locate_quote(captions.text, quote) == (48, 74)


def test_a_quote_found_in_two_places_across_headers_is_refused(tmp_path):
    exchange = "Anna  {t}\nYes.\n\nInterviewer  {u}\nAnd then?\n\n"
    transcript = read_string(
        tmp_path,
        "Interviewer  0:00\nDid you move?\n\n"
        + exchange.format(t="0:03", u="0:04")
        + "Anna  0:06\nWe moved twice.\n\nInterviewer  0:09\nDid you like it?\n\n"
        + exchange.format(t="0:12", u="0:13")
        + "Anna  0:15\nNo.\n",
    )
    assert transcript.format == "otter"
    text = transcript.text
    # Copied from the second exchange, whose times differ: without them it reads the same
    # as the first, so it is in two places.
    quote = "Yes.\n\nInterviewer  0:13\nAnd then?"
    assert locate_quote(text, quote) == "quote occurs 2 times; cannot tell which is meant"
    # "Interviewer: Did you move?\n\nAnna: Yes.\n\nInterviewer: And then?\n\nAnna: We moved
    # twice.\n\nInterviewer: Did you like it?\n\nAnna: Yes.\n\n...": "Yes." at 34 and 124.
    first, second = 34, 124
    assert text[first : first + 4] == text[second : second + 4] == "Yes."
    # As for an exact quote, offsets that begin one of the occurrences tell it apart.
    assert locate_quote(text, quote, second) == (second, second + 28)
    assert text[second : second + 28] == "Yes.\n\nInterviewer: And then?"
    assert locate_quote(text, quote, 50).startswith("quote occurs 2 times")


def test_a_journal_line_quoted_from_an_otter_file_is_counted(tmp_path):
    study = make_study(tmp_path)
    (study / "transcripts" / "P1.txt").unlink()
    (study / "transcripts" / "GP04.txt").write_bytes(OTTER.read_bytes())
    append_coding(
        study / "codings" / "ms.jsonl",
        Coding(
            "GP04",
            -1,
            -1,
            "venting",
            "accept",
            "ms",
            "human",
            ACROSS_TWO_TURNS,
            "2026-11-26T10:00:00Z",
        ),
    )
    loaded = pipeline.load_study(study)
    analysis = pipeline.analyse(loaded, pipeline.ingest(loaded))
    assert analysis.orphans == []
    assert [(c.concept, c.start, c.end) for c in analysis.counted] == [("venting", 310, 383)]


# --------------------------------------------------------------- importing an Otter source

USER = "0d1c9a3e-0000-4000-8000-000000000001"


def guid(n: int) -> str:
    return f"0d1c9a3e-0000-4000-8000-{n:012d}"


def otter_project(selections: list[tuple[int, int]]) -> str:
    """A REFI-QDA project.qde with one code and an Otter export as its one text source."""
    coded = "".join(
        f'<PlainTextSelection guid="{guid(100 + n)}" startPosition="{start}" '
        f'endPosition="{end}"><Coding guid="{guid(200 + n)}" creatingUser="{USER}">'
        f'<CodeRef targetGUID="{guid(3)}"/></Coding></PlainTextSelection>'
        for n, (start, end) in enumerate(selections)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="GP study" origin="test">'
        f'<Users><User guid="{USER}" name="ms"/></Users><CodeBook><Codes>'
        f'<Code guid="{guid(1)}" name="Place" isCodable="true">'
        f'<Code guid="{guid(2)}" name="Loss" isCodable="true">'
        f'<Code guid="{guid(3)}" name="kitchen table" isCodable="true"/></Code></Code>'
        f'</Codes></CodeBook><Sources><TextSource guid="{guid(9)}" name="GP04" '
        f'plainTextPath="GP04.txt">{coded}</TextSource></Sources></Project>'
    )


def test_a_qdpx_selection_across_otter_turns_is_imported_placed(tmp_path):
    source = OTTER.read_text(encoding="utf-8")
    across = source.index(ACROSS_TWO_TURNS)
    header_first = source.index("Anna Berg  00:26")  # the selection takes the header in
    header_last = source.index("eleven.") + len("eleven.\n\nInterviewer  00:21")
    selections = [
        (across, across + len(ACROSS_TWO_TURNS)),
        (header_first, source.index(" Now it's")),
        (source.index("The old surgery"), header_last),
    ]
    archive = tmp_path / "gp.qdpx"
    with zipfile.ZipFile(archive, "w") as qdpx:
        qdpx.writestr("project.qde", otter_project(selections))
        qdpx.writestr("sources/GP04.txt", source.encode("utf-8"))
    study = tmp_path / "study"

    result = import_qdpx(archive, study)

    assert (result.codings, result.unplaced, result.codings_skipped) == (3, 0, 0)
    lines = [json.loads(x) for x in (study / "codings" / "ms.jsonl").read_text().splitlines()]
    assert [line["quote"] for line in lines] == [
        "The kitchen table.\n\nAnna Berg: I mean the habit of sitting down together.",
        "I mean the habit of sitting down together.",  # the header is not talk
        "The old surgery had a kitchen table where everyone sat at eleven.",
    ]
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    analysis = pipeline.analyse(loaded, corpus)
    assert analysis.orphans == []
    [transcript] = corpus.transcripts
    assert transcript.format == "otter"
    spans = sorted((c.start, c.end) for c in analysis.counted)
    assert spans == [(188, 253), (310, 383), (341, 383)]
    for start, end in spans:  # every span begins and ends in Anna Berg's talk
        assert (
            transcript.turn_at(start).speaker == transcript.turn_at(end - 1).speaker == "Anna Berg"
        )
