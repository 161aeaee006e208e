"""Nothing lost, nothing leaked, nothing hangs: the journals against hostile files and a
hostile disk. Links planted in codings/ (a cloned repository can carry them), a full
disk in the middle of an append, line endings of other systems, and names and memos no
journal can hold."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia.cli import app
from gioia.errors import GioiaError, JournalError
from gioia.fsutil import atomic_write_bytes
from gioia.journal import append_coding, lock, read_journal
from gioia.models import Coding

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="symlinks and flock are POSIX")

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
              - id: running
                label: Running
                keywords: [run]
    """)

TRANSCRIPT = textwrap.dedent("""\
    Interviewer: How do you cope after a hard day?

    P1: Mostly I rant to a colleague in the coffee room. It helps a lot.

    Interviewer: Anything else?

    P1: I go for a run.
    """)

RANT = "Mostly I rant to a colleague in the coffee room."
RUN = "I go for a run."


def make_study(root: Path) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "codings").mkdir()
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "transcripts" / "P1.txt").write_text(TRANSCRIPT, encoding="utf-8")
    return root


def invoke(*args: object):
    return runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "200"})


def code(study: Path, coder: str = "hb", quote: str = RUN, concept: str = "running", *more):
    return invoke(
        "code", study, "--coder", coder, "--transcript", "P1", "--quote", quote,
        "--concept", concept, *more,
    )  # fmt: skip


def decision(coder: str = "hb", quote: str = RUN, concept: str = "running", **kw) -> Coding:
    return Coding(
        "P1", -1, -1, concept, "accept", coder, "human", quote, "2026-11-26T10:00:00Z", **kw
    )


def line(coder: str = "hb", quote: str = RUN, concept: str = "running") -> str:
    return json.dumps(
        {
            "transcript": "P1",
            "start": -1,
            "end": -1,
            "concept": concept,
            "decision": "accept",
            "coder": coder,
            "source": "human",
            "quote": quote,
            "at": "2026-11-26T10:00:00Z",
        },
        ensure_ascii=False,  # as gioia writes them
    )


def counted(study: Path) -> int:
    """The counted codings `gioia check` reports, asserting it succeeded."""
    result = invoke("check", study)
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    return int(result.output.rsplit("transcripts, ", 1)[1].split(" counted")[0])


# --------------------------------------------------------------------------- 1. links


def test_a_lock_file_linked_to_the_journal_is_refused_and_the_journal_kept(tmp_path):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    journal = study / "codings" / "hb.jsonl"
    before = journal.read_bytes()
    sidecar = study / "codings" / ".hb.jsonl.lock"
    sidecar.unlink()
    sidecar.symlink_to("hb.jsonl")
    result = code(study, quote=RANT, concept="venting")
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.output and ".hb.jsonl.lock" in result.output
    assert "internal error" not in result.output
    assert journal.read_bytes() == before


@pytest.mark.parametrize("existing", [True, False], ids=["existing", "dangling"])
def test_a_lock_file_linked_out_of_the_study_touches_nothing_there(tmp_path, existing):
    study = make_study(tmp_path / "study")
    outside = tmp_path / "precious.txt"
    if existing:
        outside.write_text("a colleague's notes\n")
    (study / "codings" / ".hb.jsonl.lock").symlink_to(outside)
    result = code(study)
    assert result.exit_code == 1, result.output
    assert "symbolic link" in result.output
    if existing:
        assert outside.read_text() == "a colleague's notes\n"
    else:
        assert not outside.exists()
    assert not (study / "codings" / "hb.jsonl").exists()


def test_a_lock_file_that_is_not_gioias_is_never_emptied(tmp_path):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    journal = study / "codings" / "hb.jsonl"
    before = journal.read_bytes()
    sidecar = study / "codings" / ".hb.jsonl.lock"
    sidecar.unlink()
    os.link(journal, sidecar)  # the same file under the lock's name
    result = code(study, quote=RANT, concept="venting")
    assert result.exit_code == 1, result.output
    assert ".hb.jsonl.lock" in result.output
    assert journal.read_bytes() == before
    sidecar.unlink()
    sidecar.write_text("not a process id, but someone's text\n")
    result = code(study, quote=RANT, concept="venting")
    assert result.exit_code == 1, result.output
    assert sidecar.read_text() == "not a process id, but someone's text\n"
    assert journal.read_bytes() == before


def test_a_lock_file_a_killed_gioia_left_holding_its_pid_is_reused(tmp_path):
    study = make_study(tmp_path / "study")
    (study / "codings" / ".hb.jsonl.lock").write_text("4242\n")
    assert code(study).exit_code == 0
    assert len(read_journal(study / "codings" / "hb.jsonl").codings) == 1


def test_a_journal_linked_out_of_the_study_is_neither_appended_to_nor_read(tmp_path):
    study = make_study(tmp_path / "study")
    outside = tmp_path / "elsewhere.jsonl"
    outside.write_text(line("x") + "\n")
    (study / "codings" / "x.jsonl").symlink_to(outside)
    for result in (code(study, coder="x"), invoke("check", study)):
        assert result.exit_code == 1, result.output
        assert "x.jsonl is a link to" in result.output  # the study refuses it on opening
        assert "internal error" not in result.output
    assert outside.read_text() == line("x") + "\n"


def test_a_journal_linked_to_another_file_of_the_study_is_refused(tmp_path):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    journal = study / "codings" / "hb.jsonl"
    before = journal.read_bytes()
    (study / "codings" / "ab.jsonl").symlink_to("hb.jsonl")  # ab's lines into hb's journal
    for result in (code(study, coder="ab", quote=RANT, concept="venting"), invoke("check", study)):
        assert result.exit_code == 1, result.output
        assert "ab.jsonl: error: this journal is a symbolic link (to hb.jsonl)" in result.output
    assert journal.read_bytes() == before


def test_reading_a_linked_journal_is_a_journal_error_naming_it(tmp_path):
    target = tmp_path / "real.jsonl"
    target.write_text(line("ms") + "\n")
    path = tmp_path / "codings" / "ms.jsonl"
    path.parent.mkdir()
    path.symlink_to(target)
    with pytest.raises(JournalError, match="symbolic link") as caught:
        read_journal(path)
    assert caught.value.location.file == str(path)
    assert "replace the link" in caught.value.hint
    with pytest.raises(JournalError, match="symbolic link"):
        append_coding(path, decision("ms"))
    assert target.read_text() == line("ms") + "\n"


def test_a_journal_that_is_a_named_pipe_is_refused_for_appends_without_hanging(tmp_path):
    path = tmp_path / "ms.jsonl"
    os.mkfifo(path)
    with pytest.raises(JournalError, match="not a regular file"):
        append_coding(path, decision("ms"))


def test_the_lock_still_works_after_the_checks(tmp_path):
    path = tmp_path / "ms.jsonl"
    with lock(path):
        append_coding(path, decision("ms"))
    assert (tmp_path / ".ms.jsonl.lock").read_bytes() == b""
    assert len(read_journal(path).codings) == 1


# --------------------------------------------------------------------------- 13. names, memos


@pytest.mark.parametrize("name", ["hb\n", "hb\r", "\nhb", "h b", "hb/..", ""])
def test_a_coder_name_with_a_line_break_or_worse_is_refused(tmp_path, name):
    study = make_study(tmp_path / "study")
    result = code(study, coder=name)
    assert result.exit_code == 1, result.output
    assert "is not a usable coder name" in result.output
    assert list((study / "codings").iterdir()) == []


def test_a_memo_that_cannot_be_written_as_utf8_is_refused_before_anything_is_written(tmp_path):
    study = make_study(tmp_path / "study")
    result = code(study, "hb", RUN, "running", "--memo", "caf\udcff")  # a byte of Latin-1 argv
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert "memo" in result.output and "U+DCFF" in result.output
    assert list((study / "codings").iterdir()) == []  # no journal, not even a lock file


@pytest.mark.parametrize("field", ["memo", "flags", "quote", "transcript"])
def test_append_refuses_a_decision_no_journal_can_hold(tmp_path, field):
    path = tmp_path / "ms.jsonl"
    append_coding(path, decision("ms"))
    before = path.read_bytes()
    bad = {"memo": {"memo": "\ud800"}, "flags": {"flags": ("power", "\udfff")}}.get(field, {})
    coding = decision("ms", **bad)
    if field == "quote":
        coding = decision("ms", quote="I go\udcff")
    elif field == "transcript":
        coding = Coding("P\udc80", -1, -1, "running", "accept", "ms", "human", RUN, "t")
    with pytest.raises(JournalError, match=f"the {field}") as caught:
        append_coding(path, coding)
    assert caught.value.location.file == str(path)
    assert path.read_bytes() == before


# --------------------------------------------------------------------------- 5. line endings


def sixty_lines(coder: str = "hb") -> list[str]:
    return [line(coder, *((RANT, "venting") if i % 2 else (RUN, "running"))) for i in range(60)]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"], ids=["CR", "CRLF", "LF"])
@pytest.mark.parametrize("final", [True, False], ids=["ended", "unended"])
def test_every_line_ending_reads_every_decision(tmp_path, ending, final):
    study = make_study(tmp_path / "study")
    path = study / "codings" / "hb.jsonl"
    path.write_bytes((ending.join(sixty_lines()) + (ending if final else "")).encode())
    journal = read_journal(path)
    assert len(journal.codings) == 60 and journal.problems == ()
    assert journal.lines[-1] == 60
    assert counted(study) == 2  # the same two spans, decided thirty times each
    # an append after any of them starts its own line, and every line still counts
    append_coding(path, decision(quote=RANT, concept="venting"))
    assert len(read_journal(path).codings) == 61


def test_mixed_line_endings_and_a_byte_order_mark_are_read(tmp_path):
    path = tmp_path / "hb.jsonl"
    lines = sixty_lines()
    path.write_bytes(
        ("\ufeff" + lines[0] + "\r\n" + lines[1] + "\r" + lines[2] + "\n\r\n" + lines[3]).encode()
    )
    journal = read_journal(path)
    assert len(journal.codings) == 4 and journal.problems == ()
    assert journal.lines == (1, 2, 3, 5)  # the blank line between \n and \r\n is line 4


@pytest.mark.parametrize(
    "last",
    ["[1, 2]", '{"transcript": "P1"}', line("hb").replace('"accept"', '"maybe"'), "not json"],
    ids=["array", "missing keys", "bad decision", "text"],
)
@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_a_complete_malformed_last_line_is_an_error_with_its_line(tmp_path, last, ending):
    path = tmp_path / "hb.jsonl"
    path.write_bytes(f"{line()}{ending}{line()}{ending}{last}{ending}".encode())
    with pytest.raises(JournalError) as caught:
        read_journal(path)
    assert str(caught.value.location) == f"{path}:3"


def test_a_last_line_without_its_newline_that_is_no_torn_write_is_an_error(tmp_path):
    path = tmp_path / "hb.jsonl"
    path.write_bytes(f'{line()}\n{{"transcript": "P1"}}'.encode())  # whole JSON, not a decision
    with pytest.raises(JournalError, match="missing") as caught:
        read_journal(path)
    assert caught.value.location.line == 2


def test_a_journal_with_content_but_no_decision_is_never_silently_empty(tmp_path):
    study = make_study(tmp_path / "study")
    path = study / "codings" / "hb.jsonl"
    path.write_text(line()[:70])  # the first decision, torn by a crash
    journal = read_journal(path)
    assert journal.codings == ()
    assert any("no decision" in p.message for p in journal.problems), journal.problems
    assert all(p.location.line == 1 for p in journal.problems)
    result = invoke("check", study)
    assert "no decision" in result.output and "hb.jsonl:1" in result.output


# --------------------------------------------------------------------------- 4. torn lines


def tears(text: str) -> list[str]:
    """Every place a write of ``text`` can be cut, a character at a time, but one: all
    but the closing brace is a whole decision, which is an error (see below)."""
    return [text[:cut] for cut in range(1, len(text) - 1)]


@pytest.mark.parametrize("fragment", tears(line(quote="Café, naïve \\u00e9 \\\\ ok", concept="x")))
def test_a_torn_write_anywhere_in_the_journal_is_a_skipped_fragment_and_every_other_line_counts(
    tmp_path, fragment
):
    path = tmp_path / "hb.jsonl"
    raw = fragment.encode()
    path.write_bytes(f"{line()}\n".encode() + raw + f"\n{line()}\n".encode())
    journal = read_journal(path)
    assert journal.lines == (1, 3)
    (problem,) = journal.problems
    assert problem.severity == "warning" and problem.location.line == 2
    assert "torn" in problem.message


@pytest.mark.parametrize("cut", [1, 2])
def test_a_write_torn_inside_a_character_is_a_fragment(tmp_path, cut):
    path = tmp_path / "hb.jsonl"
    raw = line(quote="5 € a week").encode()
    torn = raw[: raw.index("€".encode()) + cut]  # 1 or 2 of its 3 bytes
    path.write_bytes(torn + b"\n" + line().encode() + b"\n")
    journal = read_journal(path)
    assert journal.lines == (2,) and journal.problems[0].location.line == 1


def test_a_power_cut_that_left_zeros_is_a_fragment(tmp_path):
    path = tmp_path / "hb.jsonl"
    path.write_bytes(line().encode() + b"\n" + line().encode()[:30] + b"\0" * 200 + b"\n")
    path.write_bytes(path.read_bytes() + b"\0" * 90 + b"\n" + line().encode() + b"\n")
    journal = read_journal(path)
    assert journal.lines == (1, 4)
    assert [p.location.line for p in journal.problems] == [2, 3]


@pytest.mark.parametrize(
    "broken",
    [
        line()[:-1],  # a hand edit that lost the closing brace: whole, so no torn write
        line().replace('-1, "end"', '-1 x, "end"'),  # a typo inside
        line().replace(", ", ",, ", 1),
        line() + "}",
        line() + " " + line(),  # two lines joined
        '{"transcript": "P1", "start": tru, "end": -1',
        '{"transcript": "P1"\x01',
        " " + line()[:50],  # gioia writes its lines from the first column
    ],
    ids=["no brace", "typo", "double comma", "extra brace", "joined", "bad literal", "control",
         "indented"],
)  # fmt: skip
def test_a_malformed_line_that_no_torn_write_leaves_is_an_error_with_its_line(tmp_path, broken):
    path = tmp_path / "hb.jsonl"
    path.write_text(f"{line()}\n{broken}\n{line()}\n")
    with pytest.raises(JournalError) as caught:
        read_journal(path)
    assert str(caught.value.location) == f"{path}:2"
    assert "fix the line by hand" in caught.value.hint


@pytest.mark.parametrize("closing", ["}", "]}"])
def test_a_decision_missing_only_its_closing_bracket_says_so(tmp_path, closing):
    whole = line()[:-1] + ', "flags": ["power"]}'
    path = tmp_path / "hb.jsonl"
    path.write_text(f"{line()}\n{whole.removesuffix(closing)}\n")
    with pytest.raises(JournalError, match=f"ends before its closing '{re.escape(closing)}'"):
        read_journal(path)


# --------------------------------------------------------------------------- 4. a full disk


class FullDisk:
    """A disk that is full under ``root``: creating (``tempfile.mkstemp``), writing
    (``os.write``) or fsyncing a file there fails with ENOSPC, as a real full disk does
    at one of these steps depending on the file system. A write to a journal first
    writes ``torn`` bytes, as a write cut short by a full disk does; ``undo_fails``
    makes shrinking the journal back fail too. ``free()`` ends it."""

    def __init__(self, monkeypatch, root: Path, at: str = "write", torn: int = 0, undo_fails=False):
        self.monkeypatch, self.root = monkeypatch, str(root)
        real = {"write": os.write, "fsync": os.fsync, "ftruncate": os.ftruncate}
        real_mkstemp = tempfile.mkstemp

        def write(fd, data):
            if at == "write" and self.inside(fd):
                if torn and self.path(fd).endswith(".jsonl"):
                    real["write"](fd, bytes(data[:torn]))
                raise OSError(errno.ENOSPC, "No space left on device")
            return real["write"](fd, data)

        def fsync(fd):
            if at == "fsync" and self.inside(fd):
                raise OSError(errno.ENOSPC, "No space left on device")
            return real["fsync"](fd)

        def ftruncate(fd, length):
            if undo_fails and self.path(fd).endswith(".jsonl") and length > 0:
                raise OSError(errno.EIO, "Input/output error")
            return real["ftruncate"](fd, length)

        def mkstemp(*args, **kwargs):
            if at == "create" and str(kwargs.get("dir", "")).startswith(self.root):
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_mkstemp(*args, **kwargs)

        monkeypatch.setattr(os, "write", write)
        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "ftruncate", ftruncate)
        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)

    @staticmethod
    def path(fd: int) -> str:
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return ""

    def inside(self, fd: int) -> bool:
        return self.path(fd).startswith(self.root)

    def free(self) -> None:
        self.monkeypatch.undo()


needs_proc = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")


@needs_proc
def test_a_full_disk_during_an_append_is_a_clear_error_and_leaves_the_journal_as_it_was(
    tmp_path, monkeypatch
):
    path = tmp_path / "hb.jsonl"
    append_coding(path, decision())
    before = path.read_bytes()
    disk = FullDisk(monkeypatch, tmp_path, torn=40)
    with pytest.raises(JournalError) as caught:
        append_coding(path, decision(quote=RANT, concept="venting"))
    assert str(caught.value) == f"no space left on device: {path}"
    assert "free some space" in caught.value.hint
    assert path.read_bytes() == before  # the 40 bytes the disk took are taken back
    disk.free()
    append_coding(path, decision(quote=RANT, concept="venting"))
    journal = read_journal(path)
    assert len(journal.codings) == 2 and journal.problems == ()


@needs_proc
def test_a_torn_append_that_cannot_be_undone_stays_a_fragment_and_blocks_nothing(
    tmp_path, monkeypatch
):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    disk = FullDisk(monkeypatch, study, torn=40, undo_fails=True)
    result = code(study, quote=RANT, concept="venting")
    assert result.exit_code == 1, result.output
    assert f"no space left on device: {study / 'codings' / 'hb.jsonl'}" in result.output
    disk.free()
    path = study / "codings" / "hb.jsonl"
    assert len(path.read_bytes().splitlines()) == 2  # the decision and the torn fragment
    assert code(study, quote=RANT, concept="venting").exit_code == 0
    journal = read_journal(path)
    assert journal.lines == (1, 3)
    assert [(p.severity, p.location.line) for p in journal.problems] == [("warning", 2)]
    for command in ("check", "run", "report"):
        result = invoke(command, study)
        assert result.exit_code == 0, result.output
        assert "hb.jsonl:2: warning: torn fragment" in result.output
    assert counted(study) == 2


@needs_proc
@pytest.mark.parametrize("at", ["write", "fsync"])
def test_code_on_a_full_disk_says_so_and_changes_no_journal(tmp_path, monkeypatch, at):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    before = (study / "codings" / "hb.jsonl").read_bytes()
    FullDisk(monkeypatch, study, at=at)
    result = code(study, quote=RANT, concept="venting")
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert f"no space left on device: {study / 'codings' / 'hb.jsonl'}" in result.output
    assert (study / "codings" / "hb.jsonl").read_bytes() == before


@needs_proc
@pytest.mark.parametrize("at", ["create", "write", "fsync"])
def test_check_on_a_full_disk_works_without_its_caches(tmp_path, monkeypatch, at):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    shutil.rmtree(study / ".gioia")
    FullDisk(monkeypatch, study, at=at)
    assert counted(study) == 1
    leftovers = [p for p in (study / ".gioia").rglob("*") if p.is_file()]
    assert at == "fsync" or leftovers == []  # no cache entry, no temporary


@needs_proc
@pytest.mark.parametrize("at", ["create", "write", "fsync"])
@pytest.mark.parametrize("command", ["report", "run", "accept"])
def test_commands_that_write_outputs_on_a_full_disk_say_so(tmp_path, monkeypatch, at, command):
    study = make_study(tmp_path / "study")
    assert code(study).exit_code == 0
    assert invoke("report", study).exit_code == 0
    reports = {p: p.read_bytes() for p in (study / "report").rglob("*") if p.is_file()}
    journal = (study / "codings" / "hb.jsonl").read_bytes()
    FullDisk(monkeypatch, study, at=at)
    more = ("--coder", "hb", "--min-score", "0") if command == "accept" else ()
    result = invoke(command, study, *more)
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert f"no space left on device: {study}" in result.output
    assert {p: p.read_bytes() for p in (study / "report").rglob("*") if p.is_file()} == reports
    assert (study / "codings" / "hb.jsonl").read_bytes() == journal


@pytest.mark.parametrize("code_", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM])
def test_a_cache_that_cannot_be_written_is_skipped_and_an_output_is_a_clear_error(
    tmp_path, monkeypatch, code_
):
    def refuse(*args, **kwargs):
        raise OSError(code_, os.strerror(code_))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    atomic_write_bytes(tmp_path / ".gioia" / "x.json", b"{}", cache=True)
    assert not (tmp_path / ".gioia" / "x.json").exists()
    target = tmp_path / "results.json"
    target.write_text("previous")
    with pytest.raises(GioiaError) as caught:
        atomic_write_bytes(target, b"new")
    expected = "no space left on device" if code_ == errno.ENOSPC else "cannot write"
    assert str(caught.value).startswith(f"{expected}") and str(target) in str(caught.value)
    assert target.read_text() == "previous"


def test_a_cache_that_cannot_be_written_for_another_reason_is_a_clear_error(tmp_path):
    (tmp_path / ".gioia").write_text("a file where gioia's cache folder goes")
    with pytest.raises(GioiaError, match="cannot write") as caught:
        atomic_write_bytes(tmp_path / ".gioia" / "x.json", b"{}", cache=True)
    assert ".gioia" in caught.value.hint


@pytest.mark.parametrize("filename", ["/data/study/report/report.html", None])
def test_a_full_disk_anywhere_else_is_a_clear_message_not_an_internal_error(monkeypatch, filename):
    from gioia import pipeline

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", filename)

    monkeypatch.setattr(pipeline, "check", full)
    result = invoke("check", ".")
    assert result.exit_code == 1
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert result.output.startswith(
        f"error: no space left on device{f': {filename}' * bool(filename)}"
    )


@pytest.mark.parametrize("code_", [errno.EACCES, errno.EROFS, errno.ENOSPC])
def test_a_lock_file_that_cannot_be_made_names_the_journal(tmp_path, monkeypatch, code_):
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith(".lock"):
            raise OSError(code_, os.strerror(code_), str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    path = tmp_path / "hb.jsonl"
    with pytest.raises(JournalError) as caught:
        append_coding(path, decision())
    if code_ == errno.ENOSPC:
        assert str(caught.value) == f"no space left on device: {path}"
    else:
        assert str(caught.value) == f"{path}: cannot write this journal: {os.strerror(code_)}"
    assert not path.exists()
