"""gioia's errors survive the trip back from a worker process (--jobs) whole."""

from __future__ import annotations

import pickle

from gioia.errors import ConfigError, Location, Problem, TranscriptError


def test_a_config_error_keeps_every_problem_through_pickle():
    problems = (
        Problem("bad REGEX", Location("codebook.yaml", 12, 9), "quote it"),
        Problem("two wildcards", Location("codebook.yaml", 20, 5), "keep one"),
        Problem("unused key", Location("gioia.yaml", 3), severity="warning"),
    )
    error = ConfigError(problems)
    back = pickle.loads(pickle.dumps(error))
    assert isinstance(back, ConfigError)
    assert back.problems == problems
    assert back.message == error.message == "2 problems found in codebook.yaml"
    named = pickle.loads(pickle.dumps(ConfigError(problems, message="the codebook is bad")))
    assert named.message == "the codebook is bad"


def test_a_transcript_error_keeps_its_hint_and_location_through_pickle():
    error = TranscriptError("not text", hint="save it as UTF-8", location=Location("P1.txt", 4))
    back = pickle.loads(pickle.dumps(error))
    assert (back.message, back.hint, back.location) == (
        "not text",
        "save it as UTF-8",
        error.location,
    )
