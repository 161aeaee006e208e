"""A deterministic synthetic study for benchmarks: N interview transcripts of realistic
shape and a 50-concept codebook whose keywords occur at realistic rates.

    .venv/bin/python benchmarks/generate_corpus.py OUT [--transcripts 1000] [--words 8000]

Transcripts alternate short interviewer questions with participant turns of 40-300 words;
sentences are 4-30 words; about one sentence in twelve carries a codebook keyword (often
inflected: "ranting", "covered"), so suggestions appear at the rates seen on real studies.
The same arguments always give the same files.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

# Words of unremarkable interview talk, for filler sentences.
FILLER = tuple(
    """
    I think we just sort of get on with it most of the time really and then you know
    it depends on the day and who is around whether there is time at all in the
    morning the practice has changed a lot over the years with more patients and
    more paperwork and honestly I would say that people are kind but everyone is
    stretched and busy
    """.split()  # noqa: SIM905 - prose reads better than a list of 60 strings
)
# 50 concepts: (keyword, an inflected form the informants use)
STEMS = [
    ("rant", "ranting"),
    ("offload", "offloading"),
    ("vent", "venting"),
    ("cry", "cried"),
    ("debrief", "debriefed"),
    ("reassure", "reassured"),
    ("listen", "listened"),
    ("support", "supported"),
    ("advise", "advised"),
    ("consult", "consulted"),
    ("mentor", "mentoring"),
    ("teach", "taught"),
    ("cover", "covered"),
    ("swap", "swapped"),
    ("share", "sharing"),
    ("rota", "rotas"),
    ("visit", "visits"),
    ("referral", "referrals"),
    ("complaint", "complaints"),
    ("inquest", "inquests"),
    ("coffee", "coffees"),
    ("lunch", "lunches"),
    ("kitchen", "kitchens"),
    ("corridor", "corridors"),
    ("partner", "partners"),
    ("locum", "locums"),
    ("trainee", "trainees"),
    ("registrar", "registrars"),
    ("burnout", "burnouts"),
    ("pressure", "pressures"),
    ("isolation", "isolations"),
    ("whatsapp", "whatsapp"),
    ("group", "groups"),
    ("meeting", "meetings"),
    ("huddle", "huddles"),
    ("balint", "balint"),
    ("appraisal", "appraisals"),
    ("friend", "friends"),
    ("family", "families"),
    ("patient", "patients"),
    ("death", "deaths"),
    ("mistake", "mistakes"),
    ("error", "errors"),
    ("guideline", "guidelines"),
    ("protocol", "protocols"),
    ("hierarchy", "hierarchies"),
    ("culture", "cultures"),
    ("trust", "trusted"),
    ("laugh", "laughed"),
    ("chat", "chatting"),
]
KEYWORD_RATE = 1 / 12  # share of sentences carrying a keyword


def codebook() -> str:
    lines = ["version: 1", "title: Synthetic benchmark codebook", "dimensions:"]
    for d in range(2):
        lines += [f"  - id: dimension-{d}", f"    label: Dimension {d}", "    themes:"]
        for t in range(5):
            theme = d * 5 + t
            lines += [
                f"      - id: theme-{theme}",
                f"        label: Theme {theme}",
                "        concepts:",
            ]
            for c in range(5):
                index = theme * 5 + c
                keyword, _ = STEMS[index]
                lines += [
                    f"          - id: concept-{index}",
                    f"            label: Concept {index}",
                    f"            keywords: [{keyword}]",
                ]
    return "\n".join(lines) + "\n"


def sentence(rng: random.Random) -> str:
    words = rng.choices(FILLER, k=rng.randint(4, 30))
    if rng.random() < KEYWORD_RATE:
        words.insert(rng.randrange(len(words)), rng.choice(STEMS)[rng.randint(0, 1)])
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def transcript(rng: random.Random, participant: str, words: int) -> str:
    turns, count = [], 0
    while count < words:
        question = " ".join(rng.choices(FILLER, k=rng.randint(5, 15)))
        turns.append(f"Interviewer: {question.capitalize()}?")
        budget, answer = rng.randint(40, 300), []
        while sum(len(s.split()) for s in answer) < budget:
            answer.append(sentence(rng))
        turns.append(f"{participant}: " + " ".join(answer))
        count += budget
    return "\n\n".join(turns) + "\n"


def generate(out: Path, transcripts: int = 1000, words: int = 8000, seed: int = 1) -> Path:
    rng = random.Random(seed)
    (out / "transcripts").mkdir(parents=True, exist_ok=True)
    (out / "codebook.yaml").write_text(codebook(), encoding="utf-8")
    rows = ["id,site,years_registered"]
    for i in range(1, transcripts + 1):
        pid = f"P{i:04d}"
        rows.append(f"{pid},site-{i % 7},{rng.randint(1, 30)}")
        (out / "transcripts" / f"{pid}.txt").write_text(
            transcript(rng, pid, words), encoding="utf-8"
        )
    (out / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.transcripts, args.words, args.seed)
    print(f"wrote {args.transcripts} transcripts of ~{args.words} words to {args.out}")


if __name__ == "__main__":
    main()
