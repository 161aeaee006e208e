"""Nothing lost, nothing half-written: outputs are replaced atomically even when
`gioia report` is killed with SIGKILL, and two processes cannot interleave or tear the
lines of one journal.

The kills here are a bounded sample; tests/fuzz/run.py --kills N runs more.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time

import pytest
from hostile_config import VALID_CODING
from hostile_processes import (
    hidden_leftovers,
    kill_after,
    kill_at_write,
    prepare_known_reports,
    quiet_env,
    report_files,
)
from typer.testing import CliRunner

from gioia import journal
from gioia.cli import app
from gioia.errors import GioiaError, JournalError
from gioia.fsutil import STALE_TEMPORARY_SECONDS, atomic_write_bytes, atomic_write_text
from gioia.journal import append_coding, lock, read_journal, read_journals
from gioia.serialise import coding_from_dict

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and flock are POSIX")


# --------------------------------------------------------------------------- atomic writes


def test_a_failed_write_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text('{"complete": true}')

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(GioiaError, match=f"no space left on device: {re.escape(str(target))}"):
        atomic_write_text(target, '{"complete": false, "trunc')
    assert target.read_text() == '{"complete": true}'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_outputs_get_the_mode_a_plain_write_would_give(tmp_path):
    umask = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "report.html", b"<html>")
        assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644
        (tmp_path / "report.html").chmod(0o640)  # a researcher restricted it
        atomic_write_bytes(tmp_path / "report.html", b"<html> again")
        assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)


def test_stale_temporaries_of_killed_writes_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "report.md"
    stale = tmp_path / ".report.md.abc123.tmp"
    fresh = tmp_path / ".report.md.def456.tmp"  # another process may be writing right now
    other = tmp_path / ".report.html.abc123.tmp"
    for leftover in (stale, fresh, other):
        leftover.write_text("half a rep")
    old = time.time() - STALE_TEMPORARY_SECONDS - 1
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    atomic_write_text(target, "# Report\n")
    assert not stale.exists() and fresh.exists() and other.exists()
    assert target.read_text() == "# Report\n"


# --------------------------------------------------------------------------- SIGKILL


@pytest.fixture(scope="module")
def known_reports(tmp_path_factory):
    """The 160-interview study with a previous report and a changed journal."""
    return prepare_known_reports(tmp_path_factory.mktemp("kill"))


def test_sigkill_at_random_moments_leaves_each_output_previous_or_new(known_reports):
    rng = random.Random()
    seen = set()
    for _ in range(4):
        # Most of a run is start-up and analysis; the outputs are written at the end.
        delay = rng.uniform(0.5, 1.05) * known_reports.seconds
        seen.update(kill_after(known_reports, delay).values())
        known_reports.restore_previous()
    assert seen <= {"previous", "new"}


def test_sigkill_in_the_middle_of_writing_leaves_only_a_hidden_temporary(known_reports):
    # The k-th fsync comes after the k-th output is written to its temporary file and
    # before that file is renamed over the output.
    count = random.Random().randint(1, len(known_reports.previous))
    states = kill_at_write(known_reports, "fsync", count)
    leftovers = hidden_leftovers(known_reports.report)
    assert len(leftovers) == 1, leftovers
    # figures/.data-structure.svg.k3j_x.tmp -> figures/data-structure.svg
    folder = leftovers[0].parent.relative_to(known_reports.report)
    half_done = (folder / leftovers[0].name[1:].rsplit(".", 2)[0]).as_posix()
    previous, new = known_reports.previous[half_done], known_reports.new[half_done]
    assert states[half_done] == "previous" or previous == new

    # A later run cleans up what is old enough to be a leftover, and completes.
    old = time.time() - STALE_TEMPORARY_SECONDS - 1
    os.utime(leftovers[0], (old, old))
    done = CliRunner().invoke(app, ["report", str(known_reports.study)])
    assert done.exit_code == 0, done.output
    assert report_files(known_reports.report) == known_reports.new
    assert hidden_leftovers(known_reports.report) == []
    known_reports.restore_previous()


# --------------------------------------------------------------------------- journal lock

APPENDER = """
import sys
from pathlib import Path
from gioia.journal import append_coding
from gioia.serialise import coding_from_dict
path, coder, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
line = {line!r}
for number in range(count):
    memo = f"{{coder}} {{number}} " * 40
    append_coding(path, coding_from_dict(dict(line, coder=coder, memo=memo)))
"""
HOLDER = """
import sys, time
from pathlib import Path
from gioia.journal import lock
with lock(Path(sys.argv[1])):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def _python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], env=quiet_env(), text=True, **kwargs
    )


def test_two_processes_appending_to_one_journal_never_tear_a_line(tmp_path):
    path = tmp_path / "codings" / "ms.jsonl"
    appender = APPENDER.format(line=dict(VALID_CODING, coder="ms"))
    processes = [_python(appender, str(path), "ms", "150") for _ in range(2)]
    for process in processes:
        assert process.wait(timeout=60) == 0
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 301
    for line in lines[:-1]:
        assert json.loads(line)["memo"].endswith(" ")  # every line whole
    assert not read_journal(path).problems


@pytest.fixture
def held_journal(tmp_path):
    path = tmp_path / "codings" / "ms.jsonl"
    holder = _python(HOLDER, str(path), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout.readline() == "holding\n"
    yield path, holder
    if holder.poll() is None:
        holder.kill()
    holder.wait()


def test_a_second_process_gets_a_clear_error_naming_the_holder(held_journal, monkeypatch):
    path, holder = held_journal
    expected = (
        f"{path} is being written by another gioia process (pid {holder.pid}); "
        "finish or quit that one first"
    )
    with pytest.raises(JournalError) as caught, lock(path):
        pass
    assert str(caught.value) == expected

    monkeypatch.setattr(journal, "APPEND_WAIT_SECONDS", 0.2)
    with pytest.raises(JournalError, match="being written by another gioia process"):
        append_coding(path, coding_from_dict(VALID_CODING))
    assert not path.exists() or path.read_bytes() == b""


def test_the_lock_is_released_when_its_holder_is_killed(held_journal):
    path, holder = held_journal
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with lock(path):
        append_coding(path, coding_from_dict(VALID_CODING))
    assert len(read_journal(path).codings) == 1


def test_the_lock_is_reentrant_and_its_file_is_not_a_journal(tmp_path):
    path = tmp_path / "codings" / "ms.jsonl"
    with lock(path), lock(path):
        append_coding(path, coding_from_dict(VALID_CODING))
    assert (tmp_path / "codings" / ".ms.jsonl.lock").exists()
    assert [j.coder for j in read_journals(tmp_path / "codings")] == ["ms"]


def test_a_journal_folder_that_cannot_be_written_is_a_journal_error(tmp_path):
    folder = tmp_path / "codings"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        with pytest.raises(JournalError, match="cannot write this journal"):
            append_coding(folder / "ms.jsonl", coding_from_dict(VALID_CODING))
    finally:
        folder.chmod(0o700)


def test_a_second_gioia_review_of_the_same_coder_gets_the_clear_error(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    from test_review import make_study

    study = make_study(tmp_path / "study")

    def review() -> pexpect.spawn:
        return pexpect.spawn(
            sys.executable,
            ["-m", "gioia", "review", str(study), "--coder", "ms"],
            dimensions=(24, 200),
            encoding="utf-8",
            timeout=30,
            env={**quiet_env(), "TERM": "xterm", "COLUMNS": "200"},
        )

    first = review()
    first.expect("uit")  # the first suggestion is shown, waiting for a key
    second = review()
    second.expect(rf"is being written by another gioia process \(pid {first.pid}\)")
    second.expect(pexpect.EOF)
    second.close()
    assert second.exitstatus == 1
    first.send("a")  # the first session goes on undisturbed
    first.expect("decided 1")
    first.send("q")
    first.expect(pexpect.EOF)
    assert len(read_journal(study / "codings" / "ms.jsonl").codings) == 1


def test_a_journal_whose_folder_is_a_file_is_a_journal_error(tmp_path):
    """The unwritable-folder test skips as root (CI): a path under a file fails for
    every user, through the same path of the code."""
    (tmp_path / "codings").write_text("not a folder", encoding="utf-8")
    with pytest.raises(JournalError) as raised:
        append_coding(tmp_path / "codings" / "ms.jsonl", coding_from_dict(VALID_CODING))
    assert "ms.jsonl" in str(raised.value.location or raised.value)
    assert (tmp_path / "codings").read_text(encoding="utf-8") == "not a folder"


def test_a_permission_error_opening_the_journal_is_a_journal_error(tmp_path, monkeypatch):
    folder = tmp_path / "codings"
    folder.mkdir()
    journal = folder / "ms.jsonl"
    real_open = os.open

    def refuse(path, flags, *args, **kwargs):
        if os.fspath(path) == os.fspath(journal):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(JournalError, match="cannot write this journal"):
        append_coding(journal, coding_from_dict(VALID_CODING))
    assert not journal.exists()
