"""Make the Taguette fixtures of tests/test_taguette.py with a real Taguette.

Every file here except this script and sources/ was written by Taguette 1.5.2 (the
version that made the committed files; calibre 6.13 converted the .txt uploads), driven
through its own HTTP API the way its web page drives it. Nothing is imitated by hand.
The test suite never runs this script (CI has no Taguette); it reads what it made.

Rerun it from the repository root, with a Python that has Taguette installed and with
calibre's ``ebook-convert`` on the PATH (Taguette converts uploads with it)::

    python -m venv /tmp/tools-venv && /tmp/tools-venv/bin/pip install taguette==1.5.2
    /tmp/tools-venv/bin/python tests/data/taguette/make_fixtures.py

It starts ``taguette --no-browser`` on a free localhost port with a new database in a
temporary folder (no network is needed) and stops it at the end. gioia itself is run
from ``.venv/bin`` (``--gioia-python`` to change). It writes:

- ``small.sqlite3``, ``small-highlights.csv``, ``small-codebook.csv``: a project of the
  three interviews in sources/ (two .txt files, calibre-converted, one .html), tags with
  dotted paths and descriptions (and Taguette's default tag ``interesting``), and the
  highlights listed in HIGHLIGHTS below: one starting on a speaker label, one spanning two
  paragraphs, one with two tags, one across an inline tag and a <br>, one with no tag;
- ``small-expected.json``: what this script asked Taguette for (each highlight's
  document, tags and text), the known answers the tests compare with;
- ``gioia-codebook-in-taguette.csv``: Taguette's codebook export of a project into which
  gioia's ``--format taguette`` codebook of examples/peer-support was imported through
  Taguette's "Import codebook" form (upload, then the confirmation form as a browser
  submits it); the script checks that every tag and description arrived;
- ``peer-support.sqlite3``: that project, holding the example study's eight transcripts
  (uploaded as they are) and each counted coding of the example as a highlight of its
  concept's tag (codings of the same passage share one highlight).
"""

from __future__ import annotations

import argparse
import csv
import http.cookiejar
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from html.parser import HTMLParser
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
EXAMPLE = ROOT / "examples" / "peer-support"

TAGS = {
    "Support.Emotional.Checking in": "A colleague noticing distress and asking, after a hard case.",
    "Support.Emotional.Less lonely": 'Feeling less alone in the job, "someone is there".',
    "Support.Practical.Peer group": "A regular group of colleagues who meet to talk about cases.",
    "Support.Practical.Shared space": "A place where colleagues meet informally, such as a café.",
    "Support.Practical.Messaging": "Asking colleagues through a group chat.",
    "Support.Practical.Covering": "Taking over a colleague's work when they must leave.",
    "Barriers.Isolation": "Being new or alone, with nobody to ask.",
    "Barriers.Time.No time": "Workload leaves no time to talk.",
    "Barriers.Culture.Pride": "Not asking for help, to look capable.",
}

# (document, passage as it reads, tags): white space in a passage matches any run of
# white space in the document (the line break between two paragraphs).
HIGHLIGHTS = [
    ("P1", "the first months were hard", ["Barriers.Isolation"]),
    (
        "P1",
        "P1: Mostly Dana, the nurse in the next room.",
        ["Support.Emotional.Checking in"],
    ),
    (
        "P1",
        "She would check in on me after a difficult patient. She never made a fuss about it.",
        ["Support.Emotional.Checking in", "interesting"],
    ),
    ("P1", "we have a lunch group on Fridays", ["Support.Practical.Peer group"]),
    ("P2", "Time — there is never enough of it.", ["Barriers.Time.No time"]),
    ("P2", "We see thirty patients a day.", []),
    ("P2", "I was naïve about how much I could carry alone.", ["Barriers.Culture.Pride"]),
    (
        "P2",
        "In the café across the road, on the rare days we get “a proper break”",
        ["Support.Practical.Shared space"],
    ),
    ("P3", "Honestly, it is the WhatsApp group", ["Support.Practical.Messaging"]),
    ("P3", "Someone always answers, even at night.", ["Support.Practical.Messaging"]),
    ("P3", "It makes the job feel less lonely.", ["Support.Emotional.Less lonely"]),
    (
        "P3",
        "P3: Covering for each other when a child is ill & you have to leave.",
        ["Support.Practical.Covering"],
    ),
]

# Counted codings of the example with their passage, label path and occurrence, printed
# as JSON by gioia's own Python.
COUNTED_CODINGS = r"""
import json, re, sys
from pathlib import Path
from gioia.pipeline.loading import load_study
from gioia.pipeline.corpus import ingest
from gioia.pipeline.analysis import analyse
from gioia.interchange.taguette_codebook import DOT_IN_LABEL

loaded = load_study(Path(sys.argv[1]))
corpus = ingest(loaded)
analysis = analyse(loaded, corpus)
texts = {t.id: t.text for t in corpus.transcripts}
paths = {}
for d in loaded.codebook.dimensions:
    for t in d.themes:
        for c in t.concepts:
            labels = (d.label, t.label, c.label)
            paths[c.id] = ".".join(x.replace(".", DOT_IN_LABEL) for x in labels)
out = []
for placed in analysis.counted:
    text = texts[placed.coding.transcript]
    passage = text[placed.start:placed.end]
    loose = r"\s+".join(re.escape(w) for w in passage.split())
    before = len([m for m in re.finditer(loose, text) if m.start() < placed.start])
    out.append({"transcript": placed.coding.transcript, "passage": passage,
                "occurrence": before, "tag": paths[placed.concept]})
print(json.dumps(out))
"""


class Taguette:
    """A running Taguette (single-user mode) and a session with it."""

    def __init__(self, folder: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base = f"http://localhost:{port}"
        taguette = Path(sys.executable).with_name("taguette")
        self.process = subprocess.Popen(
            [
                str(taguette),
                "--no-browser",
                "--port",
                str(port),
                "--database",
                str(folder / "taguette.sqlite3"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=dict(os.environ, HOME=str(folder)),
        )
        token = None
        deadline = time.monotonic() + 60
        while token is None and time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                raise RuntimeError("taguette stopped before it was ready")
            found = re.search(r"\?token=(\w+)", line)
            token = found.group(1) if found else None
            if "Taguette" in line and "running" in line:
                self.version = line.split("Taguette", 1)[1].split()[0]
        if token is None:
            raise RuntimeError("taguette printed no link")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get(f"/?token={token}")  # logs in: sets the user cookie
        self.get("/project/new")  # sets the XSRF cookie

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    @property
    def xsrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "_xsrf")

    def request(self, method, path, data=None, headers=None) -> tuple[bytes, str]:
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers or {}
        )
        with self.opener.open(request) as response:
            return response.read(), response.geturl()

    def get(self, path: str) -> bytes:
        return self.request("GET", path)[0]

    def api(self, method: str, path: str, body: object = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json", "X-XSRFToken": self.xsrf}
        answer, _ = self.request(method, path, data, headers)
        return json.loads(answer) if answer else None

    def form(self, path: str, fields) -> tuple[bytes, str]:
        data = urllib.parse.urlencode([*fields, ("_xsrf", self.xsrf)]).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", path, data, headers)

    def upload(self, path: str, fields: dict, name: str, content: bytes, kind: str):
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
            f"{value}\r\n".encode()
            for key, value in {**fields, "_xsrf": self.xsrf}.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"'
            f"\r\nContent-Type: {kind}\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-XSRFToken": self.xsrf,
        }
        return self.request("POST", path, b"".join(parts), headers)

    # ------------------------------------------------------------------ project steps

    def new_project(self, name: str) -> int:
        _, url = self.form("/project/new", [("name", name), ("description", "")])
        return int(re.search(r"/project/(\d+)", url).group(1))

    def add_document(self, project: int, name: str, file: Path) -> int:
        kind = "text/html" if file.suffix == ".html" else "text/plain"
        answer, _ = self.upload(
            f"/api/project/{project}/document/new",
            {"name": name, "description": ""},
            file.name,
            file.read_bytes(),
            kind,
        )
        return json.loads(answer)["created"]

    def text_nodes(self, project: int, document: int) -> str:
        """The document's text as Taguette's offsets count it: its HTML5 text nodes."""
        contents = self.api("GET", f"/api/project/{project}/document/{document}/contents")
        html = "".join(chunk["contents"] for chunk in contents["contents"])
        soup = BeautifulSoup(html, "html5lib")
        return "".join(str(s) for s in soup.descendants if isinstance(s, NavigableString))

    def highlight(self, project, document, text, passage, tag_ids, occurrence=0) -> int:
        """Highlight the ``occurrence``-th match of ``passage`` (white space loose), with
        its offsets in UTF-8 bytes of the text nodes, as Taguette's page sends them."""
        loose = r"\s+".join(re.escape(word) for word in passage.split())
        matches = list(re.finditer(loose, text))
        if len(matches) <= occurrence:
            raise RuntimeError(f"{passage!r} is not in document {document}")
        match = matches[occurrence]
        start = len(text[: match.start()].encode("utf-8"))
        end = len(text[: match.end()].encode("utf-8"))
        answer = self.api(
            "POST",
            f"/api/project/{project}/document/{document}/highlight/new",
            {"start_offset": start, "end_offset": end, "tags": tag_ids},
        )
        return answer["id"]

    def tags(self, project: int) -> dict[str, int]:
        """The project's tags (path → id), from the page Taguette renders."""
        page = self.get(f"/project/{project}").decode()
        found = re.search(r"var tags = (\{.*?\});\n", page)
        tags = json.loads(found.group(1).replace("\\x3C", "\\u003C"))
        return {tag["path"]: int(tag_id) for tag_id, tag in tags.items()}

    def import_codebook(self, project: int, file: Path) -> None:
        """Taguette's "Import codebook": upload, then submit the confirmation form as a
        browser would (a one-line text field drops line breaks from its value)."""
        page, _ = self.upload(
            f"/project/{project}/import_codebook", {}, file.name, file.read_bytes(), "text/csv"
        )
        fields = _FormFields()
        fields.feed(page.decode())
        if not any(name.endswith("-path") for name, _ in fields.fields):
            raise RuntimeError("Taguette refused the codebook:\n" + page.decode()[:2000])
        self.form(f"/project/{project}/import_codebook", fields.fields)

    def export(self, path: str, target: Path) -> None:
        target.write_bytes(self.get(path))


class _FormFields(HTMLParser):
    """The fields a browser submits from Taguette's confirmation form."""

    def __init__(self):
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag != "input" or not name or name == "_xsrf" or "disabled" in attributes:
            return
        kind = attributes.get("type", "text")
        if kind == "checkbox":
            if "checked" in attributes:
                self.fields.append((name, "on"))
        elif kind in ("text", "hidden"):
            value = attributes.get("value") or ""
            if kind == "text":
                value = value.replace("\r", "").replace("\n", "")
            self.fields.append((name, value))


def small_project(taguette: Taguette) -> None:
    project = taguette.new_project("Taguette fixture")
    documents = {}
    for file in sorted((HERE / "sources").iterdir()):
        documents[file.stem] = taguette.add_document(project, file.stem, file)
    for path, description in TAGS.items():
        taguette.api(
            "POST", f"/api/project/{project}/tag/new", {"path": path, "description": description}
        )
    tag_ids = taguette.tags(project)
    texts = {name: taguette.text_nodes(project, doc) for name, doc in documents.items()}
    expected = []
    for document, passage, tags in HIGHLIGHTS:
        highlight = taguette.highlight(
            project, documents[document], texts[document], passage, [tag_ids[t] for t in tags]
        )
        expected.append({"id": highlight, "document": document, "tags": tags, "text": passage})
    taguette.export(f"/project/{project}/export/project.sqlite3", HERE / "small.sqlite3")
    taguette.export(f"/project/{project}/export/highlights/.csv", HERE / "small-highlights.csv")
    taguette.export(f"/project/{project}/export/codebook.csv", HERE / "small-codebook.csv")
    (HERE / "small-expected.json").write_text(
        json.dumps(
            {"taguette": taguette.version, "tags": TAGS, "highlights": expected},
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )


def example_project(taguette: Taguette, gioia_bin: Path, work: Path) -> None:
    codebook = work / "peer-support-codebook.csv"
    subprocess.run(
        [
            str(gioia_bin / "gioia"),
            "export",
            str(EXAMPLE),
            "--format",
            "taguette",
            "--out",
            str(codebook),
        ],
        check=True,
        capture_output=True,
    )
    project = taguette.new_project("peer-support")
    # A new Taguette project has a tag "interesting"; this one keeps the codebook's only.
    default = taguette.tags(project)["interesting"]
    taguette.api("DELETE", f"/api/project/{project}/tag/{default}")
    taguette.import_codebook(project, codebook)
    in_taguette = HERE / "gioia-codebook-in-taguette.csv"
    taguette.export(f"/project/{project}/export/codebook.csv", in_taguette)
    written = list(csv.reader(io.StringIO(codebook.read_text(encoding="utf-8-sig"))))[1:]
    read = list(csv.reader(io.StringIO(in_taguette.read_text(encoding="utf-8"))))[1:]
    if sorted(row[:2] for row in written) != sorted(row[:2] for row in read):
        raise RuntimeError("Taguette's tags differ from gioia's codebook CSV")
    print(f"Taguette imported all {len(read)} tags of gioia's codebook CSV")

    tag_ids = taguette.tags(project)
    documents, texts = {}, {}
    for file in sorted((EXAMPLE / "transcripts").iterdir()):
        documents[file.stem] = taguette.add_document(project, file.stem, file)
        texts[file.stem] = taguette.text_nodes(project, documents[file.stem])
    counted = json.loads(
        subprocess.run(
            [str(gioia_bin / "python"), "-c", COUNTED_CODINGS, str(EXAMPLE)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    passages: dict[tuple[str, str, int], list[int]] = {}
    for coding in counted:
        key = (coding["transcript"], coding["passage"], coding["occurrence"])
        passages.setdefault(key, []).append(tag_ids[coding["tag"]])
    for (transcript, passage, occurrence), tags in passages.items():
        taguette.highlight(
            project, documents[transcript], texts[transcript], passage, tags, occurrence
        )
    print(f"{len(counted)} counted codings as {len(passages)} highlights")
    taguette.export(f"/project/{project}/export/project.sqlite3", HERE / "peer-support.sqlite3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gioia-bin", type=Path, default=ROOT / ".venv" / "bin")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="taguette-fixtures-") as folder:
        taguette = Taguette(Path(folder))
        try:
            print(f"Taguette {taguette.version} at {taguette.base}")
            small_project(taguette)
            example_project(taguette, args.gioia_bin, Path(folder))
        finally:
            taguette.stop()


if __name__ == "__main__":
    main()
