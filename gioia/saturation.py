"""Code saturation: when did the interviews stop adding codes?

Pure numbers, no I/O. Every function takes the interviews in analysis order as
``(interview id, codes present)`` pairs; a "code" is whatever level the caller counts at
(first-order concept or second-order theme). All of it measures *code* saturation ("heard
it all"), not meaning saturation (Hennink, Kaiser & Marconi 2017). Formulas and test
vectors: ``methods/saturation.md``.

- :func:`guest` — Guest, Namey & Chen 2020, PLoS ONE 15(5):e0232076: base size, run
  length, new-information threshold, reported as "p+r".
- :func:`francis` — Francis et al. 2010, Psychol Health 25(10):1229-1245: initial
  analysis sample plus stopping criterion.
- :func:`expected_curve` — sample-based rarefaction (Colwell, Mao & Chang 2004, Ecology
  85:2717-2727): the discovery curve averaged over every interview order, in closed form.
- :func:`order_robustness` — the share of interview orders in which Guest's criterion
  is met, and where.
- :func:`chao2` — Chao 1987, Biometrics 43:783-791, incidence form with the (T-1)/T
  factor and bias correction of Chao et al. 2009 (Ecology 90:1125-1133); sample coverage
  of Chao & Jost 2012 (Ecology 93:2533-2547).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import asdict, dataclass
from fractions import Fraction
from functools import cache, reduce
from itertools import combinations
from operator import or_
from statistics import median

__all__ = [
    "Chao2Result",
    "FrancisResult",
    "GuestResult",
    "OrdersResult",
    "SaturationResult",
    "chao2",
    "discovery_curve",
    "expected_curve",
    "francis",
    "guest",
    "order_robustness",
    "saturation",
]

Interviews = Sequence[tuple[str, Set[str]]]


@dataclass(frozen=True)
class GuestResult:
    base: int
    run: int
    threshold: float
    base_codes: int  # B: distinct codes in the first `base` interviews, the denominator
    point: int | None  # p: saturation after interview p, confirmed by the next `run`
    label: str | None  # "p+r"
    reason: str


@dataclass(frozen=True)
class FrancisResult:
    initial: int
    stop: int
    point: int | None  # the last interview of the first code-free run after `initial`
    reason: str


@dataclass(frozen=True)
class OrdersResult:
    method: str  # "exact" (every order counted) or "monte-carlo"
    count: int  # orders examined; 0 when Guest's criterion cannot be assessed at all
    seed: int | None  # None when exact
    reached: int
    reached_fraction: float | None
    point_distribution: dict[int, int]  # Guest point p -> number of orders
    median_point: float | None
    mean_point: float | None


@dataclass(frozen=True)
class Chao2Result:
    s_obs: int  # distinct codes observed
    q1: int  # codes found in exactly one interview
    q2: int  # codes found in exactly two interviews
    u: int  # total incidences: sum over codes of the interviews containing it
    t: int  # interviews
    chao2: float | None  # None when Q2 = 0 (the classic form divides by it)
    chao2_bias_corrected: float | None  # None only without interviews
    coverage: float | None  # None without any code


@dataclass(frozen=True)
class SaturationResult:
    order: tuple[str, ...]
    new_per_interview: tuple[int, ...]
    cumulative: tuple[int, ...]
    guest: GuestResult
    francis: FrancisResult
    expected_curve: tuple[float, ...]
    orders: OrdersResult
    chao2: Chao2Result

    def to_dict(self, level: str) -> dict:
        """The ``saturation`` key of results.json (DESIGN §9), plus a few extra keys;
        floats rounded to 6 decimals."""
        orders = asdict(self.orders)
        orders["point_distribution"] = {  # JSON object keys are strings
            str(point): n for point, n in orders["point_distribution"].items()
        }
        for key in ("reached_fraction", "median_point", "mean_point"):
            orders[key] = _round(orders[key])
        return {
            "level": level,
            "kind": "code saturation",
            "order": list(self.order),
            "new_per_interview": list(self.new_per_interview),
            "cumulative": list(self.cumulative),
            "guest": asdict(self.guest),
            "francis": asdict(self.francis),
            "expected_curve": [_round(value) for value in self.expected_curve],
            "orders": orders,
            "chao2": _round(self.chao2.chao2),
            "chao2_bias_corrected": _round(self.chao2.chao2_bias_corrected),
            "coverage": _round(self.chao2.coverage),
            "codes_observed": self.chao2.s_obs,
            "q1": self.chao2.q1,
            "q2": self.chao2.q2,
        }


def discovery_curve(interviews: Interviews) -> tuple[list[int], list[int]]:
    """New codes contributed by each interview, and the running total of distinct codes."""
    seen: set[str] = set()
    new_per_interview, cumulative = [], []
    for _, codes in interviews:
        new_per_interview.append(len(set(codes) - seen))
        seen |= codes
        cumulative.append(len(seen))
    return new_per_interview, cumulative


def guest(
    interviews: Interviews, base: int = 4, run: int = 2, threshold: float = 0.05
) -> GuestResult:
    """Guest, Namey & Chen (2020): saturation at p = s - 1 for the first s > base whose
    run of ``run`` interviews adds at most ``threshold`` (inclusive) of the B codes found
    in the first ``base`` interviews."""
    if base < 0 or run < 1:
        raise ValueError("Guest's criterion needs base >= 0 and run >= 1")
    n = len(interviews)
    base_codes = len(set().union(*(codes for _, codes in interviews[:base])))

    def result(point: int | None, reason: str) -> GuestResult:
        label = None if point is None else f"{point}+{run}"
        return GuestResult(base, run, threshold, base_codes, point, label, reason)

    if n < base + run:
        return result(None, f"needs at least {base} + {run} = {base + run} interviews, has {n}")
    if base_codes == 0:
        return result(None, f"the first {base} interviews have no codes, so B = 0")
    new, _ = discovery_curve(interviews)
    point = _first_saturation_point(new, base, run, _largest_passing_sum(threshold, base_codes))
    starts = range(base + 1, n - run + 2)
    added = {start: sum(new[start - 1 : start - 1 + run]) for start in starts}
    if point is None:
        fewest = min(starts, key=added.__getitem__)
        return result(
            None,
            f"no run of {run} interviews after the base of {base} added at most "
            f"{_percent(threshold)} of its {base_codes} codes; the fewest, "
            f"{_interviews(fewest, run)}, added {_codes(added[fewest])} "
            f"({_percent(added[fewest] / base_codes)})",
        )
    reason = (
        f"{_interviews(point + 1, run)} added {_codes(added[point + 1])} "
        f"({_percent(added[point + 1] / base_codes)} of the {base_codes} in the base of {base})"
    )
    # Codes still appearing after the confirming run must stay visible (saturation.md).
    if later := sum(new[point + run :]):
        reason += f"; later interviews still added {_codes(later)}"
    return result(point, reason)


def francis(interviews: Interviews, initial: int = 10, stop: int = 3) -> FrancisResult:
    """Francis et al. (2010): saturation at the first interview j such that the ``stop``
    interviews ending at j, all after the initial analysis sample of ``initial``
    interviews, added no new code ("10+3"). The stopping run counts only interviews after
    the initial sample, as in Francis et al., so the earliest point is initial + stop."""
    if initial < 0 or stop < 1:
        raise ValueError("francis needs initial >= 0 and stop >= 1")
    n = len(interviews)
    if n < initial + stop:
        reason = f"needs at least {initial} + {stop} = {initial + stop} interviews, has {n}"
        return FrancisResult(initial, stop, None, reason)
    new, _ = discovery_curve(interviews)
    quiet = 0  # consecutive interviews after the initial sample without a new code
    for position in range(initial + 1, n + 1):
        quiet = quiet + 1 if new[position - 1] == 0 else 0
        if quiet == stop:
            run = _interviews(position - stop + 1, stop)
            reason = f"{run} after the initial {initial} added no new code"
            return FrancisResult(initial, stop, position, reason)
    reason = f"no {stop} consecutive interviews after the initial {initial} were free of new codes"
    return FrancisResult(initial, stop, None, reason)


def expected_curve(interviews: Interviews) -> list[float]:
    """E[S_k] for k = 1..T, the distinct codes after k interviews averaged over all T!
    orders: sum over codes of 1 - C(T - d_c, k) / C(T, k), d_c = interviews with code c.
    Computed exactly with integers, converted to float at the end."""
    total = len(interviews)
    incidence = Counter(code for _, codes in interviews for code in codes)
    curve = []
    for k in range(1, total + 1):
        all_subsets = math.comb(total, k)
        missed = sum(math.comb(total - d, k) for d in incidence.values())
        curve.append(float(Fraction(len(incidence) * all_subsets - missed, all_subsets)))
    return curve


def order_robustness(
    interviews: Interviews,
    base: int,
    run: int,
    threshold: float,
    *,
    permutations: int = 10000,
    seed: int = 1,
    exact_max: int = 9,
) -> OrdersResult:
    """How often, and where, Guest's criterion is met over interview orders: all T! orders
    counted exactly when T <= ``exact_max``, else ``permutations`` orders shuffled with
    ``random.Random(seed)``. Orders whose base has no code count as not reached; when
    T < base + run no order can be assessed and ``count`` is 0."""
    if base < 0 or run < 1:
        raise ValueError("Guest's criterion needs base >= 0 and run >= 1")
    total = len(interviews)
    exact = total <= exact_max
    method, used_seed = ("exact", None) if exact else ("monte-carlo", seed)
    if total < base + run:
        return OrdersResult(method, 0, used_seed, 0, None, {}, None, None)
    # Each interview's codes as the bits of an int: set algebra becomes integer algebra.
    bit_of = {code: 1 << i for i, code in enumerate(set().union(*(c for _, c in interviews)))}
    masks = [sum(bit_of[code] for code in codes) for _, codes in interviews]
    limits = [_largest_passing_sum(threshold, b) for b in range(len(bit_of) + 1)]
    if exact:
        outcomes = _count_all_orders(masks, base, run, limits)
    else:
        outcomes, rng, shuffled = Counter(), random.Random(seed), list(masks)
        for _ in range(permutations):
            rng.shuffle(shuffled)
            seen, new = 0, []
            for mask in shuffled:
                new.append((mask & ~seen).bit_count())
                seen |= mask
            base_codes = sum(new[:base])
            limit = limits[base_codes]
            outcomes[_first_saturation_point(new, base, run, limit) if base_codes else None] += 1
    count = sum(outcomes.values())
    distribution = dict(sorted((p, n) for p, n in outcomes.items() if p is not None))
    reached = sum(distribution.values())
    return OrdersResult(
        method=method,
        count=count,
        seed=used_seed,
        reached=reached,
        reached_fraction=reached / count,
        point_distribution=distribution,
        median_point=float(median(Counter(distribution).elements())) if reached else None,
        mean_point=sum(p * n for p, n in distribution.items()) / reached if reached else None,
    )


def chao2(interviews: Interviews) -> Chao2Result:
    """Chao2 estimate of the codes a study of this kind would find, and sample coverage.
    Computed with fractions so that the published test vectors are met exactly."""
    t = len(interviews)
    incidence = Counter(code for _, codes in interviews for code in codes)
    s_obs, u = len(incidence), sum(incidence.values())
    q1 = sum(1 for d in incidence.values() if d == 1)
    q2 = sum(1 for d in incidence.values() if d == 2)
    if t == 0:
        return Chao2Result(s_obs, q1, q2, u, t, None, None, None)
    shrink = Fraction(t - 1, t)
    classic = float(s_obs + shrink * Fraction(q1 * q1, 2 * q2)) if q2 else None
    corrected = float(s_obs + shrink * Fraction(q1 * (q1 - 1), 2 * (q2 + 1)))
    coverage = None if u == 0 else 1.0
    if q1:  # without singletons nothing is estimated unseen; the bracket may be 0/0 then
        if q2:
            share = Fraction((t - 1) * q1, (t - 1) * q1 + 2 * q2)
        else:
            share = Fraction((t - 1) * (q1 - 1), (t - 1) * (q1 - 1) + 2)
        coverage = float(1 - Fraction(q1, u) * share)
    return Chao2Result(s_obs, q1, q2, u, t, classic, corrected, coverage)


def saturation(
    interviews: Interviews,
    *,
    base: int = 4,
    run: int = 2,
    threshold: float = 0.05,
    francis_initial: int = 10,
    francis_stop: int = 3,
    permutations: int = 10000,
    seed: int = 1,
) -> SaturationResult:
    """Every saturation statement gioia makes, for interviews in analysis order."""
    new, cumulative = discovery_curve(interviews)
    return SaturationResult(
        order=tuple(interview_id for interview_id, _ in interviews),
        new_per_interview=tuple(new),
        cumulative=tuple(cumulative),
        guest=guest(interviews, base, run, threshold),
        francis=francis(interviews, francis_initial, francis_stop),
        expected_curve=tuple(expected_curve(interviews)),
        orders=order_robustness(
            interviews, base, run, threshold, permutations=permutations, seed=seed
        ),
        chao2=chao2(interviews),
    )


def _first_saturation_point(new: Sequence[int], base: int, run: int, limit: int) -> int | None:
    """p = s - 1 for the first window start s > base whose run adds at most ``limit``."""
    for start in range(base + 1, len(new) - run + 2):
        if sum(new[start - 1 : start - 1 + run]) <= limit:
            return start - 1
    return None


def _largest_passing_sum(threshold: float, base_codes: int) -> int:
    """The most new codes a run may add and still pass: ratio <= threshold compared
    exactly, with the threshold read as the decimal the user wrote (0.05 is 1/20)."""
    exact = Fraction(repr(threshold)) if isinstance(threshold, float) else Fraction(threshold)
    return math.floor(exact * base_codes)


def _count_all_orders(
    masks: Sequence[int], base: int, run: int, limits: Sequence[int]
) -> Counter[int | None]:
    """Guest points of all T! orders, counted by dynamic programming rather than listed:
    after the base, a prefix matters only through *which* interviews it holds (hence the
    codes seen), B, and the new-code counts of its last run - 1 interviews. Completions
    are computed once per such state, and the b! orders inside the base only multiply."""
    total = len(masks)
    factorial = [math.factorial(k) for k in range(total + 1)]

    @cache
    def completions(placed: int, seen: int, recent: tuple[int, ...], limit: int) -> Counter:
        outcomes: Counter[int | None] = Counter()
        position = placed.bit_count() + 1
        for interview, mask in enumerate(masks):
            if placed >> interview & 1:
                continue
            window = (*recent, (mask & ~seen).bit_count())
            if len(window) == run:
                if sum(window) <= limit:  # reached: every completion of the rest shares p
                    outcomes[position - run] += factorial[total - position]
                    continue
                window = window[1:]
            if position == total:
                outcomes[None] += 1
            else:
                outcomes.update(completions(placed | 1 << interview, seen | mask, window, limit))
        return outcomes

    counts: Counter[int | None] = Counter()
    for chosen in combinations(range(total), base):
        seen = reduce(or_, (masks[i] for i in chosen), 0)
        if seen == 0:  # B = 0: not assessable in any of these orders
            counts[None] += factorial[base] * factorial[total - base]
            continue
        placed = sum(1 << i for i in chosen)
        for point, n in completions(placed, seen, (), limits[seen.bit_count()]).items():
            counts[point] += n * factorial[base]
    return counts


def _interviews(start: int, count: int) -> str:
    return f"interview {start}" if count == 1 else f"interviews {start}-{start + count - 1}"


def _codes(n: int) -> str:
    return f"{n} new code" if n == 1 else f"{n} new codes"


def _percent(share: float) -> str:
    return f"{100 * share:.1f}".rstrip("0").rstrip(".") + "%"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
