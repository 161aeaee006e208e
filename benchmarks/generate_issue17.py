"""A deterministic study in the shape of issue 17: raw `.txt` interviews whose turns
(`Interviewer:` / `P1:`) are separated by SINGLE line breaks, and a codebook of 50 or 250
concepts whose keywords are all multi-word (2-3 words, the 3-word ones with a stop word
between: `cover for locum`), with token `patterns:` on every fifth concept.

    .venv/bin/python benchmarks/generate_issue17.py OUT [--transcripts 300] [--words 2000]
        [--concepts 50]

The transcripts do not depend on --concepts: every one of the 250 concepts' phrases
occurs in the talk (inflected, sometimes with a determiner inside: "sharing the
workloads"), in about one sentence in twelve, so the 50-concept codebook (the first 50
of the 250) and the 250-concept one run over the same files. The same arguments always
give the same files; the codebook passes `gioia check`'s pattern limits (50 patterns at
250 concepts, 10 of them with one unbounded repeat).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from generate_corpus import FILLER

# Verbs as (lemma, a form the informants use) and nouns as (lemma, plural): their
# products make 500 distinct phrases, two for each of 250 concepts.
VERBS = [
    ("share", "sharing"), ("cover", "covering"), ("swap", "swapped"), ("check", "checked"),
    ("ask", "asked"), ("call", "called"), ("help", "helped"), ("support", "supported"),
    ("miss", "missed"), ("book", "booked"), ("plan", "planned"), ("chase", "chasing"),
    ("review", "reviewed"), ("discuss", "discussed"), ("run", "running"), ("hold", "held"),
    ("join", "joined"), ("meet", "met"), ("visit", "visited"), ("write", "writing"),
    ("read", "reading"), ("cancel", "cancelled"), ("handle", "handled"),
    ("organise", "organised"), ("phone", "phoned"),
]  # fmt: skip
NOUNS = [
    ("workload", "workloads"), ("rota", "rotas"), ("shift", "shifts"),
    ("result", "results"), ("letter", "letters"), ("referral", "referrals"),
    ("complaint", "complaints"), ("meeting", "meetings"), ("partner", "partners"),
    ("colleague", "colleagues"), ("locum", "locums"), ("trainee", "trainees"),
    ("nurse", "nurses"), ("clinic", "clinics"), ("registrar", "registrars"),
    ("appraisal", "appraisals"), ("prescription", "prescriptions"),
    ("receptionist", "receptionists"), ("huddle", "huddles"), ("mentor", "mentors"),
]  # fmt: skip
# Stop words a 3-word keyword has between its verb and its noun (never YAML 1.1 booleans
# such as "on").
LINKS = ("for", "with", "to", "about", "over")
DETERMINERS = ("the", "my", "our", "their")
CONCEPTS = 250
KEYWORD_RATE = 1 / 12  # share of sentences carrying a keyword phrase


def phrases() -> list[tuple[tuple[str, str], str, tuple[str, str]]]:
    """Two (verb, link or "", noun) phrases for each of the 250 concepts: the first of
    two words, the second of three with a stop word between."""
    combos = [(v, n) for v in VERBS for n in NOUNS]
    random.Random(17).shuffle(combos)
    made = []
    for i, (verb, noun) in enumerate(combos[: 2 * CONCEPTS]):
        made.append((verb, "" if i % 2 == 0 else LINKS[(i // 2) % len(LINKS)], noun))
    return made


def keyword(phrase: tuple[tuple[str, str], str, tuple[str, str]]) -> str:
    (verb, _), link, (noun, _) = phrase
    return " ".join(w for w in (verb, link, noun) if w)


def pattern(concept: int, phrase) -> str:
    """A token pattern for the concept's first phrase: a verb lemma, an optional
    determiner and the noun's lemma; every 25th concept's allows anything between
    (one unbounded repeat, which suggest bounds to 40 tokens)."""
    (verb, _), _, (noun, _) = phrase
    if concept % 25 == 0:
        middle = '{OP: "*"}'
    else:
        middle = f'{{LOWER: {{IN: [{", ".join(DETERMINERS)}]}}, OP: "?"}}'
    return f"[{{LEMMA: {verb}}}, {middle}, {{LEMMA: {noun}}}]"


def codebook(concepts: int) -> str:
    if concepts % 25 or not 0 < concepts <= CONCEPTS:
        raise SystemExit(f"--concepts must be a multiple of 25 up to {CONCEPTS}")
    made = phrases()
    lines = ["version: 1", f"title: Issue 17 benchmark codebook, {concepts} concepts"]
    lines.append("dimensions:")
    themes = concepts // 5
    for d in range(max(themes // 5, 1)):
        lines += [f"  - id: dimension-{d}", f"    label: Dimension {d}", "    themes:"]
        for t in range(d * 5, min(d * 5 + 5, themes)):
            lines += [f"      - id: theme-{t}", f"        label: Theme {t}", "        concepts:"]
            for c in range(t * 5, t * 5 + 5):
                first, second = made[2 * c], made[2 * c + 1]
                lines += [
                    f"          - id: concept-{c}",
                    f"            label: Concept {c}",
                    f"            keywords: [{keyword(first)}, {keyword(second)}]",
                ]
                if c % 5 == 0:
                    lines += ["            patterns:", f"              - {pattern(c, first)}"]
    return "\n".join(lines) + "\n"


def spoken(rng: random.Random, phrase) -> list[str]:
    """The phrase as an informant says it: inflected verb, sometimes a determiner before
    the noun, the noun sometimes plural."""
    (_, verb), link, (noun, plural) = phrase
    words = [verb, *([link] if link else [])]
    if rng.random() < 0.5:
        words.append(rng.choice(DETERMINERS))
    words.append(plural if rng.random() < 0.5 else noun)
    return words


def sentence(rng: random.Random, made) -> str:
    words = rng.choices(FILLER, k=rng.randint(4, 30))
    if rng.random() < KEYWORD_RATE:
        at = rng.randrange(len(words))
        words[at:at] = spoken(rng, rng.choice(made))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def transcript(rng: random.Random, label: str, words: int, made) -> str:
    turns, count = [], 0
    while count < words:
        question = " ".join(rng.choices(FILLER, k=rng.randint(5, 15)))
        turns.append(f"Interviewer: {question.capitalize()}?")
        budget, answer = rng.randint(40, 300), []
        while sum(len(s.split()) for s in answer) < budget:
            answer.append(sentence(rng, made))
        turns.append(f"{label}: " + " ".join(answer))
        count += budget
    return "\n".join(turns) + "\n"  # single line breaks between turns


def generate(
    out: Path, transcripts: int = 300, words: int = 2000, concepts: int = 50, seed: int = 1
) -> Path:
    rng, made = random.Random(seed), phrases()
    (out / "transcripts").mkdir(parents=True, exist_ok=True)
    write_codebook(out, concepts)
    rows = ["id,site,years_registered"]
    for i in range(1, transcripts + 1):
        rows.append(f"P{i},site-{i % 7},{rng.randint(1, 30)}")
        (out / "transcripts" / f"P{i}.txt").write_text(
            transcript(rng, f"P{i}", words, made), encoding="utf-8"
        )
    (out / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out


def write_codebook(study: Path, concepts: int) -> None:
    (study / "codebook.yaml").write_text(codebook(concepts), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--transcripts", type=int, default=300)
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--concepts", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.transcripts, args.words, args.concepts, args.seed)
    print(f"wrote {args.transcripts} transcripts of ~{args.words} words and a "
          f"{args.concepts}-concept codebook to {args.out}")  # fmt: skip


if __name__ == "__main__":
    main()
