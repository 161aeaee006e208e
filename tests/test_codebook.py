"""codebook.yaml loading: every kind of problem, located by line and column.

Expected lines and columns are counted by hand from the fixtures; columns are 1-based
and point at a mapping entry's key or a list item's first character.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gioia.codebook import SLUG_PATTERN, codebook_json_schema, load_codebook
from gioia.errors import ConfigError, Problem
from gioia.models import Codebook, Relation
from gioia.yamlsource import load_yaml

DATA = Path(__file__).parent / "data" / "codebooks"

# Line numbers of this base, used by the tests that change one line of it:
#  4 dimension id (col 5)    7 theme id (col 9)    10 concept id (col 13)
#  11 concept label          12 concept keywords
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
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors_of(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_codebook(path)
    return [p for p in caught.value.problems if p.is_error]


def where(problem: Problem) -> tuple[int | None, int | None]:
    assert problem.location is not None
    return problem.location.line, problem.location.column


def only_error(path: Path) -> Problem:
    errors = errors_of(path)
    assert len(errors) == 1, [str(p) for p in errors]
    assert errors[0].location.file == str(path)
    return errors[0]


# ------------------------------------------------------------------ one error each


def test_bad_slug_is_located_and_suggests_a_slug(tmp_path):
    path = write(tmp_path, BASE.replace("id: place-to-escape", "id: Place To Escape"))
    problem = only_error(path)
    assert where(problem) == (10, 13)
    assert problem.message == (
        "dimensions[0].themes[0].concepts[0].id: 'Place To Escape' is not a valid id"
    )
    assert "lowercase slugs" in problem.hint
    assert "place-to-escape" in problem.hint


def test_duplicate_id_reports_both_locations(tmp_path):
    path = write(tmp_path, BASE.replace("id: shared-space", "id: practice"))
    problem = only_error(path)
    assert where(problem) == (7, 9)
    assert "duplicate id 'practice'" in problem.message
    assert "dimension at line 4" in problem.message


def test_alias_equal_to_an_id_is_an_error(tmp_path):
    text = BASE + "            aliases: [shared-space]\n"
    problem = only_error(write(tmp_path, text))
    assert where(problem) == (13, 23)
    assert "alias 'shared-space' is already the id of a theme at line 7" in problem.message


def test_duplicate_yaml_key_is_an_error_with_both_lines(tmp_path):
    text = BASE.replace(
        "            label: a place to escape\n",
        "            label: a place to escape\n            label: somewhere else\n",
    )
    problem = only_error(write(tmp_path, text))
    assert where(problem) == (12, 13)
    assert "duplicate key 'label' (first at line 11, column 13)" in problem.message


def test_theme_without_concepts_is_missing_a_level(tmp_path):
    text = BASE.split("        concepts:")[0]  # lines 1-8: the theme ends at its label
    problem = only_error(write(tmp_path, text))
    assert where(problem) == (7, 9)
    assert problem.message == "dimensions[0].themes[0]: 'concepts' is required"
    assert "three levels" in problem.hint


def test_concepts_directly_under_a_dimension_get_the_three_levels_hint(tmp_path):
    text = """\
        version: 1
        dimensions:
          - id: practice
            label: Practice
            concepts:
              - id: place-to-escape
                label: a place to escape
        """
    errors = errors_of(write(tmp_path, text))
    by_message = {p.message: p for p in errors}
    misplaced = by_message["dimensions[0].concepts: unknown key 'concepts'"]
    assert where(misplaced) == (5, 5)
    assert "'concepts:' belongs under a theme" in misplaced.hint
    missing = by_message["dimensions[0]: 'themes' is required"]
    assert where(missing) == (3, 5)


def test_unknown_key_suggests_the_right_spelling(tmp_path):
    path = write(tmp_path, BASE.replace("keywords:", "keyword:"))
    problem = only_error(path)
    assert where(problem) == (12, 13)
    assert problem.message == "dimensions[0].themes[0].concepts[0].keyword: unknown key 'keyword'"
    assert problem.hint == "did you mean 'keywords'?"


def test_relation_to_an_unknown_id_suggests_the_closest(tmp_path):
    text = BASE + "relations:\n  - {from: shared-space, to: place-to-escpe, type: contains}\n"
    problem = only_error(write(tmp_path, text))
    assert where(problem) == (14, 26)
    assert "relations[0].to: 'place-to-escpe' is not the id" in problem.message
    assert problem.hint == "did you mean 'place-to-escape'?"


def test_pattern_that_is_not_a_list_of_token_dicts(tmp_path):
    text = BASE + (
        "            patterns:\n"
        "              - [{LEMMA: have}, {LOWER: lunch}]\n"
        "              - {LEMMA: have}\n"
        "              - [lunch]\n"
    )
    errors = errors_of(write(tmp_path, text))
    assert [where(p) for p in errors] == [(15, 17), (16, 18)]
    assert errors[0].message.endswith("patterns[1]: expected a list, got a mapping")
    assert errors[1].message.endswith(
        "patterns[2][0]: expected a mapping (key: value), got 'lunch'"
    )
    assert all("list of token specs" in p.hint for p in errors)


def test_yaml_syntax_error_is_the_only_problem(tmp_path):
    path = write(tmp_path, BASE.replace("label: a place to escape", "label: a place: to escape"))
    problem = only_error(path)
    assert where(problem) == (11, 27)
    assert problem.message.startswith("invalid YAML: mapping values are not allowed here")
    assert "quoted" in problem.hint


def test_missing_and_empty_codebooks(tmp_path):
    missing = errors_of(tmp_path / "codebook.yaml")[0]
    assert "not found" in missing.message
    assert "gioia init" in missing.hint
    assert "empty" in errors_of(write(tmp_path, "# nothing yet\n"))[0].message


# ------------------------------------------------------------------ all at once


def test_five_errors_in_one_file_are_all_reported():
    path = DATA / "five-errors.yaml"
    errors = errors_of(path)
    assert [(where(p), p.message.split(": ", 1)[1]) for p in errors] == [
        ((4, 5), "'Practice' is not a valid id"),
        ((12, 13), "unknown key 'lable'"),
        ((16, 5), "unknown key 'concepts'"),
        ((20, 9), "duplicate id 'shared-space': already the id of a theme at line 7"),
        ((22, 9), "duplicate key 'label' (first at line 21, column 9)"),
    ]
    assert all(p.hint and p.location.file == str(path) for p in errors)


def test_keyword_in_two_concepts_is_a_warning_with_both_lines(tmp_path):
    text = BASE + (
        "          - id: common-room\n"
        "            label: the common room\n"
        "            keywords: [Staff   Room]\n"
    )
    codebook, warnings = load_codebook(write(tmp_path, text))
    assert len(codebook.concepts) == 2
    (warning,) = warnings
    assert warning.severity == "warning"
    assert where(warning) == (15, 24)
    assert "keyword 'Staff   Room' is also a keyword of concept 'place-to-escape'" in (
        warning.message
    )
    assert "line 12" in warning.message


# ------------------------------------------------------------------ a valid codebook


def test_valid_codebook_loads_into_the_data_model():
    codebook, warnings = load_codebook(DATA / "valid.yaml")
    assert warnings == ()
    assert isinstance(codebook, Codebook)
    assert codebook.title == "Informal peer support in general practice"
    assert [d.id for d in codebook.dimensions] == ["practice", "culture"]
    assert [t.id for t in codebook.themes] == ["shared-space", "culture-of-camaraderie"]
    assert [c.id for c in codebook.concepts] == ["place-to-escape", "open-door", "banter"]
    escape = codebook.concepts[0]
    assert (escape.theme, escape.dimension) == ("shared-space", "practice")
    assert codebook.concepts[2].theme == "culture-of-camaraderie"
    assert codebook.concepts[2].dimension == "culture"
    assert codebook.themes[0].dimension == "practice"
    assert escape.in_vivo is True
    assert escape.keywords == ("staff room", "common room", "coffee room", "escape")
    assert escape.patterns == (({"LEMMA": "have"}, {"LOWER": "lunch"}, {"LOWER": "together"}),)
    assert escape.veto == ("escape room",)
    assert escape.examples == ("We all sit together in the kitchen at lunch.",)
    assert codebook.concepts[1].definition == ""  # optional text defaults to empty
    assert codebook.relations == (
        Relation("shared-space", "culture-of-camaraderie", "enables", "space first"),
    )


def test_aliases_resolve_through_codebook_concept():
    codebook, _ = load_codebook(DATA / "valid.yaml")
    assert codebook.concept("staff-room").id == "place-to-escape"
    assert codebook.concept("banter").id == "banter"
    assert codebook.concept("no-such-concept") is None


def test_blank_optional_keys_mean_empty(tmp_path):
    codebook, _ = load_codebook(
        write(tmp_path, BASE + "            definition:\n            veto:\n")
    )
    assert codebook.concepts[0].definition == ""
    assert codebook.concepts[0].veto == ()


def test_json_schema_describes_the_file():
    schema = codebook_json_schema()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"] == "gioia codebook"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["dimensions"]
    assert schema["properties"]["dimensions"]["type"] == "array"
    concept = schema["$defs"]["ConceptSpec"]
    assert concept["properties"]["id"]["pattern"] == SLUG_PATTERN
    assert set(schema["$defs"]["RelationSpec"]["properties"]) == {"from", "to", "type", "memo"}


# ------------------------------------------------------------------ the YAML reader


def test_yaml_positions_and_scalars(tmp_path):
    path = tmp_path / "any.yaml"
    path.write_text("a: 1\nb:\n  - yes\n  - {c: null, d: 2.5}\n", encoding="utf-8")
    document = load_yaml(path)
    assert document.data == {"a": 1, "b": [True, {"c": None, "d": 2.5}]}
    assert document.positions[("b",)] == (2, 1)
    assert document.positions[("b", 1, "d")] == (4, 15)
    # A path that is not in the file is located at its nearest parent.
    assert document.location(("b", 1, "missing")).line == 4
