"""One line of a coder's journal: a decision parsed and validated, or recognised as the
fragment a torn write leaves (a crash or a full disk part-way through an append), which
is skipped with a warning wherever it is, while any other malformed line is an error at
its line (:func:`is_torn_write` states the rule)."""

from __future__ import annotations

import json
import math

from gioia.errors import JournalError, Location, Problem
from gioia.models import SOURCES, Coding
from gioia.serialise import CODING_OPTIONAL, CODING_REQUIRED, coding_from_dict

__all__ = ["is_torn_write", "is_unicode", "malformed", "parse_line", "torn_problem"]


def malformed(raw: bytes, exc: ValueError, location: Location) -> JournalError:
    closing = _missing_closing(raw.decode("utf-8", "replace").rstrip())
    if closing is None:
        return JournalError(
            f"malformed journal line: {exc}",
            location=location,
            hint="fix the line by hand in a text editor (journals are JSON Lines); "
            "gioia never rewrites journals",
        )
    return JournalError(
        f"malformed journal line: a decision that ends before its closing {closing!r}",
        location=location,
        hint=f"fix the line by hand: add {closing!r} at its end to keep the decision (if a "
        "crash cut it there, a memo and flags after it are lost), or delete the line",
    )


def torn_problem(location: Location, exc: ValueError, *, last: bool) -> Problem:
    if last:
        return Problem(
            f"last line is torn ({exc}); it is skipped, earlier lines kept",
            location,
            hint="this happens when a write was interrupted (a crash, a full disk); redo "
            "that one decision",
            severity="warning",
        )
    return Problem(
        f"torn fragment of an interrupted write ({exc}); it is skipped, every other line counts",
        location,
        hint="a write was interrupted (a crash, a full disk) and later decisions were "
        "appended after it: redo the decision it held if it is missing; gioia never "
        "rewrites journals, but you may delete the fragment by hand",
        severity="warning",
    )


# A torn write of a line is cut anywhere in it: each of these completes a cut inside a
# string, after a backslash, inside a \uXXXX escape, a number or a literal, so that a
# prefix of a line gioia wrote reads as far as its end.
_COMPLETIONS = ("", '"', '""', '0000"', "0", "e", "ue", "rue", "l", "ll", "ull", "se", "lse")
_CLOSINGS = ("}", "]}")


def is_torn_write(raw: bytes) -> bool:
    """Whether ``raw``, a line that is no decision, is what an interrupted append leaves.

    gioia writes a decision as one line starting with ``{`` in one ``write``, and starts
    it on a fresh line when the journal does not end in one (:func:`append_coding`). A
    crash, a power cut or a full disk can cut that write anywhere, and the next append
    puts its decision on the next line; so a fragment can be the last line or any line
    before it. A line is such a fragment, skipped with a warning, when it is:

    - the start of a JSON object cut short, with nothing wrong in it but its missing
      end (a character cut in half at the end counts: the cut fell inside it), or
    - made of NUL bytes only, or followed by them, which is what a power cut leaves
      where the file grew but its data never reached the disk,

    and is not a whole decision missing only its closing bracket, which is what a hand
    edit leaves more often than a crash. Everything else is an error at its line: valid
    JSON that is no decision, a typo, two lines run together, a line not starting at
    ``{``, a line a text editor wrote. Where the fragment lies (last or not, followed
    by other lines or not) does not matter: a torn write is never valid JSON, and a
    human's line almost never ends up a clean prefix of one.
    """
    text = raw.rstrip(b"\0")
    if not text:
        return True
    if not text.startswith(b"{"):
        return False
    try:
        line = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.end != len(text) or exc.reason != "unexpected end of data":
            return False
        line = text[: exc.start].decode("utf-8", "replace")
    return _is_unfinished_json(line) and _missing_closing(line) is None


def _missing_closing(line: str) -> str | None:
    """The closing brackets ``line`` lacks to be a decision (every required key), if
    that is all it lacks."""
    for closing in _CLOSINGS:
        try:
            whole = json.loads(line + closing)
        except (ValueError, RecursionError):
            continue
        if isinstance(whole, dict) and all(key in whole for key in CODING_REQUIRED):
            return closing
    return None


def _is_unfinished_json(text: str) -> bool:
    """Whether ``text`` is the start of some JSON text and not a whole one: JSON's
    decoder, given one of the completions, reads past its last character."""
    try:
        json.loads(text)
    except json.JSONDecodeError:
        pass
    except (ValueError, RecursionError):  # a number too long, brackets too deep
        return False
    else:
        return False  # valid JSON is written whole: never torn
    for completion in _COMPLETIONS:
        try:
            json.loads(text + completion)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text):
                return True
        except (ValueError, RecursionError):
            return False
        else:
            return True
    return False


def parse_line(raw: bytes, coder: str) -> Coding:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    except ValueError:  # Python refuses to read an integer of over 4,300 digits
        raise ValueError("not a journal line (a number thousands of digits long)") from None
    except RecursionError:
        raise ValueError("not a journal line (brackets nested thousands deep)") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    missing = [key for key in CODING_REQUIRED if key not in data]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(CODING_REQUIRED) - set(CODING_OPTIONAL))
    if unknown:
        raise ValueError(f"unknown key {', '.join(unknown)}")
    for key in ("transcript", "concept", "coder", "source", "quote", "at", "memo"):
        if key in data and not isinstance(data[key], str):
            raise ValueError(f"{key} must be a string")
        # JSON can escape half a character (\ud800); no output could be written with it.
        if key in data and not is_unicode(data[key]):
            raise ValueError(f"{key} holds an escaped lone surrogate such as \\ud800")
    for key in ("start", "end"):
        if not isinstance(data[key], int) or isinstance(data[key], bool):
            raise ValueError(f"{key} must be an integer")
    start, end = data["start"], data["end"]
    if (start == -1) != (end == -1) or (start != -1 and not 0 <= start < end):
        raise ValueError(f"start/end {start}/{end}: need 0 <= start < end, or both -1")
    if data["decision"] not in ("accept", "reject"):
        raise ValueError(f"decision must be accept or reject, not {data['decision']!r}")
    if data["source"] not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}")
    if data["coder"] != coder:
        raise ValueError(f"coder {data['coder']!r} in the journal of {coder!r}")
    score = data.get("score")
    if score is not None and (
        isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score)
    ):
        raise ValueError("score must be a number")  # NaN and Infinity are JSON to Python
    flags = data.get("flags", [])
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise ValueError("flags must be a list of strings")
    if not all(is_unicode(flag) for flag in flags):
        raise ValueError("flags hold an escaped lone surrogate such as \\ud800")
    return coding_from_dict(data)


def is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
