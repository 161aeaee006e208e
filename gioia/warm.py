"""The fast path of an unchanged ``gioia suggest``: decided with ``os.stat`` before
typer, pydantic, numpy or spaCy are imported.

A successful ``gioia suggest`` records a stamp (``.gioia/suggest.stamp.json``) of every
file its suggestions' cache key depends on (gioia.yaml, codebook.yaml, participants.csv,
every file under the transcripts folder and that folder's listing, the learner's
journals, the import marker that must stay absent), of the caches it read and wrote
(the learner's suggestions and lock, ``.gioia/suggestions.jsonl``, the origin record),
of gioia's own source files and of the folders Python imports from (an upgraded spaCy
or lookups package changes their listing), each with its size, mtime, inode and content
hash, together with what a warm run prints. :func:`fast_suggest_answer` compares them:
when a file's size, mtime or inode changed its content hash decides; any difference,
option it does not know, or exception sends the run down the normal path, which
prints the same. Stale suggestions would be a serious bug: in doubt, never fast.

Everything here but :func:`write_stamp` uses the standard library only; the answer is
printed at the program's edge (:mod:`gioia.__main__`), with rich, as the normal path does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STAMP = "suggest.stamp.json"
_FORMAT = 1
# What a terminal obeys instead of showing (gioia.console's _UNSAFE): output holding one
# is left to the normal path, whose console makes it safe.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_RACY_NS = 3_000_000_000
_JOBS = re.compile("[1-9][0-9]{0,5}")


def summary_message(total: int, path: object, parsed_now: int, described: str) -> str:
    """`gioia suggest`'s closing line (the normal path and the fast one print it)."""
    return (
        f"{total} suggestions written to {path} ({parsed_now} transcript(s) parsed, "
        f"the rest from cache); {described}"
    )


def summary_json(
    total: int, parsed_now: int, learner: list[str], stage: str, counts: dict[str, int]
) -> dict[str, Any]:
    """`gioia suggest --json`'s output, without an evaluation."""
    return {
        "suggestions": total,
        "parsed": parsed_now,
        "learner": learner,
        "stage": stage,
        "by_concept": counts,
    }


# ------------------------------------------------------------------------ the file states


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _file_state(path: str, previous: dict[str, list] | None = None) -> list:
    """[path, "file", mtime_ns, size, inode, sha256] or [path, "absent"]; a link or
    anything but a regular file raises ValueError (never stamped)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return [path, "absent"]
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"not a regular file: {path}")
    key = [info.st_mtime_ns, info.st_size, info.st_ino]
    old = (previous or {}).get(path)
    if old is not None and old[1] == "file" and old[2:5] == key:
        return old  # unchanged since the last stamp: its hash is known
    digest = _sha256(path)
    again = os.lstat(path)
    if [again.st_mtime_ns, again.st_size, again.st_ino] != key:
        raise ValueError(f"changed while it was read: {path}")
    return [path, "file", *key, digest]


def _file_holds(state: list) -> bool:
    path, kind = state[0], state[1]
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return kind == "absent"
    if kind != "file" or not stat.S_ISREG(info.st_mode):
        return False
    if [info.st_mtime_ns, info.st_size, info.st_ino] == state[2:5]:
        return True
    return info.st_size == state[3] and _sha256(path) == state[5]


def _tree(folder: str) -> tuple[list[list], list[str]]:
    """Every folder under ``folder`` with its sorted listing, and every file in them; a
    link or special file raises ValueError."""
    folders: list[list] = []
    files: list[str] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        names = sorted(os.listdir(current))
        folders.append([current, names])
        for name in names:
            path = os.path.join(current, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode):
                pending.append(path)
            elif stat.S_ISREG(mode):
                files.append(path)
            else:
                raise ValueError(f"a link or special file: {path}")
    return folders, files


def _code_files() -> list[list]:
    """gioia's own source files: any edit (say, to the pipeline's revision) disables the
    fast path until the normal path has run."""
    found = []
    pending = [os.path.dirname(os.path.abspath(__file__))]
    while pending:
        current = pending.pop()
        for entry in sorted(os.scandir(current), key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    pending.append(entry.path)
            elif not entry.name.endswith((".pyc", ".pyo")):
                info = entry.stat(follow_symlinks=False)
                found.append([entry.path, info.st_mtime_ns, info.st_size])
    return found


def _import_folders() -> list[list]:
    """The folders Python imports from, with their mtimes: installing, upgrading or
    removing a package (spaCy, its lookups data, a model) changes its folder's listing."""
    found = []
    for entry in sys.path:
        try:
            found.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            found.append([entry, None])
    return found


# -------------------------------------------------------------------------- the stamp


def stamp_path(root: Path) -> Path:
    return root / ".gioia" / STAMP


def remove_stamp(root: Path) -> None:
    with contextlib.suppress(OSError):
        stamp_path(root).unlink(missing_ok=True)


def write_stamp(
    loaded: Any,
    suggested: Any,
    published: Path,
    *,
    options: dict[str, Any],
    ingested: int,
    described: str,
    started: int,
    complete: bool = True,
) -> None:
    """Record, after a successful ``gioia suggest``, what an unchanged re-run with the
    same ``options`` may skip to. Any doubt (warnings, links, a cache elsewhere, a cache
    not sealed) writes no stamp, and removes an old one; so does any failure here, which
    never fails the command.

    ``started`` (``time.time_ns()`` before the study was loaded) guards against an edit
    made while the run read its inputs (git's "racy clean"): an input modified since a
    little before it gets no stamp, since the suggestions may come from what it held
    before."""
    try:
        _write_stamp(loaded, suggested, published, options, ingested, described, started, complete)
    except Exception:
        remove_stamp(loaded.study.root)


def _write_stamp(
    loaded: Any,
    suggested: Any,
    published: Path,
    options: dict[str, Any],
    ingested: int,
    described: str,
    started: int,
    complete: bool,
) -> None:
    from gioia import __version__
    from gioia.doccache import pipeline_fingerprint
    from gioia.import_state import MARKER

    study = loaded.study
    root = study.root
    target = stamp_path(root)
    previous: dict[str, list] = {}
    try:
        old = json.loads(target.read_text(encoding="utf-8"))
        previous = {state[0]: state for state in old["files"]}
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    remove_stamp(root)  # while this one is made, none is valid
    if (
        not complete
        or loaded.warnings
        or study.paths.cache != root / ".gioia"
        or published.parent != study.paths.cache
    ):
        return
    paths = study.paths
    transcripts = str(paths.transcripts)
    folders, transcript_files = _tree(transcripts)
    cache = suggested.cache
    lock = json.loads(cache.lock.read_text(encoding="utf-8"))
    cached = [
        str(cache.lock),
        str(cache.path),
        str(published),
        str(paths.cache / "suggestions.origin.json"),
    ]
    watched = [
        str(paths.config),
        str(paths.codebook),
        str(paths.participants),
        str(root / MARKER),
        *(str(paths.codings / f"{coder}.jsonl") for coder in suggested.learner.coders),
        *transcript_files,
        *cached,
    ]
    files = [_file_state(path, previous) for path in watched]
    states = {state[0]: state for state in files}
    # Inputs (not the caches this run wrote) modified since a little before the run
    # began (file systems keep mtimes as coarsely as 2 s): no stamp this time.
    racy = started - _RACY_NS
    inputs = watched[: -len(cached)]
    if any(states[path][1] == "file" and states[path][2] >= racy for path in inputs):
        return
    if any(os.lstat(folder).st_mtime_ns >= racy for folder, _ in folders):
        return
    sealed = lock.get("digest")
    for path in (str(cache.path), str(published)):
        if states[path][1] != "file" or states[path][5] != sealed:
            return
    for path in (str(paths.codebook), str(cache.lock)):
        if states[path][1] != "file":
            return
    counts = dict(suggested.by_concept)
    total = sum(counts.values())
    learner = list(suggested.learner.coders)
    record = {
        "format": _FORMAT,
        "version": __version__,
        "executable": sys.executable,
        "python": sys.version,
        "pipeline": pipeline_fingerprint(study.settings.nlp.lang, study.settings.nlp.model),
        "root": str(root),
        "options": options,
        "code": _code_files(),
        "imports": _import_folders(),
        "folders": folders,
        "files": files,
        "ingested": ingested,
        "table": counts,
        "message": summary_message(total, published, 0, described),
        "json": summary_json(total, 0, learner, suggested.stage, counts),
    }
    text = json.dumps(record, ensure_ascii=False)
    if _UNSAFE.search(record["message"]) or any(_UNSAFE.search(k) for k in counts):
        return
    from gioia.fsutil import atomic_write_text

    atomic_write_text(target, text, cache=True)


# ------------------------------------------------------------------------ the fast path


def _options(argv: list[str]) -> tuple[str, dict[str, Any], bool] | None:
    """(study folder, options, --json) of ``suggest [DIR] [--coder X] [--learn-from X]
    [--jobs N] [--json]``; None for anything else."""
    if not argv or argv[0] != "suggest":
        return None
    directory: str | None = None
    options: dict[str, Any] = {"coder": None, "learn_from": None}
    as_json = False
    rest = argv[1:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        name, has_value, value = arg.partition("=")
        if arg == "--json":
            as_json = True
        elif name in ("--coder", "--learn-from", "--jobs"):
            if not has_value:
                i += 1
                if i >= len(rest):
                    return None
                value = rest[i]
            if not value or value.startswith("-"):
                return None
            if name == "--jobs":
                if not _JOBS.fullmatch(value):
                    return None
            else:
                key = name[2:].replace("-", "_")
                if options[key] is not None:
                    return None
                options[key] = value
        elif arg.startswith("-") or directory is not None:
            return None
        else:
            directory = arg
        i += 1
    return (directory if directory is not None else "."), options, as_json


def _holds(record: dict[str, Any], root: str, options: dict[str, Any]) -> bool:
    if (
        record.get("format") != _FORMAT
        or record["root"] != root
        or record["options"] != options
        or record["executable"] != sys.executable
        or record["python"] != sys.version
        or record["imports"] != _import_folders()
        or record["code"] != _code_files()
    ):
        return False
    for folder, names in record["folders"]:
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or sorted(os.listdir(folder)) != names:
            return False
    return all(_file_holds(state) for state in record["files"])


@dataclass(frozen=True)
class FastAnswer:
    """What an unchanged study's ``gioia suggest`` prints, for the program's edge
    (:mod:`gioia.__main__`) to print."""

    ingested: int  # transcripts, for the "ingest: N transcripts" line
    table: dict[str, int] | None  # segments per concept; None with --json
    message: str  # the closing line (without --json)
    json_text: str | None  # the --json summary, escaped as the normal path escapes it


def fast_suggest_answer(argv: list[str]) -> FastAnswer | None:
    """What ``gioia suggest`` would print, when the stamp shows nothing changed; None in
    every other case (any doubt, any exception: the normal path)."""
    try:
        parsed = _options(argv)
        if parsed is None:
            return None
        directory, options, as_json = parsed
        root = os.path.realpath(directory)
        with open(os.path.join(root, ".gioia", STAMP), encoding="utf-8") as handle:
            record = json.load(handle)
        if not _holds(record, root, options):
            return None
        ingested = record["ingested"]
        if not isinstance(ingested, int) or ingested < 1:
            return None
        if as_json:
            text = json.dumps(record["json"], ensure_ascii=False, indent=2)
            text = _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
            return FastAnswer(ingested, None, "", text)
        table = {str(key): int(value) for key, value in record["table"].items()}
        return FastAnswer(ingested, table, str(record["message"]), None)
    except Exception:
        return None
