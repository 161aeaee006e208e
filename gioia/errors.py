"""Errors gioia raises, and where they come from.

Every error a user can cause is a :class:`GioiaError`: a message saying what is wrong, a
hint saying how to fix it, and a location (file, line, column) pointing at it. The CLI
catches :class:`GioiaError` once, prints it to stderr and exits 1; nothing else in gioia
prints or exits.

The tree::

    GioiaError                  any problem a user can fix; exit code 1
    ├── ConfigError             gioia.yaml, codebook.yaml or participants.csv is invalid;
    │                           carries *every* problem found, not just the first
    ├── TranscriptError         a transcript cannot be read or parsed
    ├── JournalError            a coding journal line is malformed (not a torn write,
    │                           which is reported as a problem and skipped), or the
    │                           journal is a link or cannot be written
    ├── NlpError                the configured spaCy pipeline cannot be built
    └── StudyError              the study folder is missing or incomplete
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ConfigError",
    "GioiaError",
    "JournalError",
    "Location",
    "NlpError",
    "Problem",
    "StudyError",
    "TranscriptError",
]


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, and optionally a 1-based line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = self.file
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text

    @classmethod
    def of(cls, path: Path | str, line: int | None = None, column: int | None = None) -> Location:
        return cls(str(path), line, column)


@dataclass(frozen=True)
class Problem:
    """One finding of a check: an error (the study cannot be used) or a warning."""

    message: str
    location: Location | None = None
    hint: str = ""
    severity: str = "error"  # "error" | "warning"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.severity}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class GioiaError(Exception):
    """A problem the user can fix. Shown as one message with a hint; exit code 1."""

    def __init__(self, message: str, *, hint: str = "", location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    @property
    def problems(self) -> tuple[Problem, ...]:
        return (Problem(self.message, self.location, self.hint),)

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message}"


class ConfigError(GioiaError):
    """A configuration file is invalid. Lists every problem found, each with its location."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], *, message: str = ""):
        errors = [p for p in problems if p.is_error]
        first = errors[0] if errors else (problems[0] if problems else None)
        count = len(errors)
        summary = message or (
            f"{count} problem{'s' if count != 1 else ''} found"
            + (f" in {first.location.file}" if first and first.location else "")
        )
        super().__init__(summary, location=None)
        self._problems = tuple(problems)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._problems

    def __reduce__(self) -> tuple[object, ...]:
        # Rebuilt whole when it comes back from a worker process (--jobs): the default
        # would call ConfigError(summary) and lose every problem.
        return (_config_error, (self._problems, self.message))


def _config_error(problems: tuple[Problem, ...], message: str) -> ConfigError:
    return ConfigError(problems, message=message)


class TranscriptError(GioiaError):
    """A transcript cannot be read or parsed."""


class JournalError(GioiaError):
    """A coding journal is malformed beyond a torn write, is not a file of its own, or
    cannot be written."""


class NlpError(GioiaError):
    """The configured NLP pipeline cannot be built."""


class StudyError(GioiaError):
    """The study folder is missing or incomplete."""
