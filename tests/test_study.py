"""gioia.yaml, participants.csv and a study's paths."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gioia.errors import ConfigError, Problem, StudyError
from gioia.study import load_participants, open_study


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def config_errors(root: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        open_study(root)
    return list(caught.value.problems)


def participant_errors(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_participants(path)
    return list(caught.value.problems)


# ------------------------------------------------------------------ gioia.yaml


@pytest.mark.parametrize("content", [None, "", "# only a comment\n", "study:\nsettings:\n"])
def test_missing_or_empty_gioia_yaml_means_every_default(tmp_path, content):
    if content is not None:
        (tmp_path / "gioia.yaml").write_text(content, encoding="utf-8")
    study, warnings = open_study(tmp_path)
    assert warnings == ()
    settings = study.settings
    assert settings.interviewer_labels == (
        "Interviewer",
        "Interviewer 1",
        "I",
        "Q",
        "Researcher",
        "Moderator",
        "Facilitator",
    )
    assert settings.coders is None
    assert settings.encoding == {}
    assert (settings.segmentation.unit, settings.segmentation.max_words) == ("turn", 150)
    assert (settings.nlp.lang, settings.nlp.model) == ("en", None)
    assert settings.suggest.auto_accept_min_score is None
    saturation = settings.saturation
    assert (saturation.level, saturation.base, saturation.run) == ("concept", 4, 2)
    assert (saturation.threshold, saturation.order) == (0.05, "participants")
    assert (saturation.francis.initial, saturation.francis.stop) == (10, 3)
    assert (saturation.permutations, saturation.seed) == (10000, 1)
    assert settings.binning == {}
    assert settings.reportable is None and settings.subgroups is None
    assert study.attribution == settings.attribution == "({id})"
    assert settings.min_cell == 1
    assert (settings.gates.saturation_required, settings.gates.min_alpha) == (False, None)
    assert study.metadata == {}

    root = tmp_path.resolve()
    assert study.root == root
    assert study.paths.config == root / "gioia.yaml"
    assert study.paths.transcripts == root / "transcripts"
    assert study.paths.codings == root / "codings"
    assert study.paths.codebook == root / "codebook.yaml"
    assert study.paths.participants == root / "participants.csv"
    assert study.paths.report == root / "report"
    assert study.paths.cache == root / ".gioia"


def test_settings_prose_and_path_overrides(tmp_path):
    (tmp_path / "data").mkdir()
    write(
        tmp_path / "gioia.yaml",
        """\
        study:
          title: Peer support
          research_question: "How do GPs support each other?"
          funding:
        settings:
          paths: {transcripts: data, report: out/report}
          coders: [ms, jd]
          encoding: {GP10.txt: cp1252}
          segmentation: {max_words: 80}
          binning:
            years_registered: ["1-5", "6-10", ">10"]
          attribution: "({id}, {sex})"
          gates: {saturation_required: true, min_alpha: 0.8}
        """,
    )
    study, warnings = open_study(tmp_path)
    assert warnings == ()
    assert study.metadata == {
        "title": "Peer support",
        "research_question": "How do GPs support each other?",
    }
    assert study.paths.transcripts == tmp_path.resolve() / "data"
    assert study.paths.report == tmp_path.resolve() / "out" / "report"
    assert study.settings.coders == ("ms", "jd")
    assert study.settings.encoding == {"GP10.txt": "cp1252"}
    assert study.settings.segmentation.max_words == 80
    assert study.settings.binning == {"years_registered": ("1-5", "6-10", ">10")}
    assert study.attribution == "({id}, {sex})"
    assert study.settings.gates.min_alpha == 0.8
    assert study.location("settings", "coders").line == 7
    assert study.location("settings", "nlp").line == 5  # a default: its parent's line


def test_unknown_key_has_its_line_and_a_did_you_mean(tmp_path):
    write(
        tmp_path / "gioia.yaml",
        """\
        settings:
          segmentation:
            max_word: 100
        """,
    )
    (problem,) = config_errors(tmp_path)
    assert (problem.location.line, problem.location.column) == (3, 5)
    assert problem.message == "settings.segmentation.max_word: unknown key 'max_word'"
    assert problem.hint == "did you mean 'max_words'?"


def test_prose_key_outside_study_says_where_it_belongs(tmp_path):
    write(tmp_path / "gioia.yaml", "title: Peer support\n")
    (problem,) = config_errors(tmp_path)
    assert problem.location.line == 1
    assert problem.hint == "'title' is study prose: put it under 'study:'"


def test_wrong_types_and_ranges_are_all_reported_with_lines(tmp_path):
    write(
        tmp_path / "gioia.yaml",
        """\
        settings:
          segmentation:
            max_words: many
          suggest: {auto_accept_min_score: 1.5}
          min_cell: 0
          interviewer_labels: Interviewer
        """,
    )
    problems = config_errors(tmp_path)
    assert [(p.location.line, p.message) for p in problems] == [
        (3, "settings.segmentation.max_words: expected a whole number, got 'many'"),
        (
            4,
            "settings.suggest.auto_accept_min_score: must be less than or equal to 1, got 1.5",
        ),
        (5, "settings.min_cell: must be greater than or equal to 1, got 0"),
        (6, "settings.interviewer_labels: expected a list, got 'Interviewer'"),
    ]


def test_bad_bins_encodings_and_templates(tmp_path):
    write(
        tmp_path / "gioia.yaml",
        """\
        settings:
          binning:
            years_registered: ["1-5", "10-6", "10+"]
          encoding: {GP10.txt: cp1522}
          attribution: "({id)"
        """,
    )
    problems = config_errors(tmp_path)
    assert [p.location.line for p in problems] == [3, 3, 4, 5]
    assert problems[0].message.endswith("'10-6' is not a bin")
    assert problems[1].message.endswith("'10+' is not a bin")
    assert problems[2].message.endswith("unknown encoding 'cp1522'")
    assert "not a valid template" in problems[3].message
    assert all(p.hint for p in problems)


def test_duplicate_key_and_syntax_error_in_gioia_yaml(tmp_path):
    write(tmp_path / "gioia.yaml", "settings:\n  min_cell: 2\n  min_cell: 3\n")
    (problem,) = config_errors(tmp_path)
    assert problem.location.line == 3
    assert "first at line 2" in problem.message

    write(tmp_path / "gioia.yaml", "settings: [unclosed\n")
    (problem,) = config_errors(tmp_path)
    assert problem.message.startswith("invalid YAML")
    assert problem.location.line == 2


def test_configured_path_that_does_not_exist_is_a_warning(tmp_path):
    write(tmp_path / "gioia.yaml", "settings:\n  paths:\n    transcripts: transcirpts\n")
    _, (warning,) = open_study(tmp_path)
    assert warning.severity == "warning"
    assert warning.location.line == 3
    assert "transcirpts does not exist" in warning.message


def test_study_folder_must_exist(tmp_path):
    with pytest.raises(StudyError) as caught:
        open_study(tmp_path / "nowhere")
    assert "does not exist" in caught.value.message
    assert "gioia init" in caught.value.hint

    file = tmp_path / "a-file"
    file.write_text("", encoding="utf-8")
    with pytest.raises(StudyError, match="is not a folder"):
        open_study(file)


# ------------------------------------------------------------------ participants.csv


def test_participants_and_their_attributes(tmp_path):
    path = write(
        tmp_path / "participants.csv",
        """\
        id,sex, role ,transcript,speaker
        GP1, female ,partner,,
        GP2,male,salaried,gp-two,Dr B
        """,
    )
    participants, warnings = load_participants(path)
    assert warnings == ()
    assert [p.id for p in participants] == ["GP1", "GP2"]
    first, second = participants
    assert first.attributes == {"sex": "female", "role": "partner"}
    assert (first.transcript, first.speaker) == (None, None)
    assert (second.transcript, second.speaker) == ("gp-two", "Dr B")


def test_byte_order_mark_and_semicolons(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_bytes("\ufeffid;region\r\nGP1;North\r\n".encode())
    (participant,), _ = load_participants(path)
    assert participant.id == "GP1"
    assert participant.attributes == {"region": "North"}


def test_duplicate_id_is_located_on_its_physical_line(tmp_path):
    # Line 3 is blank and the quoted note spans lines 4-5: the duplicate is on line 6.
    path = write(
        tmp_path / "participants.csv",
        'id,note\nGP1,a\n\nGP2,"two\nlines"\nGP1,again\n',
    )
    (problem,) = participant_errors(path)
    assert problem.location.line == 6
    assert problem.message == "duplicate id 'GP1' (first at line 2)"


def test_missing_id_column_suggests_the_rename(tmp_path):
    path = write(tmp_path / "participants.csv", "ID,sex\nGP1,male\n")
    (problem,) = participant_errors(path)
    assert problem.location.line == 1
    assert problem.message == "no 'id' column in the header"
    assert problem.hint == "rename column 'ID' to 'id'"


def test_every_row_problem_is_listed(tmp_path):
    path = write(tmp_path / "participants.csv", "id,sex\n,male\nGP2,male,extra\nGP3,female\n")
    problems = participant_errors(path)
    assert [(p.location.line, p.message) for p in problems] == [
        (2, "row has no id"),
        (3, "row has 3 values but the header names 2 columns"),
    ]


def test_missing_or_empty_participants_file_is_no_error(tmp_path):
    assert load_participants(tmp_path / "participants.csv") == ((), ())
    assert load_participants(write(tmp_path / "participants.csv", "")) == ((), ())
    assert load_participants(write(tmp_path / "participants.csv", "id\n")) == ((), ())


def test_participants_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_bytes("id,name\nGP1,Jos\xe9\n".encode("latin-1"))
    (problem,) = participant_errors(path)
    assert problem.location.line == 2
    assert "UTF-8" in problem.hint
