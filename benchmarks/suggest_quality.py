"""How well gioia's suggestions recover a real researcher's coding (issues 5 and 14).

    .venv/bin/python benchmarks/suggest_quality.py [CORPUS] [--dev] [--write]

``--write`` also keeps the output in docs/results/ (see :func:`results_file`).

CORPUS is the PDPilot folder (default ../shared/corpora/pdpilot, else the byte-identical
copy in tests/data/transcripts/pdpilot): 7 post-task interviews and the 262 segments the
study's researcher coded in MAXQDA. The codebook is benchmarks/pdpilot-codebook.yaml,
written from the code names and memos only.

Unit: a (participant turn, code) pair. A gold code is present in a turn when a coded
segment overlaps it; segments are located by their text after whitespace and case
normalisation. A method predicts a code for a turn when it suggests the code (or, at a
higher level, a code under it) for talk in that turn. Printed for every level of the
code hierarchy (1 = top-level codes, 2, 3, and leaf = the codes as coded): micro
precision, recall and F1 over all pairs, and macro averages over the codes present in
the gold coding at that level (a code never predicted has precision 0).

Methods: ``substring`` is naive keyword autocode, a case-insensitive substring test of
the same keywords in the turn; ``gioia`` is ``gioia suggest`` with no coding yet (the
codebook's keyword and pattern suggestions). Then the journal a researcher would have
after reviewing P1-P3 is written: their human coding as accepted codings, and a decision
on each suggestion ``gioia`` made there (accepted when they coded that code in that turn,
else rejected), as `gioia review` records it. ``gioia+terms`` is keyword-only gioia
after that review: keyword suggestions rescored, or left out, by how their terms fared
(gioia.assist.records). ``learned`` is ``gioia suggest --coder`` after that review (the
ranker of gioia.assist.ranker), accepting at the threshold with the best F1 in its own
cross-validation over P1-P3 (``gioia suggest --evaluate``): nothing of P4-P7 is read to
choose it. Scored on P4-P7 only.

Also printed: average precision of the (turn, leaf code) pairs ranked by their scores,
learned against keyword-only (pairs not suggested count as never found); and the
calibration check, the precision observed on P4-P7 at the threshold `gioia accept
--target-precision 0.8` chooses.

``--dev`` runs only the development protocol used to choose the defaults, which never
looks at P4-P7: reveal two of P1-P3, score on the third, for each third, and the three
pooled.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from gioia import pipeline
from gioia.assist.labels import Learner, standing_decisions
from gioia.assist.records import learn_from_decisions
from gioia.journal import place_codings, read_journals
from gioia.models import Codebook, Coding, Suggestion, Transcript
from gioia.serialise import coding_to_dict, dumps_line

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "benchmarks" / "pdpilot-codebook.yaml"
CORPORA = (ROOT.parent / "shared" / "corpora" / "pdpilot", ROOT / "tests/data/transcripts/pdpilot")
INTERVIEWS = tuple(f"P{n}" for n in range(1, 8))
REVEALED, HELD_OUT = INTERVIEWS[:3], INTERVIEWS[3:]
LEVELS = ("1", "2", "3", "leaf")
GOLD_CODER = Learner(("gold",))
TARGET_PRECISION = 0.8
# The calibration check, also at lower targets: chosen threshold against precision seen.
TARGETS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
AT = "2024-01-01T00:00:00Z"  # every revealed decision's time: the output stays the same

Path_ = tuple[str, ...]  # a code's path in the hierarchy, top-level code first
Pair = tuple[tuple[str, int], Path_]  # ((transcript, turn index), code path)


# --------------------------------------------------------------------------- the study


def make_study(root: Path, corpus: Path, interviews: Sequence[str] = INTERVIEWS) -> Path:
    (root / "transcripts").mkdir(parents=True)
    for name in interviews:
        shutil.copyfile(corpus / f"{name}.txt", root / "transcripts" / f"{name}.txt")
    shutil.copyfile(CODEBOOK, root / "codebook.yaml")
    (root / "gioia.yaml").write_text("settings:\n  interviewer_labels: [Dan]\n", encoding="utf-8")
    # Each interview's participant speaks as "Participant" (P5 once misspells it
    # "Particpant", whose one-word turn `gioia check` reports and no command codes).
    rows = "".join(f"{name},{name},Participant\n" for name in interviews)
    (root / "participants.csv").write_text("id,transcript,speaker\n" + rows, encoding="utf-8")
    return root


def concept_paths(codebook: Codebook) -> dict[str, Path_]:
    """Concept id → the original code path: the labels of dimension, theme and concept,
    repeated labels dropped (see the codebook's header)."""
    paths = {}
    for dimension in codebook.dimensions:
        for theme in dimension.themes:
            for concept in theme.concepts:
                labels = [dimension.label, theme.label, concept.label]
                paths[concept.id] = tuple(
                    label for i, label in enumerate(labels) if i == 0 or label != labels[i - 1]
                )
    return paths


def gold_concept(code_path: Sequence[str], paths: dict[str, Path_]) -> str:
    """The concept for a gold code path; MAXQDA's export cuts some long names short."""
    for concept, path in paths.items():
        if len(path) == len(code_path) and all(
            full == cut or full.startswith(cut) for full, cut in zip(path, code_path, strict=True)
        ):
            return concept
    raise KeyError(f"no concept in {CODEBOOK.name} for code {code_path}")


# --------------------------------------------------------------------------- gold standard


def comparable(text: str) -> tuple[str, list[int]]:
    """``text`` lower-cased with runs of whitespace as one space and the space after a
    hyphen at a line break removed ("two- way"), and for each character its offset in
    ``text``."""
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if chars and chars[-1] != " ":
                chars.append(" ")
                offsets.append(i)
            continue
        after_hyphen = len(chars) > 2 and chars[-1] == " " and chars[-2] == "-"
        if ch.isalnum() and after_hyphen and chars[-3].isalnum():
            chars.pop()
            offsets.pop()
        chars.append(ch.lower())
        offsets.append(i)
    return "".join(chars), offsets


def locate(text: str, segment: str) -> tuple[int, int] | None:
    haystack, offsets = comparable(text)
    needle = comparable(segment)[0].strip()
    at = haystack.find(needle) if needle else -1
    if at < 0:
        return None
    return offsets[at], offsets[at + len(needle) - 1] + 1


def gold_spans(corpus: Path, transcripts: dict[str, Transcript], paths: dict[str, Path_]):
    """(transcript, start, end, concept) of every located coded segment, and how many
    could not be located."""
    spans, missing = [], 0
    for line in (corpus / "coded_segments.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["doc"] not in transcripts:
            continue  # an interview the study was made without
        span = locate(transcripts[entry["doc"]].text, entry["segment"])
        if span is None:
            missing += 1
            continue
        spans.append((entry["doc"], *span, gold_concept(entry["code_path"], paths)))
    return spans, missing


def gold_pairs(spans, transcripts: dict[str, Transcript]) -> set[tuple[str, int, str]]:
    """(transcript, participant turn, concept) of every turn a coded segment overlaps."""
    return {
        (tid, turn, concept)
        for tid, start, end, concept in spans
        for turn in turns_overlapping(transcripts[tid], start, end)
    }


def participant_turns(transcript: Transcript) -> list[int]:
    return [i for i, turn in enumerate(transcript.turns) if not turn.is_interviewer]


def turns_overlapping(transcript: Transcript, start: int, end: int) -> list[int]:
    return [
        i
        for i in participant_turns(transcript)
        if transcript.turns[i].start < end and start < transcript.turns[i].end
    ]


# --------------------------------------------------------------------------- predictions


def substring_predictions(
    transcripts: dict[str, Transcript], codebook: Codebook
) -> set[tuple[str, int, str]]:
    found = set()
    for tid, transcript in transcripts.items():
        for i in participant_turns(transcript):
            turn = transcript.turns[i]
            talk = transcript.text[turn.start : turn.end].lower()
            for concept in codebook.concepts:
                if any(k.lower() in talk for k in concept.keywords):
                    found.add((tid, i, concept.id))
    return found


def predictions(
    suggestions: Iterable[Suggestion], transcripts: dict[str, Transcript]
) -> tuple[dict[tuple[str, int, str], float], dict[str, int]]:
    """(transcript, turn, concept) → the best score suggesting it; suggestions by method."""
    found: dict[tuple[str, int, str], float] = {}
    methods: dict[str, int] = defaultdict(int)
    for s in suggestions:
        turn = transcripts[s.transcript].turn_at(s.start)
        key = (s.transcript, transcripts[s.transcript].turns.index(turn), s.concept)
        found[key] = max(s.score, found.get(key, 0.0))
        methods[s.method] += 1
    return found, dict(methods)


def learnt_methods(
    loaded: pipeline.LoadedStudy,
    corpus: pipeline.Corpus,
    parsed,
    reviewed: Sequence[Suggestion],
    study: Path,
) -> tuple[dict[str, dict], dict]:
    """After a reveal: keyword-only gioia with the review's term records
    (``gioia+terms``) and the learned ranker's suggestions, each as (turn, concept) →
    best score; and what the ranker learnt (its stage, evaluation and threshold)."""
    transcripts = corpus.by_id()
    journals = read_journals(study / "codings", GOLD_CODER.coders)
    _, decisions, _ = place_codings(journals, transcripts, loaded.codebook)
    accepted = [p for p in standing_decisions(decisions) if p.coding.decision == "accept"]
    terms, _ = predictions(learn_from_decisions(reviewed, accepted, decisions), transcripts)
    suggested = pipeline.suggest_for(loaded, corpus, parsed, learner=GOLD_CODER)
    learned, _ = predictions(suggested.suggestions, transcripts)
    evaluation = suggested.evaluation
    best = max(evaluation.rows, key=_f1) if evaluation and not evaluation.refusal else None
    info = {
        "stage": suggested.stage,
        "evaluation": evaluation,
        "threshold": best.threshold if best else None,
        "target": evaluation.threshold_for(TARGET_PRECISION) if evaluation else None,
    }
    return {"gioia+terms": terms, "learned": learned}, info


def _f1(row) -> float:
    if not row.precision or not row.recall:
        return 0.0
    return 2 * row.precision * row.recall / (row.precision + row.recall)


def above(scores: dict, threshold: float | None) -> set:
    return {pair for pair, score in scores.items() if threshold is None or score >= threshold}


def average_precision(scores: dict, gold: set, keep: set[str]) -> float:
    """Average precision of the pairs in ``keep``'s transcripts ranked by score (ties in
    pair order); gold pairs never suggested count as never found."""
    wanted = {g for g in gold if g[0] in keep}
    ranked = sorted(
        ((pair, score) for pair, score in scores.items() if pair[0] in keep),
        key=lambda item: (-item[1], item[0]),
    )
    found, total = 0, 0.0
    for rank, (pair, _) in enumerate(ranked, start=1):
        if pair in wanted:
            found += 1
            total += found / rank
    return total / len(wanted) if wanted else 0.0


def precision_by_score(found: dict[tuple[str, int, str], float], gold) -> list[str]:
    """Whether ordering by score puts the likeliest first: precision of the (turn, leaf
    code) pairs in each band of their best score."""
    rows = ["precision of gioia's (turn, leaf code) pairs by score"]
    for low, high in ((0.7, 1.01), (0.5, 0.7), (0.3, 0.5), (0.0, 0.3)):
        band = [pair for pair, score in found.items() if low <= score < high]
        right = sum(pair in gold for pair in band)
        share = f"{right / len(band):.3f}" if band else "-"
        rows.append(f"  score {low:.1f}-{min(high, 1.0):.1f}: {share} ({right} of {len(band)})")
    return rows


def reveal(
    study: Path,
    spans,
    transcripts: dict[str, Transcript],
    revealed: Iterable[str],
    reviewed: Sequence[Suggestion],
    gold: set[tuple[str, int, str]],
) -> None:
    """Write the journal a researcher would have after reviewing the ``revealed``
    interviews: their human coding as accepted codings, one per participant turn a coded
    segment overlaps (gioia codes one speaker's talk at a time), and their decision on
    each of the ``reviewed`` suggestions there (those gioia made before any coding), as
    `gioia review` records it: accepted when the researcher coded the concept in that
    turn, else rejected."""
    wanted = set(revealed)
    lines = []
    for tid, start, end, concept in spans:
        if tid not in wanted:
            continue
        transcript = transcripts[tid]
        for i in turns_overlapping(transcript, start, end):
            turn = transcript.turns[i]
            a, b = max(start, turn.start), min(end, turn.end)
            coding = Coding(
                tid, a, b, concept, "accept", "gold", "import", transcript.text[a:b], AT
            )
            lines.append(dumps_line(coding_to_dict(coding)))
    for s in reviewed:
        if s.transcript not in wanted:
            continue
        transcript = transcripts[s.transcript]
        turn = transcript.turns.index(transcript.turn_at(s.start))
        decision = "accept" if (s.transcript, turn, s.concept) in gold else "reject"
        quote = transcript.text[s.start : s.end]
        coding = Coding(
            s.transcript, s.start, s.end, s.concept, decision, "gold", s.method, quote, AT, s.score
        )
        lines.append(dumps_line(coding_to_dict(coding)))
    (study / "codings").mkdir(exist_ok=True)
    (study / "codings" / "gold.jsonl").write_text("".join(lines), encoding="utf-8")


# --------------------------------------------------------------------------- scoring


def at_level(path: Path_, level: str) -> Path_ | None:
    if level == "leaf":
        return path
    depth = int(level)
    return path[:depth] if len(path) >= depth else None


def pairs(found, paths: dict[str, Path_], level: str, keep: set[str]) -> set[Pair]:
    result = set()
    for tid, turn, concept in found:
        code = at_level(paths[concept], level)
        if code is not None and tid in keep:
            result.add(((tid, turn), code))
    return result


def scores(gold: set[Pair], predicted: set[Pair]) -> tuple[float, ...]:
    def prf(g: set, p: set) -> tuple[float, float, float]:
        hit = len(g & p)
        precision = hit / len(p) if p else 0.0
        recall = hit / len(g) if g else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
        return precision, recall, f1

    codes = sorted({code for _, code in gold})
    per_code = [
        prf({x for x in gold if x[1] == code}, {x for x in predicted if x[1] == code})
        for code in codes
    ]
    macro = tuple(sum(values) / len(per_code) for values in zip(*per_code, strict=True))
    return (*prf(gold, predicted), *macro)


def what_learning_changed(scores: dict[str, dict], gold, keep: set[str]) -> list[str]:
    """Of the (turn, leaf code) pairs in ``keep``: those the learned suggestions (at their
    threshold) leave out of keyword-only gioia's, and those they add that keyword-only
    gioia never suggests, and how many of each were right."""

    def share(found: set) -> str:
        right = sum(1 for pair in found if pair in gold)
        return f"{len(found)} ({right} right)"

    gioia = {pair for pair in scores["gioia"] if pair[0] in keep}
    learned = {pair for pair in scores["learned"] if pair[0] in keep}
    return [
        f"learned, against keyword-only gioia: keyword pairs left out {share(gioia - learned)}, "
        f"pairs added {share(learned - gioia)}"
    ]


def ranking_lines(scores: dict[str, dict], gold, groups: Sequence[set[str]]) -> list[str]:
    """Average precision of each method's scores, the mean over ``groups`` of
    interviews ranked together."""
    rows = ["average precision of (turn, leaf code) pairs ranked by score"]
    for name in ("gioia", "gioia+terms", "learned"):
        values = [average_precision(scores[name], gold, group) for group in groups]
        rows.append(f"  {name:<12} {sum(values) / len(values):.3f}")
    ratio = sum(average_precision(scores["learned"], gold, g) for g in groups) / max(
        sum(average_precision(scores["gioia"], gold, g) for g in groups), 1e-9
    )
    rows.append(f"  learned / keyword-only gioia: {ratio:.2f}x")
    return rows


def hindsight_lines(learned: dict, chosen: float, gold, paths) -> list[str]:
    """How far the threshold chosen on P1-P3 is from the best one for P4-P7 (read after
    the fact, for the record: nothing is chosen with it)."""
    truth = pairs(gold, paths, "leaf", set(HELD_OUT))

    def f1(threshold: float) -> float:
        return scores(truth, pairs(above(learned, threshold), paths, "leaf", set(HELD_OUT)))[2]

    best = max((round(0.01 * i, 2) for i in range(1, 100)), key=f1)
    return [
        f"in hindsight (not used): the best threshold on P4-P7 is {best:.2f}, leaf micro F1 "
        f"{f1(best):.3f}; the one chosen on P1-P3, {chosen:.2f}, gives {f1(chosen):.3f}"
    ]


def calibration_lines(info: dict, scores: dict, gold, keep: set[str]) -> list[str]:
    """`gioia accept --target-precision`: for each target, the threshold chosen from the
    cross-validation over the revealed interviews and the precision it has on ``keep``;
    then the held-out acceptance rate of the learned scores by band (do they mean what
    they say?)."""
    evaluation = info["evaluation"]
    if evaluation is None or evaluation.refusal:
        return [f"--target-precision: no evaluation ({info['stage']})"]
    rows = ["--target-precision: threshold chosen on the revealed interviews, precision seen"]
    for target in TARGETS:
        row = evaluation.threshold_for(target)
        if row is None:
            rows.append(f"  {target:.1f}: refused (no threshold measured at that precision)")
            continue
        chosen = {pair for pair in above(scores, row.threshold) if pair[0] in keep}
        right = sum(1 for pair in chosen if pair in gold)
        seen = f"{right / len(chosen):.3f} ({right} of {len(chosen)})" if chosen else "none"
        rows.append(
            f"  {target:.1f}: threshold {row.threshold:.2f} (cross-validated precision "
            f"{row.precision:.3f} on {row.suggested} pairs, recall {row.recall:.3f}); "
            f"precision seen {seen}"
        )
    rows.append("learned scores by band: share of (turn, leaf code) pairs coded")
    for low, high in ((0.5, 1.01), (0.3, 0.5), (0.2, 0.3), (0.1, 0.2), (0.05, 0.1), (0.0, 0.05)):
        band = [pair for pair, score in scores.items() if pair[0] in keep and low <= score < high]
        right = sum(pair in gold for pair in band)
        share = f"{right / len(band):.3f}" if band else "-"
        rows.append(f"  score {low:.2f}-{min(high, 1.0):.2f}: {share} ({right} of {len(band)})")
    return rows


def table(title: str, gold_found, methods: dict[str, set], paths, keep: set[str]) -> list[str]:
    rows = [
        f"{title}",
        f"{'level':<6}{'method':<16}{'micro P':>8}{'R':>7}{'F1':>7}"
        f"{'macro P':>9}{'R':>7}{'F1':>7}{'gold':>6}",
    ]
    for level in LEVELS:
        gold = pairs(gold_found, paths, level, keep)
        for name, found in methods.items():
            values = scores(gold, pairs(found, paths, level, keep))
            numbers = "".join(f"{v:>7.3f}" for v in values[:3])
            macro = "".join(f"{v:>7.3f}" for v in values[3:])
            rows.append(f"{level:<6}{name:<16} {numbers}  {macro}{len(gold):>6}")
    return rows


# --------------------------------------------------------------------------- runs


def shown(corpus_dir: Path) -> str:
    """The corpus's path relative to the folder holding the project, so that the printed
    results (quoted in docs/results/) do not depend on where the checkout lives."""
    placed = corpus_dir.absolute()  # not resolve(): a linked corpus keeps its place
    for base in (ROOT, ROOT.parent):
        if placed.is_relative_to(base):
            return placed.relative_to(base).as_posix()
    return str(corpus_dir)


def run(corpus_dir: Path, dev: bool) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        study = make_study(Path(tmp) / "pdpilot", corpus_dir)
        loaded = pipeline.load_study(study)
        corpus = pipeline.ingest(loaded)
        parsed = pipeline.parse(loaded, corpus)
        transcripts = corpus.by_id()
        paths = concept_paths(loaded.codebook)
        spans, missing = gold_spans(corpus_dir, transcripts, paths)
        gold = gold_pairs(spans, transcripts)
        baseline = substring_predictions(transcripts, loaded.codebook)
        located = f"{len(spans)} coded segments located, {missing} not found"
        out = [f"corpus {shown(corpus_dir)}: {located}"]
        # What gioia suggests before any coding: the queue the researcher reviews.
        reviewed = pipeline.suggest(loaded, corpus, parsed)
        keywords_only, counts = predictions(reviewed, transcripts)
        methods = {"substring": baseline, "gioia": set(keywords_only)}

        def after_review(revealed: Sequence[str]) -> tuple[dict, dict, dict]:
            reveal(study, spans, transcripts, revealed, reviewed, gold)
            learnt, info = learnt_methods(loaded, corpus, parsed, reviewed, study)
            scores = {"gioia": keywords_only, **learnt}
            found = {
                "gioia+terms": set(learnt["gioia+terms"]),
                "learned": above(learnt["learned"], info["threshold"]),
            }
            return scores, found, info

        if dev:
            pooled: dict[str, set] = defaultdict(set)
            pooled_scores: dict[str, dict] = defaultdict(dict)
            for held in REVEALED:
                scores, found, info = after_review([t for t in REVEALED if t != held])
                fold = {**methods, **found}
                for name, pairs_ in fold.items():
                    pooled[name] |= {f for f in pairs_ if f[0] == held}
                for name, scored in scores.items():
                    pooled_scores[name].update((k, v) for k, v in scored.items() if k[0] == held)
                out += ["", *table(f"dev: reveal the others of P1-P3, score {held} "
                                   f"(learned threshold {info['threshold']})", gold, fold, paths,
                                   {held})]  # fmt: skip
                out += calibration_lines(info, scores["learned"], gold, {held})
            out += ["", *table("dev: the three folds pooled, P1-P3", gold, pooled, paths,
                               set(REVEALED))]  # fmt: skip
            out += what_learning_changed(
                {"gioia": keywords_only, "learned": {p: 1.0 for p in pooled["learned"]}},
                gold,
                set(REVEALED),
            )
            out += ranking_lines(pooled_scores, gold, [{t} for t in REVEALED])
            return out
        out.append(f"gioia suggestions by method: {counts}")
        without = sum(1 for g in gold if g not in baseline)
        out.append(f"gold (turn, leaf code) pairs whose turn has none of the code's keywords: "
                   f"{without} of {len(gold)}")  # fmt: skip
        out += ["", *table("all interviews P1-P7", gold, methods, paths, set(INTERVIEWS))]
        out += ["", *precision_by_score(keywords_only, gold)]
        scores, found, info = after_review(REVEALED)
        decided = sum(1 for s in reviewed if s.transcript in REVEALED)
        evaluation = info["evaluation"]
        out += ["", f"after revealing P1-P3 ({decided} suggestions there reviewed): "
                    f"{info['stage']}, learned threshold {info['threshold']} (best F1 in "
                    f"cross-validation over P1-P3, {evaluation.folds} folds, "
                    f"{evaluation.decisions} decisions)"]  # fmt: skip
        methods.update(found)
        out += ["", *table("held-out interviews P4-P7", gold, methods, paths, set(HELD_OUT))]
        learned_pairs = {p: 1.0 for p in found["learned"]}
        out += what_learning_changed(
            {"gioia": keywords_only, "learned": learned_pairs}, gold, set(HELD_OUT)
        )
        out += ranking_lines(scores, gold, [set(HELD_OUT)])
        out += hindsight_lines(scores["learned"], info["threshold"], gold, paths)
        out += calibration_lines(info, scores["learned"], gold, set(HELD_OUT))
        return out


RESULTS = ROOT / "docs" / "results"


def results_file(dev: bool) -> Path:
    """Where ``--write`` keeps the output, for docs/suggest-quality.md to quote (a test
    checks that the docs quote it exactly and that it is what the benchmark prints)."""
    return RESULTS / ("suggest-quality-dev.txt" if dev else "suggest-quality.txt")


def main(argv: Sequence[str]) -> None:
    args = [a for a in argv if not a.startswith("--")]
    corpus_dir = Path(args[0]) if args else next(p for p in CORPORA if p.is_dir())
    dev = "--dev" in argv
    output = "\n".join(run(corpus_dir, dev)) + "\n"
    print(output, end="")
    if "--write" in argv:
        results_file(dev).parent.mkdir(parents=True, exist_ok=True)
        results_file(dev).write_text(output, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
