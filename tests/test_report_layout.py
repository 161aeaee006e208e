"""The report of a 15-interview study fits a journal's page: the example study grown to
15 participants (GP9-GP15 repeat GP1-GP7's interviews and codings, one locum among
them), with min_cell 2."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "peer-support"
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


def fifteen(target: Path, extra_settings: str = "") -> Path:
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".gioia", "report"))
    rows = (EXAMPLE / "participants.csv").read_text(encoding="utf-8").splitlines()
    lines = (EXAMPLE / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines()
    for number in range(9, 16):
        original = f"GP{number - 8}"
        source = next((EXAMPLE / "transcripts").glob(f"{original}.*"))
        text = source.read_text(encoding="utf-8-sig")
        renamed = re.sub(rf"\b{original}\b", f"GP{number}", text)
        (target / "transcripts" / f"GP{number}{source.suffix}").write_text(renamed, "utf-8")
        row = rows[number - 8].split(",")
        row[0] = f"GP{number}"
        row[2] = "salaried GP" if row[2] == "locum GP" else row[2]
        rows.append(",".join(row))
        for line in lines:
            entry = json.loads(line)
            if entry["transcript"] == original:
                lines.append(json.dumps({**entry, "transcript": f"GP{number}"}))
    (target / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (target / "codings" / "hb.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = target / "gioia.yaml"
    settings = "\nsettings:\n  min_cell: 2\n" + extra_settings
    # without the example's own subgroup_statements: the rule for large differences holds
    text = re.sub(r"\n  report:\n(    .*\n)+", "\n", config.read_text(encoding="utf-8"))
    config.write_text(text.replace("\nsettings:\n", settings))
    return target


def report(study: Path) -> Path:
    result = CliRunner().invoke(app, ["report", str(study)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return study / "report"


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    return fifteen(tmp_path_factory.mktemp("layout") / "fifteen")


@pytest.fixture(scope="module")
def rendered(study) -> Path:
    return report(study)


def test_the_lone_locum_has_no_column_and_is_named_under_the_table(rendered):
    text = (rendered / "report.md").read_text(encoding="utf-8")
    subgroups = text[text.index("## Subgroups") : text.index("## Saturation")]
    assert "locum GP (n =" not in subgroups
    assert "Not shown, fewer than 2 participants: role locum GP." in subgroups
    assert "role: salaried GP (n = 5)" in subgroups  # GP2, GP7, GP10, GP12 (was locum), GP15
    results = json.loads((rendered / "results.json").read_text(encoding="utf-8"))
    [role] = [t for t in results["subgroups"] if t["attribute"] == "role"]
    assert role["hidden"] == ["locum GP"]
    assert not any(a["level"] == "locum GP" for a in role["absent"])


def test_stated_absences_are_the_large_ones_and_the_rest_are_tabled(rendered):
    results = json.loads((rendered / "results.json").read_text(encoding="utf-8"))
    text = (rendered / "report.md").read_text(encoding="utf-8")
    for table in results["subgroups"]:
        for absent in table["absent"]:
            large = absent["size"] >= 3 and absent["elsewhere"] / absent["others"] > 0.5
            assert absent["stated"] == large, absent
            # Independently: nobody in the group raised it.
            group = next(g for g in table["groups"] if g["level"] == absent["level"])
            assert group["nodes"][absent["node"]] == 0
    # The coffee room: raised by GP1, GP4, GP5, GP8 and their repeats GP9, GP12, GP13;
    # none of the 4 in practices under 5 GPs (GP3, GP6, GP11, GP14), 7 of the 11 others.
    assert (
        "- the coffee room: not raised by any of the 4 participants with practice\\_gps "
        "&lt;5 (7 of 11 in other groups)."
    ) in text


def test_statements_named_in_gioia_yaml(tmp_path):
    named = fifteen(tmp_path / "named", "  report:\n    subgroup_statements: [shared-space]\n")
    text = (report(named) / "report.md").read_text(encoding="utf-8")
    statements = [
        line for line in text.splitlines() if line.startswith("- ") and "not raised" in line
    ]
    assert statements and all(line.startswith("- the coffee room:") for line in statements)
    assert "settings.report.subgroup\\_statements" in text


def test_an_unknown_node_in_subgroup_statements_is_an_error_with_did_you_mean(tmp_path):
    bad = fifteen(tmp_path / "bad", "  report:\n    subgroup_statements: [practise-size]\n")
    result = CliRunner().invoke(app, ["check", str(bad)], env={"NO_COLOR": "1"})
    assert result.exit_code == 1
    assert "'practise-size' is not a node of the codebook" in result.output
    assert "did you mean 'practice-size'?" in result.output


def test_themes_table_is_compact_and_definitions_are_in_the_appendix(rendered):
    html = (rendered / "report.html").read_text(encoding="utf-8")
    themes = html[
        html.index('<section id="themes">') : html.index(
            "</section>", html.index('<section id="themes">')
        )
    ]
    assert 'class="definition"' not in themes
    header = re.search(r"<thead>\s*<tr>(.*?)</tr>", themes, re.S)[1]
    assert re.findall(r">([^<>]+)</th>", header) == [
        "Node",
        "Level",
        "Participants expressing theme, n",
        "Exemplary quote",
    ]
    assert html.index('<section id="codebook">') > html.index('<section id="themes">')


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian chromium and chromium-driver (.ci/run installs them)",
)
def test_nothing_is_wider_than_the_page_at_1280_and_400_px(rendered, tmp_path):
    """The 15-participant report, and one with a second coder named in gioia.yaml (its
    agreement table is a table of the trustworthiness section)."""
    two = fifteen(tmp_path / "two", "  coders: [hb, ms]\n")
    journal = (two / "codings" / "hb.jsonl").read_text(encoding="utf-8")
    (two / "codings" / "ms.jsonl").write_text(journal.replace('"hb"', '"ms"'), "utf-8")
    agreement = report(two) / "report.html"
    assert "Krippendorff" in agreement.read_text(encoding="utf-8")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        for page in (rendered / "report.html", agreement):
            for width in (1280, 400):
                driver.set_window_size(width, 1000)
                driver.get(page.as_uri())
                scroll, client = driver.execute_script(
                    "const e = document.documentElement; return [e.scrollWidth, e.clientWidth];"
                )
                assert scroll <= client, (page, width, scroll, client)
    finally:
        driver.quit()
