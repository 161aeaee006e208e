"""Hostile codebook token patterns (issue 16, items 7 and 8): work bounded in the input's
size.

A REGEX that backtracks catastrophically, or is not a regular expression at all, is
refused by `gioia check` at its line with the reason and the fix; a REGEX that check
accepts still runs with a time limit per token. A pattern whose wildcards would make the
matcher's work grow with the square or cube of a transcript is refused too (one
unbounded repeat per pattern, few tokens, few optional tokens, few patterns), and the
one unbounded repeat a pattern may have reaches a bounded number of tokens.

No test here is timed: each asserts a refusal, or counts the matcher's work.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hostile_config import codebook_pattern_cases
from hostile_support import BOUNDED, CLI_CODEBOOK, check_cli, make_cli_study
from hypothesis import given, settings
from typer.testing import CliRunner

import gioia.assist.matching as matching
import gioia.assist.spacy_patterns as spacy_patterns
from gioia import patterns as pattern_limits
from gioia.assist.matching import ConceptMatcher, find_hits
from gioia.cli import app
from gioia.codebook import load_codebook
from gioia.errors import ConfigError, Problem
from gioia.models import Codebook, Concept, Dimension, Segment, Theme

# Lines of this base: the concept's "patterns:" is line 13, its first pattern line 14.
BASE = """\
version: 1
title: Test
dimensions:
  - id: practice
    label: Practice
    themes:
      - id: shared-space
        label: Shared space
        concepts:
          - id: place-to-escape
            label: a place to escape
            keywords: [staff room, escape]
            patterns:
"""
FIRST_PATTERN_LINE = 14


def write(tmp_path: Path, *patterns: str) -> Path:
    path = tmp_path / "codebook.yaml"
    lines = "".join(f"              - {pattern}\n" for pattern in patterns)
    path.write_text(textwrap.dedent(BASE) + lines, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_codebook(path)
    errors = [p for p in caught.value.problems if p.is_error]
    assert errors, caught.value.problems
    for problem in errors:
        assert problem.location is not None and problem.location.file == str(path), problem
        assert problem.hint, problem
    return errors


def only_error(path: Path) -> Problem:
    errors = errors_of(path)
    assert len(errors) == 1, [str(p) for p in errors]
    return errors[0]


def _cli(study: Path, command: str):
    return CliRunner().invoke(
        app, [command, str(study)], env={"NO_COLOR": "1", "COLUMNS": "100"}, catch_exceptions=True
    )


# --------------------------------------------------------------------------- item 7: REGEX


@pytest.mark.parametrize(
    "regex, reason",
    [
        ("^(a+)+$", "quantifier inside a repeated group"),
        (r"(\w+\s?)*$", "quantifier inside a repeated group"),
        ("(x+x+)+y", "quantifier inside a repeated group"),
        ("(a|ab)+c", "alternatives inside a repeated group"),
        (r"(a)\1", "backreference"),
        ("(?P<x>a)(?P=x)", "backreference"),
        ("(?=a)a", "lookahead or lookbehind"),
        ("(?<!x)y", "lookahead or lookbehind"),
        ("(a)?(?(1)b|c)", "conditional"),
    ],
)
def test_a_regex_that_can_backtrack_catastrophically_is_refused_at_its_line(
    tmp_path, regex, reason
):
    path = write(tmp_path, f"[{{LOWER: rest}}, {{TEXT: {{REGEX: '{regex}'}}}}]")
    problem = only_error(path)
    assert problem.location.line == FIRST_PATTERN_LINE, problem
    assert "patterns[0][1].TEXT.REGEX" in problem.message, problem
    assert regex in problem.message and reason in problem.message, problem


@pytest.mark.parametrize("regex", ["(unclosed", "[z-a]", "a{2,1}", "*a", "a**", "x{99999999999}"])
def test_an_invalid_regex_is_a_problem_at_its_line(tmp_path, regex):
    problem = only_error(write(tmp_path, f"[{{TEXT: {{REGEX: '{regex}'}}}}]"))
    assert problem.location.line == FIRST_PATTERN_LINE, problem
    assert "is not a valid regular expression" in problem.message, problem


def test_regexes_in_an_in_list_are_checked_one_by_one(tmp_path):
    path = write(tmp_path, "[{LOWER: {REGEX: {IN: ['^ok$', '^(a+)+$', '(']}}}]")
    first, second = errors_of(path)
    assert "patterns[0][0].LOWER.REGEX.IN[1]" in first.message, first
    assert "patterns[0][0].LOWER.REGEX.IN[2]" in second.message, second


def test_a_regex_longer_than_a_word_needs_is_refused(tmp_path):
    long_regex = "^(" + "|".join(f"w{i:03d}" for i in range(60)) + ")$"
    problem = only_error(write(tmp_path, f"[{{LOWER: {{REGEX: '{long_regex}'}}}}]"))
    assert "characters" in problem.message, problem


@pytest.mark.parametrize(
    "pattern",
    [
        "[{LOWER: {REGEX: '^(re)?start(s|ed|ing)?$'}}]",
        "[{TEXT: {REGEX: '^[0-9]+(st|nd|rd|th)$'}}, {LOWER: year}]",
        r"[{TEXT: {REGEX: '(?i)^gps?$'}}, {LEMMA: {REGEX: {NOT_IN: ['^x', 'y$']}}}]",
        "[{LOWER: {FUZZY: colleague}}, {LENGTH: {'>=': 3}}, {IS_STOP: true, OP: '?'}]",
        "[{LOWER: {IN: [staff, coffee]}}, {LOWER: room}]",
        "[{lemma: have}, {lower: {regex: '^lunch'}}]",
    ],
)
def test_ordinary_patterns_pass_check(tmp_path, pattern):
    codebook, problems = load_codebook(write(tmp_path, pattern))
    assert not [p for p in problems if p.is_error]
    assert codebook.concepts[0].patterns


def test_a_regex_check_accepts_still_has_a_time_limit_per_token(tmp_path, nlp, monkeypatch):
    # No nesting and no alternatives, so check accepts it; yet before \d fails on a word
    # of letters, the four \w* share the word out in every possible way: work of the
    # fifth power of the word's length. The time limit (tiny here, to be quick) stops it.
    path = write(tmp_path, r"[{TEXT: {REGEX: '\w*\w*\w*\w*\d'}}]")
    codebook, _ = load_codebook(path)
    monkeypatch.setattr(spacy_patterns, "REGEX_TIMEOUT_SECONDS", 0.0001)
    matcher = ConceptMatcher(nlp, codebook, str(path))
    text = "We said " + "a" * 100 + " and left."
    with pytest.raises(ConfigError) as caught:
        find_hits(nlp(text), [Segment("GP1", 0, len(text), text, "GP1", "GP1", 0)], matcher)
    (problem,) = caught.value.problems
    assert problem.location.file == str(path) and problem.location.line == FIRST_PATTERN_LINE
    assert r"\w*\w*\w*\w*\d" in problem.message and "time limit" in problem.message, problem
    assert "a token of 100 characters" in problem.message, problem
    assert problem.message.endswith("in transcript GP1"), problem


def test_each_distinct_word_is_tested_once_per_regex_and_no_overlong_token(
    tmp_path, nlp, monkeypatch
):
    path = write(tmp_path, "[{TEXT: {REGEX: '^a+$'}}, {LOWER: room}]")
    codebook, _ = load_codebook(path)
    tested: list[str] = []
    real = spacy_patterns.RegexTest._search

    def counting(self, text):
        tested.append(text)
        return real(self, text)

    monkeypatch.setattr(spacy_patterns.RegexTest, "_search", counting)
    matcher = ConceptMatcher(nlp, codebook, str(path))
    long_token = "a" * (spacy_patterns.MAX_REGEX_TOKEN_CHARS + 1)
    matches = matcher.matches(nlp("aaa room " * 400 + f"b room {long_token} room."))
    assert len(matches) == 400
    assert sorted(tested) == [".", "aaa", "b", "room"]


def test_check_and_suggest_name_an_invalid_regex_instead_of_an_internal_error(tmp_path):
    study = make_cli_study(tmp_path / "study")
    line = CLI_CODEBOOK.count("\n") + 2
    (study / "codebook.yaml").write_text(
        CLI_CODEBOOK + "            patterns:\n              - [{TEXT: {REGEX: '(unclosed'}}]\n",
        encoding="utf-8",
    )
    for command in ("check", "suggest"):
        result = _cli(study, command)
        assert result.exit_code == 1, result.output
        assert "internal error" not in result.output and "Traceback" not in result.output
        assert f"codebook.yaml:{line}:" in result.stderr, result.stderr
        assert "not a valid regular expression" in result.stderr, result.stderr


# --------------------------------------------------------------------------- item 8: wildcards


def test_two_unbounded_wildcards_are_refused_at_the_second(tmp_path):
    path = write(tmp_path, "[{LOWER: i}, {OP: '*'}, {LOWER: the}, {OP: '*'}, {LOWER: and}]")
    problem = only_error(path)
    assert problem.location.line == FIRST_PATTERN_LINE
    assert "patterns[0][3].OP" in problem.message, problem
    assert "one unbounded repeat" in problem.message, problem


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("[" + ", ".join(["{LOWER: a}"] * 11) + "]", "11 tokens"),
        ("[{LOWER: a}, {OP: '{0,50}'}, {LOWER: b}]", "up to 50 times"),
        ("[{LOWER: a}, {OP: '{7}'}, {LOWER: b}]", "7 times"),
        ("[" + ", ".join(["{IS_STOP: true, OP: '?'}"] * 5) + ", {LOWER: b}]", "optional"),
        ("[{LOWER: a}, {OP: '{1,4}'}, {OP: '{0,2}'}, {LOWER: b}]", "optional"),
        ("[{LOWER: a}, {OP: '{3,}'}, {LOWER: b}, {OP: '+'}]", "one unbounded repeat"),
        ("[{LOWER: a}, {OP: '**'}]", "not a spaCy operator"),
        ("[{LOWER: a}, {OP: '{3,1}'}]", "not a spaCy operator"),
        ("[{LEMMAA: have}]", "unknown token attribute 'LEMMAA'"),
        ("[{LOWER: 2020}]", "LOWER takes text"),
        ("[{IS_STOP: maybe}]", "IS_STOP takes true or false"),
        ("[{LOWER: {REGX: a}}]", "unknown predicate 'REGX'"),
        ("[{LENGTH: {REGEX: '3'}}]", "LENGTH takes"),
        ("[{_: {mine: true}}]", "custom attributes"),
        ("[{LOWER: " + "x" * 300 + "}]", "300 characters"),
    ],
)
def test_patterns_beyond_the_limits_are_refused_at_their_line(tmp_path, pattern, expected):
    problem = only_error(write(tmp_path, pattern))
    assert problem.location.line == FIRST_PATTERN_LINE, problem
    assert expected in problem.message, problem


def test_too_many_patterns_are_refused_from_the_first_beyond_the_limit(tmp_path):
    limit = pattern_limits.MAX_PATTERNS
    path = write(tmp_path, *[f"[{{LOWER: w{i}}}]" for i in range(limit + 3)])
    problem = only_error(path)
    assert problem.location.line == FIRST_PATTERN_LINE + limit, problem
    assert f"more than {limit} patterns" in problem.message, problem


def test_too_many_patterns_with_an_unbounded_repeat_are_refused(tmp_path):
    limit = pattern_limits.MAX_UNBOUNDED_PATTERNS
    bounded = [f"[{{LOWER: w{i}}}]" for i in range(5)]
    reaching = [f"[{{LOWER: w{i}}}, {{OP: '+'}}, {{LOWER: x}}]" for i in range(limit + 1)]
    problem = only_error(write(tmp_path, *bounded, *reaching))
    assert problem.location.line == FIRST_PATTERN_LINE + 5 + limit, problem
    assert f"more than {limit} patterns with an unbounded repeat" in problem.message


def test_check_refuses_two_wildcards_in_the_cli_study(tmp_path):
    study = make_cli_study(tmp_path / "study")
    line = CLI_CODEBOOK.count("\n") + 2
    (study / "codebook.yaml").write_text(
        CLI_CODEBOOK
        + "            patterns:\n"
        + "              - [{LOWER: i}, {OP: '*'}, {LOWER: the}, {OP: '*'}, {LOWER: and}]\n",
        encoding="utf-8",
    )
    result = _cli(study, "check")
    assert result.exit_code == 1, result.output
    assert f"codebook.yaml:{line}:" in result.stderr and "unbounded" in result.stderr


class _CountingMatcher(matching.Matcher):
    """spaCy's Matcher, counting the matches it produces and the tokens it reads."""

    produced = 0
    longest_input = 0

    def __call__(self, doclike, *args, **kwargs):
        found = super().__call__(doclike, *args, **kwargs)
        type(self).produced += len(found)
        type(self).longest_input = max(type(self).longest_input, len(doclike))
        return found


def test_an_unbounded_pattern_does_work_linear_in_the_transcript(nlp, monkeypatch):
    # "i the i the ...": a match of [i, *, the] from every "i" to every later "the";
    # over the whole transcript that is quadratic in its length. (Two attributes on the
    # last token keep the pattern on spaCy's Matcher; tests/test_pattern_phrases.py
    # bounds the same pattern's work on gioia's own.)
    monkeypatch.setattr(matching, "Matcher", _CountingMatcher)
    monkeypatch.setattr(_CountingMatcher, "produced", 0)
    monkeypatch.setattr(_CountingMatcher, "longest_input", 0)
    pattern = ({"LOWER": "i"}, {"OP": "*"}, {"LOWER": "the", "IS_STOP": True})
    matcher = ConceptMatcher(nlp, _codebook_with_pattern(pattern))
    doc = nlp("i the " * 1500)
    matches = matcher.matches(doc)
    assert _CountingMatcher.produced >= len(doc), "the pattern ran on spaCy's Matcher"
    assert _CountingMatcher.produced <= 50 * len(doc), _CountingMatcher.produced
    reach = pattern_limits.MAX_REACH_TOKENS
    assert _CountingMatcher.longest_input <= max(2 * reach, 2)
    # one match per "i", the longest within reach: from it to the last "the" in reach
    starts = {m.span.start for m in matches}
    assert len(starts) == 1500
    assert all(len(m.span) <= reach for m in matches)
    assert max(len(m.span) for m in matches) == reach


def test_an_unbounded_pattern_still_matches_within_a_sentence(nlp):
    pattern = ({"LEMMA": "feel"}, {"OP": "*"}, {"LOWER": "alone"})
    matcher = ConceptMatcher(nlp, _codebook_with_pattern(pattern))
    text = "I felt, after a really bad day at the surgery, so alone. Alone again."
    [match] = matcher.matches(nlp(text))
    assert match.span.text == "felt, after a really bad day at the surgery, so alone"


def test_a_pos_pattern_without_a_tagger_is_an_error_naming_the_codebook(tmp_path):
    study = make_cli_study(tmp_path / "study")
    line = CLI_CODEBOOK.count("\n") + 2
    (study / "codebook.yaml").write_text(
        CLI_CODEBOOK + "            patterns:\n              - [{POS: ADJ}, {LOWER: rant}]\n",
        encoding="utf-8",
    )
    for command in ("check", "suggest"):  # found by check, before any suggesting
        result = _cli(study, command)
        assert result.exit_code == 1, result.output
        assert "internal error" not in result.output, result.output
        assert f"codebook.yaml:{line}:" in result.stderr and "POS" in result.stderr, result.stderr
        assert "LEMMA only" in " ".join(result.stderr.split())
    # A trained pipeline named in gioia.yaml may set POS: no problem is raised for it.
    (study / "gioia.yaml").write_text("settings:\n  nlp: {model: en_core_web_sm}\n")
    assert "not set by the default NLP pipeline" not in _cli(study, "check").stderr


def _codebook_with_pattern(pattern: tuple[dict, ...]) -> Codebook:
    concept = Concept("c", "c", "t", "d", patterns=(pattern,))
    theme = Theme("t", "T", "d", concepts=(concept,))
    return Codebook("test", (Dimension("d", "D", themes=(theme,)),))


# --------------------------------------------------------------------------- generated


def test_check_and_suggest_of_generated_patterns_exit_0_or_1_naming_the_codebook(tmp_path):
    study = make_cli_study(tmp_path / "study")

    @settings(BOUNDED, max_examples=15)
    @given(data=codebook_pattern_cases())
    def property(data: bytes) -> None:
        (study / "codebook.yaml").write_bytes(data)
        for command in ("check", "suggest"):
            check_cli(study, command, names="codebook.yaml")

    property()
