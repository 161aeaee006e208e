"""Intercoder agreement: how far do coders agree on which segments express which codes?

Pure numbers, no I/O. Formulas and test vectors: ``methods/agreement.md``.

- percent agreement, always reported beside any chance-corrected coefficient;
- Cohen's kappa for two coders (Cohen 1960, Educ Psychol Meas 20:37-46), read with the
  bands of Landis & Koch 1977 (Biometrics 33:159-174);
- for a 2x2 table also PABAK and the prevalence and bias indices (Byrt, Bishop & Carlin
  1993, J Clin Epidemiol 46:423-429), which explain a low kappa beside high agreement
  when a code is rare;
- Krippendorff's alpha for any number of coders with missing values, nominal, ordinal,
  interval or ratio (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"),
  read as reliable from 0.800 and tentative from 0.667.

Coefficients are computed with fractions and converted to float at the end, so that a
result does not depend on the order of the units.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from itertools import accumulate

__all__ = [
    "AgreementResult",
    "CodeAgreement",
    "CoderCodings",
    "Disagreement",
    "KappaResult",
    "agreement",
    "alpha_gate_failure",
    "alpha_reading",
    "cohen_kappa",
    "joined_names",
    "kappa_reading",
    "krippendorff_alpha",
    "percent_agreement",
    "two_by_two",
]

Units = Sequence[Sequence[Hashable | None]]  # per unit, each coder's value; None = missing


@dataclass(frozen=True)
class KappaResult:
    p_o: float  # observed agreement
    p_e: float  # agreement expected by chance from each coder's own category shares
    kappa: float | None
    note: str | None = None  # why kappa is None


def percent_agreement(units: Units) -> float | None:
    """Share of the units with at least two values on which all present values agree;
    None when no unit has two values."""
    return _percent(_tally(units))


def cohen_kappa(table: Sequence[Sequence[int]]) -> KappaResult:
    """Cohen's kappa from a square contingency table (rows: coder 1's category, columns:
    coder 2's). Undefined, and None with a note, when p_e = 1: both coders put every unit
    in one and the same category, so there is no chance agreement to correct for."""
    size = len(table)
    if any(len(row) != size for row in table):
        raise ValueError("Cohen's kappa needs a square table")
    total = sum(map(sum, table))
    if total == 0:
        raise ValueError("Cohen's kappa needs at least one unit")
    observed = Fraction(sum(table[i][i] for i in range(size)), total)
    columns = [sum(row[j] for row in table) for j in range(size)]
    chance = Fraction(
        sum(sum(row) * column for row, column in zip(table, columns, strict=True)), total**2
    )
    if chance == 1:
        note = "kappa is undefined: both coders used one and the same category (p_e = 1)"
        return KappaResult(float(observed), 1.0, None, note)
    return KappaResult(float(observed), float(chance), float((observed - chance) / (1 - chance)))


def two_by_two(a: int, b: int, c: int, d: int) -> dict[str, float | None]:
    """Agreement on one binary code: a = both coders coded the unit, b = only coder 1,
    c = only coder 2, d = neither. PABAK = 2 p_o - 1; prevalence index |a - d| / N; bias
    index |b - c| / N (Byrt, Bishop & Carlin 1993)."""
    kappa = cohen_kappa([[a, b], [c, d]])
    total = a + b + c + d
    return {
        "percent": kappa.p_o,
        "kappa": kappa.kappa,
        "pabak": float(2 * Fraction(a + d, total) - 1),
        "prevalence_index": abs(a - d) / total,
        "bias_index": abs(b - c) / total,
    }


def krippendorff_alpha(units: Units, metric: str = "nominal") -> float | None:
    """Krippendorff's alpha from the coincidence matrix of the units with at least two
    values: alpha = 1 - (n - 1) * sum o_ck d_ck / sum n_c n_k d_ck (Krippendorff 2011).

    None when alpha is 0/0: no unit has two values, or every pairable value is the same.
    Such data show no variation, so they cannot tell agreement from chance; reporting 1.0
    would claim a reliability the data cannot show (identical coders who *do* vary get 1).
    """
    return _alpha(_tally(units), metric)


def alpha_reading(alpha: float | None) -> str | None:
    """Krippendorff's (2004, 2011) conventional reading of alpha."""
    if alpha is None:
        return None
    return "reliable" if alpha >= 0.8 else "tentative" if alpha >= 0.667 else "unreliable"


def kappa_reading(kappa: float | None) -> str | None:
    """Landis & Koch (1977) bands for kappa."""
    if kappa is None:
        return None
    if kappa < 0:
        return "poor"
    for upper, band in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= upper:
            return band
    return "almost perfect"


@dataclass(frozen=True)
class CoderCodings:
    """One coder's accepted codings, and the transcripts the coder reviewed: inside them a
    segment the coder did not code counts as a 0, outside them as missing."""

    coder: str
    reviewed: frozenset[str]  # transcript ids
    coded: frozenset[tuple[str, str]]  # (segment/unit id, concept)


@dataclass(frozen=True)
class CodeAgreement:
    """Agreement on one code (concept or theme), or pooled over all of them."""

    id: str
    units: int  # units with at least two coders' values
    percent: float | None  # a share in [0, 1]
    kappa: float | None  # only with exactly two coders
    alpha: float | None  # nominal
    pabak: float | None
    prevalence_index: float | None
    bias_index: float | None
    disagreements: int

    def to_dict(self) -> dict:
        data = {key: _round(value) for key, value in asdict(self).items()}
        return data | {
            "alpha_reading": alpha_reading(self.alpha),
            "kappa_reading": kappa_reading(self.kappa),
        }


@dataclass(frozen=True)
class Disagreement:
    unit_id: str
    transcript: str
    code: str
    values: Mapping[str, int]  # coder -> 1 (coded) / 0 (not coded); absent coders left out


@dataclass(frozen=True)
class AgreementResult:
    coders: tuple[str, ...]
    level: str  # "concept" or "theme"
    pooled: CodeAgreement  # over every (unit, code) pair
    codes: tuple[CodeAgreement, ...]  # in the order of the concepts given
    disagreements: tuple[Disagreement, ...]  # most contested codes first
    # Segments (units) at least two of the coders gave a value: the units of the
    # comparison, whereas ``pooled.units`` counts (segment, code) pairs.
    segments: int = 0

    def to_dict(self) -> dict:
        """The ``agreement`` key of results.json (DESIGN §9), plus readings, the 2x2
        indices and the disagreements. ``concepts`` holds themes at theme level."""
        return {
            "coders": list(self.coders),
            "level": self.level,
            "segments": self.segments,
            "pooled": self.pooled.to_dict(),
            "concepts": [code.to_dict() for code in self.codes],
            "disagreements": [
                {
                    "unit": item.unit_id,
                    "transcript": item.transcript,
                    "concept": item.code,
                    "coders": dict(item.values),
                }
                for item in self.disagreements
            ],
        }


def agreement(
    coders: Sequence[CoderCodings],
    units: Sequence[tuple[str, str]],
    concepts: Sequence[str],
    *,
    theme_of: Mapping[str, str] | None = None,
) -> AgreementResult:
    """Agreement between coders on every unit (segment id, transcript) for every concept,
    or, with ``theme_of`` (concept -> theme), for every theme: a coding then counts for
    its concept's theme. A coder's value is 1 if they coded the unit with the code, 0 if
    they reviewed its transcript but did not, missing otherwise. Codings of concepts not
    listed, or of units not listed, are ignored."""
    names = [coder.coder for coder in coders]
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError("agreement needs at least two coders with distinct names")
    code_of = {c: c if theme_of is None else theme_of[c] for c in concepts}
    codes = list(dict.fromkeys(code_of.values()))
    coded = [
        {(unit, code_of[concept]) for unit, concept in coder.coded if concept in code_of}
        for coder in coders
    ]
    anyone = set().union(*coded)
    values: dict[str, list[tuple[int | None, ...]]] = {code: [] for code in codes}
    for unit, transcript in units:
        # the values of a unit nobody coded with the code, shared by most (unit, code) pairs
        uncoded = tuple(0 if transcript in coder.reviewed else None for coder in coders)
        for code in codes:
            if (unit, code) not in anyone:
                values[code].append(uncoded)
                continue
            pairs = zip(coded, uncoded, strict=True)
            values[code].append(tuple(1 if (unit, code) in mine else v for mine, v in pairs))
    tallies = {code: Counter(values[code]) for code in codes}
    coded_units = [{unit for unit, _ in mine} for mine in coded]
    compared = sum(
        1
        for unit, transcript in units
        if sum(
            transcript in coder.reviewed or unit in mine
            for coder, mine in zip(coders, coded_units, strict=True)
        )
        >= 2
    )
    contested: list[list[Disagreement]] = []
    for code in codes:
        disagreeing = {profile for profile in tallies[code] if _disagrees(profile)}
        contested.append(
            [
                Disagreement(unit, transcript, code, _by_coder(names, unit_values))
                for (unit, transcript), unit_values in zip(units, values[code], strict=True)
                if unit_values in disagreeing
            ]
        )
    return AgreementResult(
        coders=tuple(names),
        level="concept" if theme_of is None else "theme",
        pooled=_code_agreement("pooled", sum(tallies.values(), Counter()), len(coders)),
        codes=tuple(_code_agreement(code, tallies[code], len(coders)) for code in codes),
        # sorted() is stable: equally contested codes keep the concepts' order
        disagreements=tuple(
            item for items in sorted(contested, key=len, reverse=True) for item in items
        ),
        segments=compared,
    )


def joined_names(names: Sequence[str]) -> str:
    """Coders as a sentence names them: "hb", "hb and ms", "hb, jd and ms"."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def alpha_gate_failure(data: Mapping, gate: float) -> str | None:
    """Why the pooled alpha of ``data`` (an :meth:`AgreementResult.to_dict`) fails the
    gate, naming the coders and the segments compared, e.g. "Krippendorff's alpha 0.190
    between hb and ms on 57 segments is below the gate 0.8"; None when it passes."""
    alpha = data["pooled"]["alpha"]
    if alpha is not None and alpha >= gate:
        return None
    between = f"between {joined_names(data['coders'])}"
    segments = data.get("segments", data["pooled"]["units"])
    on = f"on {segments} segment{'' if segments == 1 else 's'}"
    if alpha is None:
        return (
            f"Krippendorff's alpha {between} {on} is undefined (the codings show no "
            f"variation to tell agreement from chance), so it does not reach the gate {gate}"
        )
    return f"Krippendorff's alpha {_below(alpha, gate)} {between} {on} is below the gate {gate}"


def _below(alpha: float, gate: float) -> str:
    """``alpha`` to three decimals, or to as many more as it takes not to read as the
    gate it is below (0.79996 is "0.79996", never "0.800", below 0.8)."""
    for places in range(3, 10):
        shown = f"{alpha:.{places}f}"
        if float(shown) < gate:
            return shown
    return repr(alpha)


def _code_agreement(
    code: str, tally: Counter[tuple[int | None, ...]], coders: int
) -> CodeAgreement:
    """Every coefficient for one code from the tally of its units' values."""
    pairable = Counter({unit: n for unit, n in tally.items() if len(_present(unit)) >= 2})
    two_coders: Mapping[str, float | None] = {}
    if coders == 2 and pairable:  # kappa and the 2x2 indices exist for two coders only
        two_coders = two_by_two(pairable[1, 1], pairable[1, 0], pairable[0, 1], pairable[0, 0])
    return CodeAgreement(
        id=code,
        units=pairable.total(),
        percent=_percent(pairable),
        kappa=two_coders.get("kappa"),
        alpha=_alpha(pairable, "nominal"),
        pabak=two_coders.get("pabak"),
        prevalence_index=two_coders.get("prevalence_index"),
        bias_index=two_coders.get("bias_index"),
        disagreements=sum(n for unit, n in pairable.items() if _disagrees(unit)),
    )


def _tally(units: Units) -> Counter[tuple[Hashable | None, ...]]:
    """How often each distinct unit occurs: identical units contribute identically, so
    each is worked out once (most (segment, code) pairs are 'nobody coded it')."""
    return Counter(tuple(unit) for unit in units)


def _percent(tally: Counter[tuple[Hashable | None, ...]]) -> float | None:
    pairable = {unit: n for unit, n in tally.items() if len(_present(unit)) >= 2}
    if not pairable:
        return None
    return sum(n for unit, n in pairable.items() if not _disagrees(unit)) / sum(pairable.values())


def _alpha(tally: Counter[tuple[Hashable | None, ...]], metric: str) -> float | None:
    coincidences: Counter[tuple[Hashable, Hashable]] = Counter()
    for unit, times in tally.items():
        values = Counter(_present(unit))
        pairable = values.total()
        if pairable < 2:
            continue
        for c, n_c in values.items():
            for k, n_k in values.items():
                pairs = n_c * (n_k - 1) if c == k else n_c * n_k
                coincidences[c, k] += Fraction(pairs * times, pairable - 1)
    marginals: Counter[Hashable] = Counter()
    for (c, _), count in coincidences.items():
        marginals[c] += count
    n = marginals.total()
    distance = _distance(metric, marginals)
    observed = sum(count * distance(c, k) for (c, k), count in coincidences.items())
    expected = sum(
        marginals[c] * marginals[k] * distance(c, k) for c in marginals for k in marginals
    )
    if expected == 0:
        return None
    return float(1 - (n - 1) * observed / expected)


def _distance(metric: str, marginals: Mapping[Hashable, Fraction]) -> Callable:
    """Squared difference function of Krippendorff (2011) for the metric. The ordinal one
    depends on how many values lie between c and k, hence the marginals."""
    if metric == "nominal":
        return lambda c, k: 0 if c == k else 1
    if metric == "interval":
        return lambda c, k: (Fraction(c) - Fraction(k)) ** 2
    if metric == "ratio":
        if any(Fraction(value) < 0 for value in marginals):
            raise ValueError("the ratio metric needs values >= 0")
        return lambda c, k: (
            0 if c == k else ((Fraction(c) - Fraction(k)) / (Fraction(c) + Fraction(k))) ** 2
        )
    if metric == "ordinal":
        ranked = sorted(marginals)
        rank = {value: i for i, value in enumerate(ranked)}
        below = list(accumulate((marginals[value] for value in ranked), initial=0))

        def ordinal(c: Hashable, k: Hashable) -> Fraction:
            low, high = sorted((rank[c], rank[k]))
            return (below[high + 1] - below[low] - (marginals[c] + marginals[k]) / 2) ** 2

        return ordinal
    raise ValueError(f"unknown metric {metric!r}: use nominal, ordinal, interval or ratio")


def _present(unit: Sequence[Hashable | None]) -> list[Hashable]:
    return [value for value in unit if value is not None]


def _disagrees(unit: Sequence[Hashable | None]) -> bool:
    return len(set(_present(unit))) > 1


def _by_coder(names: Sequence[str], unit_values: Sequence[int | None]) -> dict[str, int]:
    return {
        name: value for name, value in zip(names, unit_values, strict=True) if value is not None
    }


def _round(value: object) -> object:
    return round(value, 6) if isinstance(value, float) else value
