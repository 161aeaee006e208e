"""A study folder mixing the formats researchers actually have ingests in one run, with
the right speakers for each transcript."""

from __future__ import annotations

import json
from pathlib import Path

import docx
from typer.testing import CliRunner

from gioia.cli import app

CODEBOOK = """\
version: 1
title: Peer support
dimensions:
  - id: support
    label: Support
    themes:
      - id: emotional
        label: Emotional support
        concepts:
          - id: venting
            label: Letting off steam
            keywords: [rant, offload]
"""

ZOOM = """\
WEBVTT

1
00:00:01.000 --> 00:00:04.000
Interviewer: How do you cope after a bad day?

2
00:00:04.500 --> 00:00:08.000
Dr Amara Okafor: Honestly, I rant to my partner in the car park.

3
00:00:08.000 --> 00:00:11.000
Dr Amara Okafor: Then I feel a bit better.
"""

TEAMS = """\
WEBVTT

a1b2c3d4-1
0:0:0.210 --> 0:0:3.130
<v Interviewer>Who do you talk to?</v>

a1b2c3d4-2
0:0:3.500 --> 0:0:7.000
<v Sam Patel>The WhatsApp group, we offload there.</v>
"""

SRT = """\
1
00:00:01,000 --> 00:00:03,000
Interviewer: Do you share the load?

2
00:00:03,500 --> 00:00:06,000
GP6: We rant, then we split the visits.
"""

OTTER = """\
SUMMARY KEYWORDS
rant, visits

SPEAKERS
Interviewer, GP3

Interviewer  0:02
And the coffee room?

GP3  0:05
There isn't one. We rant in the corridor instead.
"""


def make_study(root: Path) -> Path:
    transcripts = root / "transcripts"
    (transcripts / "wave2").mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "participants.csv").write_text(
        "id,speaker,sex\nGP1,,female\nGP2,,male\nGP3,,male\nGP4,Dr Amara Okafor,female\n"
        "GP5,Sam Patel,male\nGP6,,female\nGP7,,male\nGP8,,female\n",
        encoding="utf-8",
    )
    (transcripts / "GP1.txt").write_text(
        "Interviewer: Tell me about support.\n\nGP1: I rant to Jo.\n", encoding="utf-8"
    )
    (transcripts / "GP2.md").write_text(
        "# GP2\n\n**Interviewer:** And you?\n\n**GP2:** I offload on my run.\n", encoding="utf-8"
    )
    (transcripts / "GP3.txt").write_text(OTTER, encoding="utf-8")
    (transcripts / "GP4.vtt").write_text(ZOOM, encoding="utf-8")
    (transcripts / "wave2" / "GP5.vtt").write_text(TEAMS, encoding="utf-8")
    (transcripts / "wave2" / "GP6.srt").write_text(SRT, encoding="utf-8")
    document = docx.Document()
    document.add_paragraph("Interview GP7")
    label = document.add_paragraph()
    label.add_run("Interviewer:").bold = True
    label.add_run(" What helps?")
    answer = document.add_paragraph()
    answer.add_run("GP7:").bold = True
    answer.add_run(" A good rant with the partners.")
    document.save(transcripts / "wave2" / "GP7.docx")
    # Word's "Unicode text" would be UTF-16; this one is Windows cp1252 with curly quotes.
    legacy = (
        "Interviewer: Anything else?\r\n\r\n"
        "GP8: I don\u2019t rant \u2013 I \u201coffload\u201d.\r\n"
    )
    (transcripts / "wave2" / "GP8.txt").write_bytes(legacy.encode("cp1252"))
    # Word's lock file while GP7.docx is open: not a transcript.
    (transcripts / "wave2" / "~$GP7.docx").write_bytes(b"\x00lock")
    return root


def test_seven_formats_ingest_in_one_run_with_the_right_speakers(tmp_path):
    study = make_study(tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(study), "--json"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout)}
    assert {
        tid: (row["format"], row["participants"], row["interviewer"]) for tid, row in rows.items()
    } == {
        "GP1": ("txt", ["GP1"], ["Interviewer"]),
        "GP2": ("md", ["GP2"], ["Interviewer"]),
        "GP3": ("otter", ["GP3"], ["Interviewer"]),
        "GP4": ("vtt", ["GP4"], ["Interviewer"]),
        "GP5": ("vtt", ["GP5"], ["Interviewer"]),
        "GP6": ("srt", ["GP6"], ["Interviewer"]),
        "GP7": ("docx", ["GP7"], ["Interviewer"]),
        "GP8": ("txt", ["GP8"], ["Interviewer"]),
    }
    assert rows["GP8"]["encoding"] == "cp1252"
    assert rows["GP4"]["participant_turns"] == 1  # two Zoom cues of one speaker merged
    assert rows["GP4"]["speakers"] == ["Interviewer", "Dr Amara Okafor"]

    text = (study / ".gioia" / "text" / "GP8.txt").read_text(encoding="utf-8")
    assert (
        text
        == "Interviewer: Anything else?\n\nGP8: I don\u2019t rant \u2013 I \u201coffload\u201d."
    )
    zoom = (study / ".gioia" / "text" / "GP4.txt").read_text(encoding="utf-8")
    assert "Dr Amara Okafor: Honestly, I rant to my partner in the car park. Then I feel" in zoom

    result = runner.invoke(app, ["run", str(study), "--json"], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    results = json.loads((study / "report" / "results.json").read_text(encoding="utf-8"))
    assert results["study"]["participants"] == [f"GP{n}" for n in range(1, 9)]
    assert results["suggestions"]["total"] == 8  # one "rant"/"offload" turn each


def test_a_pdf_among_the_transcripts_says_how_to_export_it(tmp_path):
    study = make_study(tmp_path)
    (study / "transcripts" / "GP9.pdf").write_bytes(b"%PDF-1.4\n")
    result = CliRunner().invoke(app, ["check", str(study)], env={"NO_COLOR": "1"})
    assert result.exit_code == 1
    assert "GP9.pdf" in result.stderr and "export" in result.stderr
    assert "Traceback" not in result.output
