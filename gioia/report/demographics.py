"""Units of study (SRQR 12) and subgroups: participants' attributes as counts, binned as
gioia.yaml says, with small cells suppressed in what is shown.

Binning (DESIGN §4): labels are ranges "a-b", "<a", "<=a", ">a", ">=a", read in order and
contiguous: a value falls in the first bin whose upper bound it does not exceed, so with
["1-5", "6-10", ">10"] the value 5.5 falls in "6-10" and 0.25 in "1-5".
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from gioia.models import Participant

__all__ = ["LARGE_GROUP", "LARGE_SHARE", "bin_value", "demographics", "shown_count", "subgroups"]

_RANGE = re.compile(r"^\s*([\d.]+)\s*-\s*([\d.]+)\s*$")
_BOUND = re.compile(r"^\s*(<=|>=|<|>)\s*([\d.]+)\s*$")
MISSING = "not recorded"


def _number(value: str) -> float | None:
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _plain(number: float) -> float | int:
    """3.0 -> 3: whole numbers read as such in a table."""
    return int(number) if number.is_integer() else number


def bin_value(value: str, bins: Sequence[str]) -> str | None:
    """The bin ``value`` falls in, or None when it is not a number or above every bin."""
    number = _number(value)
    if number is None:
        return None
    for label in bins:
        if match := _RANGE.match(label):
            if number <= float(match[2]):
                return label
            continue
        match = _BOUND.match(label)
        if match is None:
            continue
        operator, bound = match[1], float(match[2])
        if (
            (operator == "<" and number < bound)
            or (operator == "<=" and number <= bound)
            or (operator == ">" and number > bound)
            or (operator == ">=" and number >= bound)
        ):
            return label
    return None


def _level(participant: Participant, attribute: str, bins: Sequence[str] | None) -> str:
    raw = participant.attributes.get(attribute, "").strip()
    if not raw:
        return MISSING
    if bins:
        return bin_value(raw, bins) or raw
    return raw


def _levels_in_order(values: Sequence[str], bins: Sequence[str] | None) -> list[str]:
    """Bins in their configured order, then other values as first seen, missing last."""
    seen = list(dict.fromkeys(values))
    ordered = [b for b in bins or () if b in seen]
    ordered += [v for v in seen if v not in ordered and v != MISSING]
    return ordered + ([MISSING] if MISSING in seen else [])


def shown_count(count: int, min_cell: int) -> str:
    """A count as a table shows it: counts from 1 to below ``min_cell`` are suppressed,
    because a small cell can identify a participant."""
    return f"<{min_cell}" if 0 < count < min_cell else str(count)


def demographics(
    participants: Sequence[Participant],
    attributes: Sequence[str],
    binning: Mapping[str, Sequence[str]],
    min_cell: int,
) -> list[dict[str, Any]]:
    """Per reportable attribute: participants per level (binned), and for a numeric
    attribute its mean, SD and range."""
    table = []
    for attribute in attributes:
        bins = binning.get(attribute)
        values = [_level(p, attribute, bins) for p in participants]
        levels = [
            {
                "level": level,
                "n": values.count(level),
                "shown": shown_count(values.count(level), min_cell),
            }
            for level in _levels_in_order(values, bins)
        ]
        numbers = [
            n for p in participants if (n := _number(p.attributes.get(attribute, ""))) is not None
        ]
        summary = None
        if numbers and len(numbers) == sum(1 for v in values if v != MISSING):
            summary = {
                "n": len(numbers),
                "mean": round(statistics.fmean(numbers), 2),
                "sd": round(statistics.stdev(numbers), 2) if len(numbers) > 1 else None,
                "min": _plain(min(numbers)),
                "max": _plain(max(numbers)),
            }
        table.append(
            {"attribute": attribute, "binned": bool(bins), "levels": levels, "summary": summary}
        )
    return table


# A difference between groups large enough for a sentence of its own when gioia.yaml names
# none (settings.report.subgroup_statements): nobody in a group of at least LARGE_GROUP
# participants raised the node, and more than LARGE_SHARE of the other groups' did.
LARGE_SHARE = 0.5
LARGE_GROUP = 3


def subgroups(
    nodes: Sequence[Mapping[str, Any]],
    participants: Sequence[Participant],
    attributes: Sequence[str],
    binning: Mapping[str, Sequence[str]],
    min_cell: int = 1,
    statements: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Per attribute, the participants expressing each node in each group (DESIGN §8,
    results.json ``subgroups``), and the nodes that one group never raised although
    others did.

    A group smaller than ``min_cell`` is marked ``hidden``: a table that showed it would
    show what one or two identifiable people said ("locum, n = 1"). It makes no absence
    of its own. An absence is ``stated`` (written as a sentence) when its node is one of
    ``statements``, or, when gioia.yaml names none (None), when the difference is large
    (:data:`LARGE_SHARE`); the others are listed in a table."""
    result = []
    for attribute in attributes:
        bins = binning.get(attribute)
        level_of = {p.id: _level(p, attribute, bins) for p in participants}
        levels = _levels_in_order(list(level_of.values()), bins)
        groups = []
        for level in levels:
            members = {pid for pid, value in level_of.items() if value == level}
            groups.append(
                {
                    "level": level,
                    "size": len(members),
                    "hidden": len(members) < min_cell,
                    "nodes": {n["id"]: len(members.intersection(n["participants"])) for n in nodes},
                }
            )
        result.append(
            {
                "attribute": attribute,
                "groups": groups,
                "hidden": [g["level"] for g in groups if g["hidden"]],
                "absent": _absences(nodes, groups, statements),
            }
        )
    return result


def _absences(
    nodes: Sequence[Mapping[str, Any]],
    groups: Sequence[Mapping[str, Any]],
    statements: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Nodes no participant of a group raised, where the group has at least two members
    and at least two participants of other groups raised the node — a pattern worth
    reporting, not a single person's silence."""
    absent = []
    for node in nodes:
        for group in groups:
            if group["level"] == MISSING or group["size"] < 2 or group.get("hidden"):
                continue
            elsewhere = sum(g["nodes"][node["id"]] for g in groups if g is not group)
            others = sum(g["size"] for g in groups if g is not group)
            if group["nodes"][node["id"]] == 0 and elsewhere >= 2:
                share = elsewhere / others
                absent.append(
                    {
                        "node": node["id"],
                        "level": group["level"],
                        "size": group["size"],
                        "elsewhere": elsewhere,
                        "others": others,
                        "stated": (
                            node["id"] in statements
                            if statements is not None
                            else share > LARGE_SHARE and group["size"] >= LARGE_GROUP
                        ),
                    }
                )
    return absent
