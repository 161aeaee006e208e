"""Nothing leaked: the whole pipeline runs with the network cut at the socket level and
never tries to connect; and every string from transcripts, codebooks, participants and
gioia.yaml reaches report.html (and report.md) as text, never as live markup.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
from hostile_processes import quiet_env
from hostile_support import EXAMPLE
from typer.testing import CliRunner

from gioia.cli import app

# Runs gioia once per argument (each a JSON list of a command's arguments) in one
# process, with every way of reaching the network replaced by a function that records
# the attempt in GIOIA_TEST_NETWORK_LOG and fails, as a cut cable would.
GIOIA_WITHOUT_NETWORK = """
import json, os, socket, sys
log = open(os.environ["GIOIA_TEST_NETWORK_LOG"], "a", encoding="utf-8")
def refuse(name):
    def refused(*args, **kwargs):
        log.write(f"{name} {args!r:.200}\\n")
        log.flush()
        raise OSError(f"network disabled by the test ({name})")
    return refused
for name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, name, refuse(f"socket.{name}"))
for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
    setattr(socket, name, refuse(name))
from gioia.cli import main
for step in sys.argv[1:]:
    sys.argv = ["gioia", *json.loads(step)]
    try:
        main()
    except SystemExit as done:
        if done.code:
            sys.exit(f"gioia {sys.argv[1]} exited {done.code}")
"""


def _docx_with_remote_entity() -> bytes:
    """A Word transcript whose XML names an external entity on a web server: reading it
    must not fetch it."""
    document = docx.Document()
    document.add_paragraph("Interviewer: How do you cope?")
    document.add_paragraph("P9: I rant in the staff room, then I feel better.")
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    members = {info.filename: source.read(info) for info in source.infolist()}
    body = members["word/document.xml"]
    declaration = b'<!DOCTYPE w:document [<!ENTITY remote SYSTEM "http://192.0.2.1/x.xml">]>'
    members["word/document.xml"] = body.replace(b"?>", b"?>" + declaration, 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_the_whole_pipeline_runs_without_the_network(tmp_path):
    study = tmp_path / "study"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns("report", ".gioia"))
    (study / "transcripts" / "P9.docx").write_bytes(_docx_with_remote_entity())
    with open(study / "gioia.yaml", "a", encoding="utf-8") as config:
        config.write("  gates: {saturation_required: false}\n")
    log = tmp_path / "network.log"
    log.touch()
    steps = [
        ["ingest", str(study)],
        ["suggest", str(study)],
        ["accept", str(study), "--coder", "auto", "--min-score", "0.9"],
        ["run", str(study)],  # ingest, suggest and report again, with the gates
        ["export", str(study), "--format", "qdpx"],
        ["export", str(study), "--format", "qdc"],
        ["export", str(study), "--format", "csv"],
    ]
    done = subprocess.run(
        [sys.executable, "-c", GIOIA_WITHOUT_NETWORK, *map(json.dumps, steps)],
        env=quiet_env(GIOIA_TEST_NETWORK_LOG=str(log)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert log.read_text() == "", f"gioia tried the network:\n{log.read_text()}"
    assert (study / "report" / "report.html").is_file()
    assert {p.suffix for p in (study / "report").glob("study.*")} == {".qdpx", ".qdc", ".csv"}


def test_the_network_cut_is_real(tmp_path):
    """The wrapper above would catch a connection: prove it on one."""
    log = tmp_path / "network.log"
    probe = GIOIA_WITHOUT_NETWORK.replace(
        "from gioia.cli import main",
        "import urllib.request\ntry:\n    urllib.request.urlopen('http://192.0.2.1/', timeout=1)\n"
        "except OSError:\n    pass\nfrom gioia.cli import main",
    )
    subprocess.run(
        [sys.executable, "-c", probe, '["--version"]'],
        env=quiet_env(GIOIA_TEST_NETWORK_LOG=str(log)),
        capture_output=True,
        check=True,
    )
    assert log.read_text().startswith(("getaddrinfo", "socket.connect", "create_connection"))


# --------------------------------------------------------------------------- escaping

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
LINK = '[click](javascript:alert(1)) <a href="javascript:alert(1)">x</a>'
TEMPLATE = "{{ 7*7 }} {% raw %}{{ config }}{% endraw %}"
HOSTILE = f"{SCRIPT} {IMAGE} {LINK} {TEMPLATE}"


def _yaml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def make_hostile_study(root: Path) -> Path:
    (root / "transcripts").mkdir(parents=True)
    quoted = _yaml_string(HOSTILE)
    (root / "codebook.yaml").write_text(
        textwrap.dedent(f"""\
            version: 1
            title: {quoted}
            dimensions:
              - id: support
                label: {_yaml_string(SCRIPT)}
                definition: {quoted}
                themes:
                  - id: emotional
                    label: {_yaml_string(IMAGE)}
                    definition: {quoted}
                    concepts:
                      - id: venting
                        label: {_yaml_string(LINK)}
                        definition: {quoted}
                        include: {quoted}
                        keywords: [rant]
                        examples: [{quoted}]
            relations:
              - {{from: support, to: venting, type: {_yaml_string(SCRIPT)}, memo: {quoted}}}
            """),
        encoding="utf-8",
    )
    prose = "\n".join(
        f"  {key}: {quoted}" for key in ("title", "abstract", "problem", "researchers", "ethics")
    )
    (root / "gioia.yaml").write_text(
        f"study:\n{prose}\nsettings:\n  suggest: {{auto_accept_min_score: 0}}\n"
        '  attribution: "({id}, {role}, {sex})"\n',
        encoding="utf-8",
    )
    (root / "participants.csv").write_text(
        f'id,role,sex\nP1,"{SCRIPT}","{IMAGE.replace(chr(34), chr(34) * 2)}"\n', encoding="utf-8"
    )
    (root / "transcripts" / "P1.txt").write_text(
        f"Interviewer: {HOSTILE}\n\nP1: I rant in the staff room. {HOSTILE}\n",
        encoding="utf-8",
    )
    return root


class _LiveMarkup(HTMLParser):
    """Collects what a browser would run: script elements, event-handler attributes and
    javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.live: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed"):
            self.live.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.live.append(f"<{tag} {name}=...>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.live.append(f"<{tag} {name}={value}>")


def test_hostile_strings_reach_the_report_as_text_only(tmp_path):
    study = make_hostile_study(tmp_path / "study")
    result = CliRunner().invoke(app, ["run", str(study)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    html = (study / "report" / "report.html").read_text(encoding="utf-8")
    parser = _LiveMarkup()
    parser.feed(html)
    assert parser.live == []
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text
    assert "{{ 7*7 }}" in html and "{% raw %}" in html  # never rendered as a template
    assert "I rant in the staff room" in html  # the quote made it into the report

    markdown = (study / "report" / "report.md").read_text(encoding="utf-8")
    assert "<script" not in markdown and "<img" not in markdown and "<a href" not in markdown
    # A Markdown link is live only with unescaped brackets: \[click\](javascript:...) is text.
    assert not re.search(r"(?<!\\)\]\(javascript:", markdown), markdown
    results = (study / "report" / "results.json").read_text(encoding="utf-8")
    assert SCRIPT.replace("/", "\\/") in results or SCRIPT in results  # data stays data
