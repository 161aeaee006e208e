"""The report: Markdown, HTML and results.json rendered from a hand-made results dict."""

from __future__ import annotations

import json
import re

import pytest
from jinja2 import UndefinedError

import gioia.report
from gioia.report import (
    SRQR_ITEMS,
    md_escape,
    render_figures,
    render_html,
    render_markdown,
    results_json,
    srqr_status,
    write_report,
)

PUBLISHED_SRQR_NAMES = [
    "Title",
    "Abstract",
    "Problem formulation",
    "Purpose or research question",
    "Qualitative approach and research paradigm",
    "Researcher characteristics and reflexivity",
    "Context",
    "Sampling strategy",
    "Ethical issues pertaining to human subjects",
    "Data collection methods",
    "Data collection instruments and technologies",
    "Units of study",
    "Data processing",
    "Data analysis",
    "Techniques to enhance trustworthiness",
    "Synthesis and interpretation",
    "Links to empirical data",
    "Integration with prior work, implications, transferability, and contribution(s) to the field",
    "Limitations",
    "Conflicts of interest",
    "Funding",
]

HOSTILE_QUOTE = "We sit in the kitchen <script>alert(1)</script> & talk | a lot."


def node(node_id, level, label, parent, participants, segments):
    return {
        "id": node_id,
        "level": level,
        "label": label,
        "parent": parent,
        "definition": f"Definition of {label}.",
        "participants": participants,
        "transcripts": participants,
        "segments": segments,
    }


def quote(text, participant, *, power=False):
    return {
        "text": text,
        "attribution": f"({participant}, salaried GP)",
        "transcript": participant,
        "participant": participant,
        "start": 0,
        "end": len(text),
        "power": power,
    }


NODES = [
    node("practice", "dimension", "Practice", None, ["GP1", "GP2"], 4),
    node("shared-space", "theme", "Shared space", "practice", ["GP1", "GP2"], 3),
    node("escape", "concept", "a place to escape", "shared-space", ["GP1", "GP2"], 2),
    node("lunch", "concept", "lunch together", "shared-space", ["GP1"], 1),
    node("workload", "theme", "Workload", "practice", ["GP2"], 1),
    node("no-time", "concept", "no time", "workload", ["GP2"], 1),
    node("culture", "dimension", "Culture", None, [], 0),
    node("camaraderie", "theme", "Camaraderie", "culture", [], 0),
    node("together", "concept", "in it together", "camaraderie", [], 0),
]


@pytest.fixture
def results():
    """2 dimensions, 3 themes, 4 concepts, 3 participants."""
    metadata = {"title": "Informal peer support", "ethics": "Approved by the board."}
    return {
        "schema_version": 1,
        "generator": {"name": "gioia", "version": "0.1.0"},
        "study": {
            "title": "Informal peer support",
            "participants": ["GP1", "GP2", "GP3"],
            "transcripts": ["GP1", "GP2", "GP3"],
            "metadata": metadata,
        },
        "codebook": {
            "title": "Peer support",
            "relations": [
                {"from": "shared-space", "to": "camaraderie", "type": "enables", "memo": "talk"}
            ],
        },
        "nodes": [dict(n) for n in NODES],
        "quotes": {
            "escape": [
                quote(HOSTILE_QUOTE, "GP1"),
                quote("It is our escape, “a sanctuary”.", "GP2", power=True),
            ],
            "lunch": [quote("We have lunch together.", "GP1")],
            "no-time": [quote("# No time at all.", "GP2")],
        },
        "codings": {
            "counted": 4,
            "coders": ["ms", "jd"],
            "by_source": {"human": 3, "keyword": 1},
            "orphaned": [
                {
                    "coder": "ms",
                    "transcript": "GP3",
                    "concept": "no-time",
                    "quote": "either | or <script>x</script>",
                    "reason": "quote not found in the transcript",
                }
            ],
            "unattributed": [
                {
                    "coder": "jd",
                    "transcript": "GP2",
                    "concept": "lunch",
                    "quote": "Interviewer: and | then <i>lunch</i>?",
                }
            ],
        },
        "corpus": {
            "transcripts": [
                {
                    "id": f"GP{number}",
                    "format": "txt",
                    "encoding": "utf-8",
                    "participant_turns": 10 * number,
                    "words": 500 * number,
                }
                for number in (1, 2, 3)
            ],
            "segments": 60,
        },
        "suggestions": {"total": 7, "by_method": {"keyword": 7}},
        "suppression": {"min_cell": 2},
        "units": [
            {
                "attribute": "practice_gps",
                "binned": True,
                "levels": [
                    {"level": "<5", "n": 1, "shown": "<2"},
                    {"level": ">=5", "n": 2, "shown": "2"},
                ],
                "summary": {"n": 3, "mean": 6.0, "sd": 3.61, "min": 3, "max": 9},
            }
        ],
        "subgroups": [
            {
                "attribute": "practice_gps",
                "groups": [
                    {
                        "level": "<5",
                        "size": 1,
                        "hidden": True,
                        "nodes": {n["id"]: 0 for n in NODES},
                    },
                    {
                        "level": ">=5",
                        "size": 2,
                        "hidden": False,
                        "nodes": {n["id"]: len(n["participants"]) for n in NODES},
                    },
                ],
                "hidden": ["<5"],
                "absent": [
                    {
                        "node": "shared-space",
                        "level": ">=5",
                        "size": 2,
                        "elsewhere": 2,
                        "others": 2,
                        "stated": True,
                    },
                    {
                        "node": "lunch",
                        "level": ">=5",
                        "size": 2,
                        "elsewhere": 2,
                        "others": 3,
                        "stated": False,
                    },
                ],
            }
        ],
        "subgroup_statements": {"requested": None, "large_share": 0.5, "large_group": 3},
        "review": {
            "decisions": {"accepted (manual)": 3, "accepted (suggestion)": 1},
            "pending_suggestions": 3,
        },
        "methods": {
            "formats": {"txt": 3},
            "encodings": {"utf-8": 3},
            "segmentation": {"unit": "turn", "max_words": 150, "segments": 60},
            "nlp": {
                "pipeline": "spacy.blank('en') + sentencizer + lookup lemmatizer",
                "spacy": "3.8.0",
            },
            "codebook": {
                "dimensions": 2,
                "themes": 3,
                "concepts": 4,
                "keywords": 9,
                "relations": 1,
            },
            "coders": ["ms", "jd"],
            "anonymised_names": 0,
        },
        "saturation": {
            "level": "concept",
            "order": ["GP1", "GP2", "GP3"],
            "new_per_interview": [2, 1, 0],
            "cumulative": [2, 3, 3],
            "guest": {
                "base": 1,
                "run": 1,
                "threshold": 0.05,
                "point": 2,
                "label": "2+1",
                "reason": "interview 3 added no new code",
            },
            "francis": {"initial": 1, "stop": 1, "point": 3},
            "expected_curve": [1.333333, 2.333333, 3.0],
            "orders": {"method": "exact", "count": 6, "seed": None, "reached_fraction": 0.5},
            "chao2": 3.333333,
            "chao2_bias_corrected": 3.333333,
            "coverage": 0.8,
        },
        "agreement": {
            "coders": ["ms", "jd"],
            "pooled": {"percent": 0.9, "kappa": 0.7, "alpha": 0.69, "units": 40},
            "concepts": [
                {"id": "escape", "percent": 0.8, "kappa": 0.6, "alpha": 0.58, "units": 10}
            ],
        },
        "limitations": [
            {"kind": "single-participant", "node": "lunch", "participant": "GP1"},
            {"kind": "pending-suggestions", "count": 3},
        ],
        "srqr": srqr_status(metadata, has_codings=True, has_participants=True),
    }


# ------------------------------------------------------------------------------ Markdown


def test_markdown_themes_table_shows_participants_n_of_total(results):
    markdown = render_markdown(results)
    themes = markdown[markdown.index("## Themes") : markdown.index("## Representative quotes")]
    # A theme's exemplar: the power quote among its concepts' first quotes; a concept's:
    # its first quote the theme's row does not show; dimensions quote nobody.
    assert (
        "| &emsp;**Shared space** | theme | 2 (of 3) | “It is our escape, “a sanctuary”.” "
        "(GP2, salaried GP) |"
    ) in themes
    assert "| **Practice** | dimension | 2 (of 3) |  |" in themes
    assert "| &emsp;&emsp;a place to escape | concept | 2 (of 3) | “We sit in the kitchen" in themes
    # A theme's only quote is on the theme's row, not repeated on its concept's.
    assert (
        "| &emsp;**Workload** | theme | 1 (of 3) | “\\# No time at all.” (GP2, salaried GP) |"
        in (themes)
    )
    assert "| &emsp;&emsp;no time | concept | 1 (of 3) |  |" in themes
    assert "Definition of" not in themes


def test_definitions_go_to_the_codebook_appendix(results):
    markdown = render_markdown(results)
    appendix = markdown[markdown.index("## Appendix: codebook") :]
    assert "| **Practice** | dimension | Definition of Practice. | – | 4 |" in appendix
    assert "| &emsp;**Shared space** | theme | Definition of Shared space. | – | 3 |" in appendix
    html = render_html(results)
    assert html.index('id="codebook"') > html.index('id="themes"')
    assert '<td class="definition">Definition of no time.</td>' in html


def test_markdown_escapes_transcript_text_in_table_cells_and_quotes(results):
    markdown = render_markdown(results)
    assert "<script>" not in markdown
    assert "| either \\| or &lt;script&gt;x&lt;/script&gt; |" in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; talk \\| a lot." in markdown
    # A quote starting with "#" must not become a heading inside the blockquote.
    assert "> “\\# No time at all.”" in markdown


def test_codings_that_count_for_no_participant_are_listed(results):
    markdown = render_markdown(results)
    assert "## Codings that count for no participant" in markdown
    row = "| jd | GP2 | lunch together | Interviewer: and \\| then &lt;i&gt;lunch&lt;/i&gt;? |"
    assert row in markdown
    assert "overlap no participant's talk (only interviewer talk, speaker labels" in markdown
    html = render_html(results)
    assert '<section id="unattributed">' in html
    assert "<td>Interviewer: and | then &lt;i&gt;lunch&lt;/i&gt;?</td>" in html


def test_markdown_quotes_power_first_and_marked(results):
    markdown = render_markdown(results)
    power = markdown.index("> ★ “It is our escape, “a sanctuary”.”")
    ordinary = markdown.index("> “We sit in the kitchen")
    assert power < ordinary
    assert "> — (GP2, salaried GP)" in markdown
    assert "##### in it together\n\nNo accepted codings yet." in markdown


def test_markdown_data_structure_leaves_repeated_groups_blank(results):
    markdown = render_markdown(results)
    assert "| a place to escape | Shared space | Practice |" in markdown
    assert "| lunch together |  |  |" in markdown
    assert "| no time | Workload |  |" in markdown
    assert "| Shared space | enables | Camaraderie | talk |" in markdown


def test_markdown_ends_with_one_newline_and_omits_empty_orphan_section(results):
    results["codings"]["orphaned"] = []
    markdown = render_markdown(results)
    assert markdown.endswith("|\n")
    assert "\n\n\n" not in markdown
    assert "Orphaned codings" not in markdown


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a | b", "a \\| b"),
        ("<b> & </b>", "&lt;b&gt; &amp; &lt;/b&gt;"),
        ("> not a quote", "&gt; not a quote"),
        ("# not a heading", "\\# not a heading"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("---", "\\---"),
        (
            "*not* _emphasis_ `code` [link](x) ~~strike~~ $math$",
            "\\*not\\* \\_emphasis\\_ \\`code\\` \\[link\\](x) \\~\\~strike\\~\\~ \\$math\\$",
        ),
        ("line one\n\nline  two", "line one line two"),
        ("version 0.1.0", "version 0.1.0"),
        ("0.1.0", "0.1.0"),
    ],
)
def test_md_escape(text, escaped):
    assert md_escape(text) == escaped


# ---------------------------------------------------------------------------------- HTML


def test_html_escapes_transcript_text(results):
    html = render_html(results)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; talk | a lot." in html
    assert "either | or &lt;script&gt;x&lt;/script&gt;" in html


def test_html_is_self_contained(results):
    html = render_html(results)
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert '<meta charset="utf-8">' in html
    for reference in ("<link", "<script", "<img", "src=", "@import", "url(", "http"):
        assert reference not in html
    # links only within the page (the SRQR checklist points at its sections)
    assert re.findall(r'href="([^"]*)"', html)
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', html))
    assert html.endswith("</html>\n")


def test_html_tables_are_accessible_and_data_structure_uses_rowspan(results):
    html = render_html(results)
    assert html.count("<thead>") == html.count("<table")
    assert '<th scope="col">First-order concepts</th>' in html
    assert '<td rowspan="2">Shared space</td>' in html
    assert '<th scope="rowgroup" rowspan="3">Practice</th>' in html
    assert '<td class="number">2 (of 3)</td>' in html


# ------------------------------------------------------------------------ both renderers


@pytest.mark.parametrize("render", [render_markdown, render_html])
@pytest.mark.parametrize(
    "remove",
    [
        lambda results: results["study"].pop("title"),
        lambda results: results.pop("corpus"),
        lambda results: results["codings"].pop("counted"),
        lambda results: results.pop("nodes"),
        lambda results: results["nodes"][2].pop("segments"),
    ],
)
def test_missing_key_raises_instead_of_rendering_blank(results, render, remove):
    remove(results)
    with pytest.raises((UndefinedError, KeyError)):
        render(results)


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_rendering_is_deterministic(results, render):
    assert render(results) == render(results)


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_summary_and_srqr_checklist(results, render):
    text = render(results)
    assert "3 participants, 3 transcripts, 4 counted codings by 2 coders (ms, jd)." in text
    assert "gioia 0.1.0" in text
    assert "doi:10.1097/ACM.0000000000000388" in text
    assert "research_question" in text.replace("\\_", "_")


# -------------------------------------------------------------------------- results.json


def test_results_json_keeps_order_and_unicode(results):
    text = results_json(results)
    assert text.endswith("}\n")
    assert json.loads(text) == results
    assert list(json.loads(text)) == list(results)
    assert "“a sanctuary”" in text
    assert text.startswith('{\n  "schema_version": 1,')


# ---------------------------------------------------------------------------------- SRQR


def test_srqr_items_are_the_21_published_ones():
    assert [item.number for item in SRQR_ITEMS] == list(range(1, 22))
    assert [item.name for item in SRQR_ITEMS] == PUBLISHED_SRQR_NAMES
    assert all(item.description for item in SRQR_ITEMS)


def test_srqr_status_without_codings():
    statuses = srqr_status(
        {"title": "T", "processing": "Transcribed verbatim.", "limitations": "   "},
        has_codings=False,
        has_participants=True,
    )
    assert [entry["item"] for entry in statuses] == list(range(1, 22))
    assert [entry["name"] for entry in statuses] == PUBLISHED_SRQR_NAMES
    by_item = {entry["item"]: entry["status"] for entry in statuses}
    expected = dict.fromkeys(range(1, 22), "missing")
    expected.update({1: "metadata", 12: "data", 13: "metadata", 14: "data"})
    assert by_item == expected


def test_srqr_status_with_codings_and_no_participants():
    statuses = srqr_status(
        {"funding": "None.", "units": "Twelve GPs.", "trustworthiness": "Two coders."},
        has_codings=True,
        has_participants=False,
    )
    by_item = {entry["item"]: entry["status"] for entry in statuses}
    expected = dict.fromkeys(range(1, 22), "missing")
    expected.update(
        {12: "metadata", 13: "data", 14: "data", 15: "metadata", 16: "data", 17: "data"}
    )
    expected.update({19: "data", 21: "metadata"})
    assert by_item == expected
    assert srqr_status({}, has_codings=False, has_participants=False)[11]["status"] == "missing"


# ---------------------------------------------------------------------------- write_report


def test_write_report_writes_figures_and_three_files_atomically(tmp_path, results):
    report_dir = tmp_path / "study" / "report"
    paths = write_report(report_dir, results)
    figures = ["data-structure", "relations", "saturation"]
    assert paths == [report_dir / "figures" / f"{name}.svg" for name in figures] + [
        report_dir / name for name in ("report.md", "report.html", "results.json")
    ]
    assert sorted(path.name for path in report_dir.rglob("*") if path.is_file()) == sorted(
        [f"{name}.svg" for name in figures] + ["report.html", "report.md", "results.json"]
    )
    assert json.loads((report_dir / "results.json").read_text(encoding="utf-8")) == results
    assert (report_dir / "report.md").read_text(encoding="utf-8") == render_markdown(
        results, render_figures(results)
    )
    assert "![The Gioia data structure](figures/data-structure.svg)" in (
        report_dir / "report.md"
    ).read_text(encoding="utf-8")
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3

    # Writing again replaces the files and still leaves no temporary file behind.
    results["study"]["title"] = "Second run"
    write_report(report_dir, results)
    assert len([p for p in report_dir.rglob("*") if p.is_file()]) == 6
    assert "# Second run" in (report_dir / "report.md").read_text(encoding="utf-8")


def test_write_report_writes_nothing_when_rendering_fails(tmp_path, results):
    del results["corpus"]
    with pytest.raises((UndefinedError, KeyError)):
        write_report(tmp_path / "report", results)
    assert not (tmp_path / "report").exists()


def test_public_api_is_sorted():
    assert gioia.report.__all__ == sorted(gioia.report.__all__)
    assert all(hasattr(gioia.report, name) for name in gioia.report.__all__)


def test_childless_nodes_keep_a_row_in_the_data_structure(results):
    results["nodes"] = [
        node("lonely", "dimension", "Lonely dimension", None, [], 0),
        node("culture", "dimension", "Culture", None, [], 0),
        node("camaraderie", "theme", "Camaraderie", "culture", [], 0),
    ]
    results["codebook"]["relations"] = []
    results["codings"]["orphaned"] = []
    markdown = render_markdown(results)
    assert "|  |  | Lonely dimension |" in markdown
    assert "|  | Camaraderie | Culture |" in markdown
    assert "Relations" not in markdown
    html = render_html(results)
    assert '<td rowspan="1">Camaraderie</td>' in html


@pytest.mark.parametrize("render", [render_markdown, render_html])
def test_a_study_without_data_renders(results, render):
    results["study"]["participants"] = []
    results["nodes"] = []
    results["quotes"] = {}
    results["codebook"]["relations"] = []
    results["codings"] = {
        "counted": 0,
        "coders": [],
        "by_source": {},
        "orphaned": [],
        "unattributed": [],
    }
    results["corpus"] = {"transcripts": [], "segments": 0}
    results["suggestions"] = {"total": 0, "by_method": {}}
    results["units"] = results["subgroups"] = results["limitations"] = []
    results["saturation"] = results["agreement"] = None
    text = render(results)
    assert "0 participants, 3 transcripts, 0 counted codings." in text
    assert "0 transcripts, cut into 0 segments for coding." in text


# ------------------------------------------------------------------------------ sections


def test_units_table_suppresses_small_cells(results):
    text = render_markdown(results)
    assert "| practice\\_gps | &lt;5 | &lt;2 |" in text
    assert "|  | &gt;=5 | 2 |" in text
    assert "| 6.0 (3.61), 3–9 |" in text
    assert 'counts below 2 are shown as "&lt;2"' in text


def test_subgroup_table_and_absence_statement(results):
    text = render_markdown(results)
    # The group of one is below min_cell = 2: no column, and a note under the table.
    assert "| Node | practice\\_gps: &gt;=5 (n = 2) |" in text
    assert "&lt;5 (n =" not in text
    assert "Not shown, fewer than 2 participants: practice\\_gps &lt;5." in text
    assert (
        "- Shared space: not raised by any of the 2 participants with practice\\_gps "
        "&gt;=5 (2 of 2 in other groups)."
    ) in text
    # The absence not stated goes to the table.
    assert "| lunch together | practice\\_gps &gt;=5 (n = 2; 2 of 3 elsewhere) |" in text
    assert "lunch together: not raised" not in text
    html = render_html(results)
    assert "Shared space: not raised by any of the 2 participants with practice_gps &gt;=5" in html
    assert "&lt;5 (n =" not in html


def test_saturation_agreement_and_limitations_sections(results):
    text = render_markdown(results)
    assert "saturation at 2+1 — interview 3 added no new code." in text
    assert "met in 50.0% of 6 interview orders (exact)" in text
    assert "Chao2 3.333, bias-corrected 3.333; sample coverage 80.0%" in text
    assert "percent agreement 90.0%, Krippendorff's alpha 0.690, Cohen's kappa 0.700" in text
    assert "| a place to escape | 10 | 80.0% | 0.580 | 0.600 |" in text
    assert "- lunch together was raised by one participant only (GP1)." in text
    assert "- 3 suggestions had not been reviewed." in text
    assert "3 accepted (manual), 1 accepted (suggestion); 3 suggestions not yet decided" in text


def test_srqr_checklist_links_each_item_to_its_section(results):
    html = render_html(results)
    assert '<a href="#units">Units of study</a>' in html
    assert '<a href="#saturation">Saturation</a>' in html
    for anchor in (
        "units",
        "saturation",
        "methods",
        "trustworthiness",
        "data-structure",
        "quotes",
        "limitations",
        "discussion",
        "study",
    ):
        assert f'id="{anchor}"' in html


def test_missing_declarations_are_flagged(results):
    text = render_markdown(results)
    assert "Not stated (set study: funding in gioia.yaml)." in text


def test_subgroup_tables_pack_whole_attributes_up_to_ten_columns():
    from gioia.report.render import MAX_GROUP_COLUMNS, subgroup_blocks

    def table(attribute, sizes, hidden=()):
        groups = [
            {"level": f"{attribute}{i}", "size": s, "hidden": i in hidden, "nodes": {}}
            for i, s in enumerate(sizes)
        ]
        return {"attribute": attribute, "groups": groups, "hidden": [], "absent": []}

    tables = [
        table("sex", [3, 3]),
        table("role", [2, 2, 1, 1], hidden={2, 3}),  # two shown
        table("region", [1] * 7),  # 2 + 2 + 7 > 10: a new table
        table("wide", [1] * 12),  # more than ten: a table of its own
        table("size", [5, 5]),
    ]
    blocks = subgroup_blocks(tables)
    assert MAX_GROUP_COLUMNS == 10
    assert [[t["attribute"] for t in block] for block in blocks] == [
        ["sex", "role"],
        ["region"],
        ["wide"],
        ["size"],
    ]
    assert [g["level"] for g in blocks[0][1]["shown"]] == ["role0", "role1"]


def test_an_attribute_with_every_group_hidden_keeps_a_placeholder_column(results):
    results["subgroups"][0]["groups"][1]["hidden"] = True
    results["subgroups"][0]["hidden"] = ["<5", ">=5"]
    results["subgroups"][0]["absent"] = []
    text = render_markdown(results)
    assert "| Node | practice\\_gps |" in text
    assert "Not shown, fewer than 2 participants: practice\\_gps &lt;5, &gt;=5." in text
    html = render_html(results)
    assert "&gt;=5 (n =" not in html
