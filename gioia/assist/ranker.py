"""The learned ranker: how likely a coder is to accept each (segment, concept) pair.

One logistic regression per learner (:class:`gioia.assist.labels.Learner`: a coder, or
journals pooled on purpose) over the pairs of the interviews they have worked on, with
the shared features and per-concept crosses of :mod:`gioia.assist.features`. Fitting is
scikit-learn's ``LogisticRegression`` (L-BFGS, L2); the crosses are scaled by
``sqrt(CROSS_C / DENSE_C)`` so that one penalty regularises the shared features with
``DENSE_C`` and the per-concept weights with ``CROSS_C``: strong shrinkage, because a
study has few decisions and the shared features must carry most of the weight.

Training needs ``MIN_ACCEPTED`` accepted and ``MIN_REJECTED`` rejected pairs (explicit or
implicit); before that, suggestions keep the keyword score and the term records of
:mod:`gioia.assist.records`.

Scores are probabilities. The model is cross-validated by interview — the worked
interviews are dealt round-robin into at most ``FOLDS`` folds, each fold's pairs scored
by a model fitted (features and all) on the other folds' decisions only — and a logistic
(Platt) calibration fitted on those out-of-fold scores maps the final model's decision
values to the probability that this learner accepts the pair. With decisions in a single
interview there is nothing to cross-validate: scores are the model's own estimates, and
:class:`Evaluation` says too few.

The evaluation (``gioia suggest --evaluate``) is that out-of-fold scoring: at each
threshold, the share of pairs scoring at least that which the learner accepted
(precision) and the share of accepted pairs scoring at least that (recall), over every
pair of the worked interviews. Undecided pairs there count as not accepted, so the
precision is, if anything, understated. A precision is *measured* at a threshold when
enough pairs score above it that its 95% (Wilson) interval is no wider than
±``PRECISION_MARGIN``: "5 of 6" is not a precision of 0.83 anyone can act on.
:meth:`Evaluation.threshold_for` picks the lowest threshold whose measured precision
reaches a target and stays there at every higher measured threshold: a dip in a noisy
curve does not decide, and too few decisions mean no threshold at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy
from scipy import sparse

from gioia.assist.decisions import DecisionView
from gioia.assist.features import FEATURES, Space, crossed_concepts
from gioia.assist.labels import Labels, Learner
from gioia.assist.records import TermRecord
from gioia.models import Evidence, Suggestion

__all__ = [
    "CROSS_C",
    "DENSE_C",
    "FOLDS",
    "MIN_ACCEPTED",
    "MIN_REJECTED",
    "CrossValidation",
    "Evaluation",
    "Model",
    "ThresholdRow",
    "cross_validate",
    "explain",
    "fit",
    "explicit",
    "fit_design",
    "floor",
    "learned_suggestions",
    "not_trainable",
    "restricted",
    "targets",
    "wilson_interval",
]

# Chosen with the benchmarks' development protocols (docs/suggest-quality.md), which read
# the coding of P1-P3 only: the penalties by the average precision of the learned scores
# (benchmarks/suggest_quality.py --dev); how many decisions before the ranker takes over
# from keyword scores by how soon a simulated review finds what the coder codes
# (benchmarks/review_effort.py --dev: with 5, a weak ranker replaces a good keyword order
# too early).
DENSE_C = 0.01
CROSS_C = 30.0
MIN_ACCEPTED = 10
MIN_REJECTED = 10
FOLDS = 5
PRECISION_MARGIN = 0.1
# Implicit rejections a fit uses at most (see fit_design); PDPilot's 32,984 pairs fit whole.
IMPLICIT_BUDGET = 40_000
SAMPLE_SEED = 1
INTERCEPT_SCALING = 100.0
THRESHOLDS = tuple(round(0.01 * i, 2) for i in range(1, 100))
# Evidence: the most similar accepted talk or question is shown when at least this like.
SHOWN_LIKENESS = 0.1


@dataclass
class Model:
    """A fitted ranker: standardisation of the shared features, the logistic weights,
    and the calibration of its decision values (None: not cross-validated)."""

    mean: numpy.ndarray
    scale: numpy.ndarray
    weights: numpy.ndarray  # shared features, then crosses
    intercept: float
    crossed: numpy.ndarray  # each concept's block of crosses, or -1
    calibration: tuple[float, float] | None = None  # (slope, offset) on decision values

    def decision(self, space: Space, rows: numpy.ndarray, view: DecisionView) -> numpy.ndarray:
        """Decision values of every pair of ``rows`` (row-major, as Space.features)."""
        return self.decision_of(*design(space, rows, view, self.crossed))

    def decision_of(self, dense: numpy.ndarray, crosses: sparse.csr_matrix) -> numpy.ndarray:
        shared = len(FEATURES)
        standard = (dense - self.mean) / self.scale
        return (
            standard @ self.weights[:shared]
            + crosses @ self.weights[shared:] * _CROSS_SCALE
            + self.intercept
        )

    def probability(self, decision: numpy.ndarray) -> numpy.ndarray:
        """Calibrated when cross-validated, else the logistic model's own estimate."""
        return _sigmoid(self.calibration, decision)


_CROSS_SCALE = math.sqrt(CROSS_C / DENSE_C)


def design(
    space: Space, rows: numpy.ndarray, view: DecisionView, crossed: numpy.ndarray
) -> tuple[numpy.ndarray, sparse.csr_matrix]:
    """The shared features and crosses of every pair of ``rows``."""
    return space.features(rows, view), space.crosses(rows, crossed)


def not_trainable(labels: Labels, space: Space) -> str | None:
    """Why a ranker cannot be fitted on ``labels`` yet, or None when it can."""
    accepted = len(labels.accepted)
    decided = len(space.segments_of(set(labels.worked))) * len(space.concepts)
    if accepted < MIN_ACCEPTED or decided - accepted < MIN_REJECTED:
        return (
            f"{accepted} accepted and {decided - accepted} rejected pair(s): the ranker "
            f"learns from {MIN_ACCEPTED} of each"
        )
    return None


def fit(space: Space, labels: Labels) -> Model:
    """The ranker of ``labels``, fitted on every pair of the worked interviews."""
    rows = space.segments_of(set(labels.worked))
    crossed = crossed_concepts(space, labels)
    dense, crosses = design(space, rows, DecisionView(space, labels), crossed)
    return fit_design(
        dense, crosses, targets(space, rows, labels), crossed, explicit(space, rows, labels)
    )


def explicit(space: Space, rows: numpy.ndarray, labels: Labels) -> numpy.ndarray:
    """Whether each pair of ``rows`` has a decision of its own (accepted, or rejected
    explicitly) rather than an implicit rejection."""
    concepts = [c.id for c in space.concepts]
    return numpy.array(
        [
            (int(s), c) in labels.accepted or (int(s), c) in labels.rejected
            for s in rows.tolist()
            for c in concepts
        ],
        bool,
    )


def fit_design(
    dense: numpy.ndarray,
    crosses: sparse.csr_matrix,
    target: numpy.ndarray,
    crossed: numpy.ndarray,
    decided: numpy.ndarray,
) -> Model:
    """A ranker fitted on pairs whose features are already worked out: ``dense`` shared
    features, ``crosses`` (of the ``crossed`` concepts), ``target`` (accepted or not)
    and ``decided`` (a decision of its own, not an implicit rejection).

    Beyond ``IMPLICIT_BUDGET`` implicit rejections, a seeded sample of that many stands
    for them all, each weighing for the ones it stands for: the same objective in
    expectation, at a bounded cost (a study with 5,000 decisions has a hundred thousand
    pairs)."""
    from sklearn.linear_model import LogisticRegression  # imported only to learn

    implicit = numpy.flatnonzero(~decided & (target == 0))
    weight = numpy.ones(len(target))
    if len(implicit) > IMPLICIT_BUDGET:
        kept = numpy.random.default_rng(SAMPLE_SEED).choice(
            implicit, IMPLICIT_BUDGET, replace=False
        )
        dropped = numpy.setdiff1d(implicit, kept)
        weight[kept] = len(implicit) / IMPLICIT_BUDGET
        keep = numpy.setdiff1d(numpy.arange(len(target)), dropped)
        dense, crosses, target, weight = dense[keep], crosses[keep], target[keep], weight[keep]

    mean, scale = dense.mean(axis=0), dense.std(axis=0)
    # A feature that does not vary in training (the decision features, while decisions
    # lie in one interview) carries no weight; its scale must not blow up rounding noise.
    constant = scale < 1e-9
    scale[constant], mean[constant] = 1.0, dense.mean(axis=0)[constant]
    design_matrix = sparse.hstack(
        [sparse.csr_matrix((dense - mean) / scale), crosses * _CROSS_SCALE], format="csr"
    )
    # Only the columns some training pair uses can get a weight: fitting on those alone
    # is several times faster (a concept's crosses span the whole vocabulary).
    used = numpy.unique(design_matrix.indices)
    # liblinear's trust-region Newton method: a tenth of L-BFGS's time on these sparse,
    # wide designs, the same fit. It penalises the intercept too; scaled up, it is not.
    # A tolerance of 1e-3 instead of 1e-4 takes a third less time and ranks the pairs
    # the same (Spearman 0.999 on PDPilot's 32,984 pairs).
    model = LogisticRegression(
        C=DENSE_C,
        solver="liblinear",
        intercept_scaling=INTERCEPT_SCALING,
        tol=1e-3,
        max_iter=1000,
    )
    model.fit(design_matrix[:, used], target, sample_weight=weight)
    weights = numpy.zeros(design_matrix.shape[1])
    weights[used] = model.coef_[0]
    return Model(mean, scale, weights, float(model.intercept_[0]), crossed)


def targets(space: Space, rows: numpy.ndarray, labels: Labels) -> numpy.ndarray:
    """Whether each pair of ``rows`` (row-major, as Space.features) was accepted."""
    concepts = [c.id for c in space.concepts]
    return numpy.array(
        [(int(s), c) in labels.accepted for s in rows.tolist() for c in concepts], numpy.int64
    )


def floor(space: Space, labels: Labels) -> float:
    """The least probability at which a pair is suggested: the learner's base rate, the
    share of the worked interviews' pairs they accepted. A pair no likelier than any pair
    picked at random is not worth a coder's look, and a keyword match this coder keeps
    rejecting in that sense falls below it: the ranker vetoes it."""
    pairs = len(space.segments_of(set(labels.worked))) * len(space.concepts)
    return len(labels.accepted) / pairs if pairs else 1.0


def restricted(labels: Labels, transcripts: set[str], space: Space) -> Labels:
    """``labels`` of the pairs in ``transcripts`` only: what a fold's model may know."""
    keep = {int(i) for i in space.segments_of(transcripts)}
    accepted = {k: v for k, v in labels.accepted.items() if k[0] in keep}
    rejected = {k: v for k, v in labels.rejected.items() if k[0] in keep}
    worked = labels.worked & frozenset(transcripts)
    return Labels(accepted, rejected, worked, labels.decisions, len(worked))


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class ThresholdRow:
    threshold: float
    suggested: int  # pairs scoring at least the threshold
    right: int  # of them, accepted
    precision: float | None
    recall: float

    @property
    def measured(self) -> bool:
        """Whether the precision's 95% interval is within ±PRECISION_MARGIN."""
        low, high = wilson_interval(self.right, self.suggested)
        return high - low <= 2 * PRECISION_MARGIN


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default)."""
    if trials == 0:
        return 0.0, 1.0
    share = successes / trials
    centre = share + z * z / (2 * trials)
    spread = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return (centre - spread) / denominator, (centre + spread) / denominator


@dataclass(frozen=True)
class Evaluation:
    """Cross-validated precision and recall of a learner's scores (module docstring)."""

    learner: str
    decisions: int
    interviews: int
    folds: int
    pairs: int
    accepted: int
    rows: tuple[ThresholdRow, ...]
    refusal: str | None = None  # why there is no evaluation

    def threshold_for(self, target: float) -> ThresholdRow | None:
        """The lowest threshold whose measured precision reaches ``target`` and stays at
        or above it at every higher measured threshold; None if none does."""
        if self.refusal:
            return None
        chosen = None
        for row in reversed(self.rows):
            if not row.measured:
                continue
            if row.precision is None or row.precision < target:
                break
            chosen = row
        return chosen

    def to_dict(self) -> dict:
        return {
            "learner": self.learner,
            "decisions": self.decisions,
            "interviews": self.interviews,
            "folds": self.folds,
            "pairs": self.pairs,
            "accepted": self.accepted,
            "refusal": self.refusal,
            "thresholds": [
                {
                    "threshold": r.threshold,
                    "suggested": r.suggested,
                    "right": r.right,
                    "precision": r.precision,
                    "recall": r.recall,
                }
                for r in self.rows
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Evaluation:
        rows = tuple(
            ThresholdRow(r["threshold"], r["suggested"], r["right"], r["precision"], r["recall"])
            for r in data["thresholds"]
        )
        return cls(
            data["learner"],
            data["decisions"],
            data["interviews"],
            data["folds"],
            data["pairs"],
            data["accepted"],
            rows,
            data.get("refusal"),
        )


@dataclass(frozen=True)
class CrossValidation:
    evaluation: Evaluation
    calibration: tuple[float, float] | None


def cross_validate(space: Space, labels: Labels, learner: Learner) -> CrossValidation:
    """Out-of-fold scores by interview, their calibration and their evaluation."""
    worked = sorted(labels.worked)
    refusal = not_trainable(labels, space)
    if refusal is None and len(worked) < 2:
        refusal = "decisions in one interview only: no other interview to test them on"
    if refusal is not None:
        return CrossValidation(
            Evaluation(learner.name, labels.decisions, len(worked), 0, 0, 0, (), refusal),
            None,
        )
    folds = min(FOLDS, len(worked))
    decisions, accepted = [], []
    for fold in range(folds):
        held = {t for i, t in enumerate(worked) if i % folds == fold}
        known = restricted(labels, set(worked) - held, space)
        too_few = not_trainable(known, space)
        if too_few is not None:
            left_out = ", ".join(sorted(held))
            refusal = f"without {left_out} there are too few to cross-validate ({too_few})"
            return CrossValidation(
                Evaluation(learner.name, labels.decisions, len(worked), 0, 0, 0, (), refusal),
                None,
            )
        rows = space.segments_of(held)
        decisions.append(fit(space, known).decision(space, rows, DecisionView(space, known)))
        accepted.append(targets(space, rows, labels))
    decision, target = numpy.concatenate(decisions), numpy.concatenate(accepted)
    calibration = _platt(decision, target)
    probability = _sigmoid(calibration, decision)
    rows_ = _threshold_rows(probability, target)
    evaluation = Evaluation(
        learner.name,
        labels.decisions,
        len(worked),
        folds,
        len(target),
        int(target.sum()),
        rows_,
    )
    return CrossValidation(evaluation, calibration)


def _platt(decision: numpy.ndarray, target: numpy.ndarray) -> tuple[float, float] | None:
    from sklearn.linear_model import LogisticRegression

    finite = numpy.isfinite(decision)
    if len(set(target[finite].tolist())) < 2:
        return None
    platt = LogisticRegression(C=1e4).fit(decision[finite, None], target[finite])
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


def _sigmoid(calibration: tuple[float, float] | None, decision: numpy.ndarray) -> numpy.ndarray:
    slope, offset = calibration or (1.0, 0.0)
    with numpy.errstate(over="ignore"):
        return 1.0 / (1.0 + numpy.exp(-(slope * decision + offset)))


def _threshold_rows(probability: numpy.ndarray, target: numpy.ndarray) -> tuple[ThresholdRow, ...]:
    accepted = int(target.sum())
    rows = []
    for threshold in THRESHOLDS:
        above = probability >= threshold
        suggested = int(above.sum())
        right = int(target[above].sum())
        rows.append(
            ThresholdRow(
                threshold,
                suggested,
                right,
                round(right / suggested, 4) if suggested else None,
                round(right / accepted, 4) if accepted else 0.0,
            )
        )
    return tuple(rows)


# --------------------------------------------------------------------------- suggestions


def learned_suggestions(
    space: Space, labels: Labels, model: Model, learner: Learner
) -> list[Suggestion]:
    """A ``learned`` suggestion for every pair the learner is likelier to accept than
    the :func:`floor`, scored by that probability, with evidence in words."""
    view = DecisionView(space, labels)
    least = floor(space, labels)
    k = len(space.concepts)
    made = []
    everything = numpy.arange(len(space.segments))
    for first in range(0, len(everything), 4096):
        rows = everything[first : first + 4096]
        dense, crosses = design(space, rows, view, model.crossed)
        probability = model.probability(model.decision_of(dense, crosses))
        for flat in numpy.flatnonzero(probability >= least).tolist():
            segment, concept = int(rows[flat // k]), flat % k
            evidence = explain(space, view, learner, segment, concept)
            made.append(
                Suggestion(
                    *space.segments[segment].key,
                    space.concepts[concept].id,
                    round(float(probability[flat]), 4),
                    "learned",
                    evidence,
                )
            )
    return made


def explain(
    space: Space, view: DecisionView, learner: Learner, segment: int, concept: int
) -> tuple[Evidence, ...]:
    """Why: the keyword terms with the learner's record of each, the words shared with
    the most similar accepted talk, the question answered, and the learner's record of
    the concept."""
    found: list[Evidence] = []
    keyword = space.keyword.get((segment, concept))
    for item in keyword.evidence if keyword else ():
        record = TermRecord(*view.record(concept, item.term))
        if record.decided:
            cue = record.describe() if not item.cue else f"{item.cue}; {record.describe()}"
            item = Evidence(item.term, item.start, item.end, cue)
        found.append(item)
    accepted = [
        (index, placed)
        for index, placed in view.accepted_codings.get(concept, ())
        if space.transcript[index] != space.transcript[segment]
    ]
    if accepted:
        others = numpy.array([index for index, _ in accepted])
        talk = (space.talk[segment] @ space.talk[others].T).toarray()[0]
        best = int(talk.argmax())
        if talk[best] >= SHOWN_LIKENESS:
            placed = accepted[best][1]
            cue = f"shared with {_coding_shown(placed)}"
            found += [
                Evidence(e.term, e.start, e.end, cue)
                for e in space.shared_terms(segment, int(others[best]))
            ]
    question = space.question_of[segment]
    if question is not None:
        why = None
        if space.q_keyword[segment, concept]:
            why = "it names a keyword of the concept"
        elif accepted:
            asked = (space.questions[segment] @ space.questions[others].T).toarray()[0]
            best = int(asked.argmax())
            if asked[best] >= SHOWN_LIKENESS:
                why = f"like the question before {_coding_shown(accepted[best][1])}"
        if why:
            found.append(Evidence("question", question.start, question.end, why))
    decided = view.decided_in.sum()
    rate = int(view.accepted_in[:, concept].sum())
    record = f"{learner.name} coded it in {rate} of {int(decided)} decided segments"
    found.append(
        Evidence(
            f"learnt from {learner.name}",
            space.segments[segment].start,
            space.segments[segment].end,
            f"{record}; {view.labels.decisions} decisions in {view.labels.interviews} interview(s)",
        )
    )
    return tuple(found)


def _coding_shown(placed) -> str:
    quote = " ".join(placed.coding.quote.split())
    excerpt = quote if len(quote) <= 60 else quote[:57].rstrip() + "..."
    return f'{placed.coding.coder}\'s coding in {placed.coding.transcript}: "{excerpt}"'
