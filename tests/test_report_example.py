"""The example study's report: a golden report.md, byte-identical re-runs, and the HTML
opened in a real headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gioia.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "peer-support"
GOLDEN = ROOT / "tests" / "data" / "golden" / "peer-support-report.md"
CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


def run_example(target: Path) -> Path:
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".gioia", "report"))
    result = CliRunner().invoke(app, ["report", str(target)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return target / "report"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return run_example(tmp_path_factory.mktemp("first") / "peer-support")


def versionless(text: str) -> str:
    """The report names gioia's and spaCy's versions; the golden file should not break
    on an upgrade."""
    return re.sub(r"(gioia|spaCy) \d+(\.\d+)+", r"\1 X", text)


def test_report_md_matches_the_golden_file(report):
    """To accept an intended change: `make golden`, then read the diff before committing."""
    assert versionless((report / "report.md").read_text(encoding="utf-8")) == versionless(
        GOLDEN.read_text(encoding="utf-8")
    )


def test_same_study_gives_byte_identical_reports(report, tmp_path):
    again = run_example(tmp_path / "peer-support")
    for name in (
        "report.md",
        "report.html",
        "results.json",
        "figures/data-structure.svg",
        "figures/relations.svg",
        "figures/saturation.svg",
    ):
        assert (again / name).read_bytes() == (report / name).read_bytes(), name


@pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="needs Debian chromium and chromium-driver (.ci/run installs them)",
)
def test_report_html_loads_in_headless_chromium(report, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,1600",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get((report / "report.html").as_uri())
        assert "Informal peer support" in driver.title
        errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        assert errors == []
        figure = driver.find_element(By.CSS_SELECTOR, "#data-structure svg")
        assert figure.size["width"] > 300 and figure.size["height"] > 300
        curve = driver.find_element(By.CSS_SELECTOR, "#saturation svg")
        assert curve.size["width"] > 0 and curve.size["height"] > 0
        assert driver.find_elements(By.CSS_SELECTOR, "script") == []
        driver.save_screenshot(str(tmp_path / "report.png"))
        assert (tmp_path / "report.png").stat().st_size > 10_000
        # Nothing is wider than the page, on a desktop or a phone: wide tables scroll in
        # their own box and figures scale down.
        for width in (1280, 400):
            driver.set_window_size(width, 1000)
            driver.get((report / "report.html").as_uri())
            scroll, client = driver.execute_script(
                "const e = document.documentElement; return [e.scrollWidth, e.clientWidth];"
            )
            assert scroll <= client, (width, scroll, client)
            for svg in driver.find_elements(By.CSS_SELECTOR, "figure.figure svg"):
                assert svg.size["width"] <= client, (width, svg.size)
    finally:
        driver.quit()


def test_every_table_number_is_recomputed_from_the_journal(report):
    """Participants expressing each node and its segments, for every dimension, theme and
    concept row, from hb.jsonl and the codebook alone (each example transcript is one
    participant's interview, and each quote occurs once in it: a quote is a segment)."""
    import json

    import yaml

    latest = {}
    for line in (EXAMPLE / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        latest[(entry["transcript"], entry["quote"], entry["concept"])] = entry["decision"]
    accepted = [(t, q, c) for (t, q, c), d in latest.items() if d == "accept"]
    codebook = yaml.safe_load((EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"))
    rows = (report / "report.md").read_text(encoding="utf-8").splitlines()

    themes = rows[rows.index("## Themes") : rows.index("## Representative quotes")]
    appendix = rows[rows.index("## Appendix: codebook") :]

    def check(prefix: str, label: str, level: str, concepts: set[str]) -> None:
        label = label.replace("_", "\\_")
        start = f"| {prefix}{label} | {level} |"
        participants = len({t for t, _, c in accepted if c in concepts})
        segments = len({(t, q) for t, q, c in accepted if c in concepts})
        row = next(r for r in themes if r.startswith(start))
        assert row.startswith(f"{start} {participants} (of 8) |"), row
        row = next(r for r in appendix if r.startswith(start))
        assert row.endswith(f" | {segments} |"), row

    checked = 0
    for dimension in codebook["dimensions"]:
        in_dimension = {c["id"] for t in dimension["themes"] for c in t["concepts"]}
        check("**", f"{dimension['label']}**", "dimension", in_dimension)
        for theme in dimension["themes"]:
            check("&emsp;**", f"{theme['label']}**", "theme", {c["id"] for c in theme["concepts"]})
            for concept in theme["concepts"]:
                check("&emsp;&emsp;", concept["label"], "concept", {concept["id"]})
                checked += 1
    assert checked == 22


def test_golden_file_is_not_stale_by_accident():
    """The golden file is the example's report: it must name every node of the example's
    codebook, and the saturation point computed from its journal."""
    import yaml

    text = GOLDEN.read_text(encoding="utf-8")
    assert "## SRQR checklist" in text and "## Saturation" in text
    assert "saturation at 5+2" in text
    codebook = yaml.safe_load((EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"))
    labels = [
        node["label"]
        for dimension in codebook["dimensions"]
        for node in (
            dimension,
            *dimension["themes"],
            *(c for t in dimension["themes"] for c in t["concepts"]),
        )
    ]
    assert len(labels) == 31
    missing = [label for label in labels if label.replace("_", "\\_") not in text]
    assert missing == []


def test_saturation_numbers_and_figure_match_an_independent_computation(report):
    """The expected curve is the mean, over every set of k interviews, of the concepts
    they hold (the average over all interview orders), computed here by enumeration from
    hb.jsonl alone; the figure's dashed line must plot exactly those values."""
    import json
    from itertools import combinations
    from statistics import fmean

    latest = {}
    for line in (EXAMPLE / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        latest[(entry["transcript"], entry["quote"], entry["concept"])] = entry["decision"]
    order = [f"GP{n}" for n in range(1, 9)]  # participants.csv order
    held = {t: {c for (tt, _, c), d in latest.items() if tt == t and d == "accept"} for t in order}
    expected = [
        fmean(len(set().union(*(held[t] for t in chosen))) for chosen in combinations(order, k))
        for k in range(1, 9)
    ]
    cumulative = [len(set().union(*(held[t] for t in order[:k]))) for k in range(1, 9)]

    saturation = json.loads((report / "results.json").read_text(encoding="utf-8"))["saturation"]
    assert saturation["order"] == order
    assert saturation["cumulative"] == cumulative
    assert saturation["expected_curve"] == pytest.approx(expected, abs=1e-6)
    assert expected[0] > 1 and expected[-1] == cumulative[-1]  # a curve, not zeros

    svg = (report / "figures" / "saturation.svg").read_text(encoding="utf-8")

    def plotted(series: str) -> list[tuple[float, float]]:
        points = re.search(rf'<polyline points="([^"]+)"[^>]*data-series="{series}"', svg)
        assert points, series
        return [tuple(map(float, p.split(","))) for p in points.group(1).split()]

    # The y axis from two points of the cumulative line, whose values are known.
    line = plotted("cumulative")
    (_, y_low), (_, y_high) = line[0], line[-1]
    per_code = (y_low - y_high) / (cumulative[-1] - cumulative[0])
    for (_, y), value in zip(plotted("expected"), expected, strict=True):
        assert y == pytest.approx(y_low - per_code * (value - cumulative[0]), abs=0.1)


if __name__ == "__main__":  # `make golden`
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        GOLDEN.write_text((run_example(Path(tmp) / "peer-support") / "report.md").read_text())
    subprocess.run(["git", "diff", "--stat", str(GOLDEN)], check=False)
