"""The SRQR checklist: its 21 items, and which of them a study answers.

SRQR (2014): O'Brien BC, Harris IB, Beckman TJ, Reed DA, Cook DA. Standards for reporting
qualitative research: a synthesis of recommendations. Acad Med 2014;89(9):1245-1251.

The item names are the published ones. The published descriptions are not openly
licensed, so each description here is our own one-line summary of what the item asks;
readers are pointed to the DOI for the full text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "SRQR_CITATION",
    "SRQR_DOI",
    "SRQR_ITEMS",
    "SRQR_SECTIONS",
    "SrqrItem",
    "srqr_status",
]

SRQR_DOI = "10.1097/ACM.0000000000000388"
SRQR_CITATION = f"SRQR (2014), doi:{SRQR_DOI}"

# Where the report answers each item: (anchor, section title).
_STUDY = ("study", "The study")
_DISCUSSION = ("discussion", "Discussion and declarations")
SRQR_SECTIONS: dict[int, tuple[str, str]] = {
    1: ("top", "Title"),
    2: _STUDY,
    3: _STUDY,
    4: _STUDY,
    5: _STUDY,
    6: _STUDY,
    7: _STUDY,
    8: ("saturation", "Saturation"),
    9: _STUDY,
    10: _STUDY,
    11: _STUDY,
    12: ("units", "Units of study"),
    13: ("methods", "Data processing and analysis"),
    14: ("methods", "Data processing and analysis"),
    15: ("trustworthiness", "Trustworthiness"),
    16: ("data-structure", "Data structure"),
    17: ("quotes", "Representative quotes"),
    18: _DISCUSSION,
    19: ("limitations", "Limitations"),
    20: _DISCUSSION,
    21: _DISCUSSION,
}

# What a computed answer needs: gioia always describes its own processing and analysis,
# describes the units of study once there is a participants table, and can only show
# findings, their evidence and the caveats they carry once codings have been accepted.
ComputedWhen = Literal["always", "participants", "codings"]


@dataclass(frozen=True)
class SrqrItem:
    """One SRQR item and where gioia looks for its answer."""

    number: int
    section: str
    name: str
    key: str | None  # the gioia.yaml `study:` key whose prose answers it
    description: str
    computed_when: ComputedWhen | None = None


SRQR_ITEMS: tuple[SrqrItem, ...] = (
    SrqrItem(
        1,
        "Title and abstract",
        "Title",
        "title",
        "Names the topic and makes clear that the study is qualitative.",
    ),
    SrqrItem(
        2,
        "Title and abstract",
        "Abstract",
        "abstract",
        "Sums up background, purpose, methods, findings and conclusions.",
    ),
    SrqrItem(
        3,
        "Introduction",
        "Problem formulation",
        "problem",
        "Says what problem or phenomenon is studied and why it matters.",
    ),
    SrqrItem(
        4,
        "Introduction",
        "Purpose or research question",
        "research_question",
        "States the aim of the study and the questions it sets out to answer.",
    ),
    SrqrItem(
        5,
        "Methods",
        "Qualitative approach and research paradigm",
        "approach",
        "Names the qualitative approach and guiding paradigm, and why they fit.",
    ),
    SrqrItem(
        6,
        "Methods",
        "Researcher characteristics and reflexivity",
        "researchers",
        "Describes the researchers and how who they are may shape the research.",
    ),
    SrqrItem(
        7,
        "Methods",
        "Context",
        "context",
        "Describes the setting of the study and why it matters for the findings.",
    ),
    SrqrItem(
        8,
        "Methods",
        "Sampling strategy",
        "sampling",
        "Explains how participants were chosen, when sampling stopped, and why.",
    ),
    SrqrItem(
        9,
        "Methods",
        "Ethical issues pertaining to human subjects",
        "ethics",
        "Reports ethical approval, consent and how confidentiality was protected.",
    ),
    SrqrItem(
        10,
        "Methods",
        "Data collection methods",
        "data_collection",
        "Describes how and when data were gathered and how the methods changed, with reasons.",
    ),
    SrqrItem(
        11,
        "Methods",
        "Data collection instruments and technologies",
        "instruments",
        "Describes the interview guides, recorders and other tools used to collect data.",
    ),
    SrqrItem(
        12,
        "Methods",
        "Units of study",
        "units",
        "Describes who or what was studied and their relevant characteristics.",
        "participants",
    ),
    SrqrItem(
        13,
        "Methods",
        "Data processing",
        "processing",
        "Explains how data were prepared for analysis: transcription, checks, anonymisation.",
        "always",
    ),
    SrqrItem(
        14,
        "Methods",
        "Data analysis",
        "analysis",
        "Explains how themes were developed, by whom, with which method and why.",
        "always",
    ),
    SrqrItem(
        15,
        "Methods",
        "Techniques to enhance trustworthiness",
        "trustworthiness",
        "Describes what was done to make the analysis credible, and why.",
        "codings",
    ),
    SrqrItem(
        16,
        "Results/findings",
        "Synthesis and interpretation",
        None,
        "Presents the main findings as an interpreted whole, such as a model or themes.",
        "codings",
    ),
    SrqrItem(
        17,
        "Results/findings",
        "Links to empirical data",
        None,
        "Backs the findings with evidence from the data, such as quotations.",
        "codings",
    ),
    SrqrItem(
        18,
        "Discussion",
        "Integration with prior work, implications, transferability, and contribution(s) "
        "to the field",
        "integration",
        "Relates the findings to earlier work and says what they add and where they apply.",
    ),
    SrqrItem(
        19,
        "Discussion",
        "Limitations",
        "limitations",
        "Discusses what limits how far the findings can be trusted and transferred.",
        "codings",
    ),
    SrqrItem(
        20,
        "Other",
        "Conflicts of interest",
        "conflicts_of_interest",
        "Declares influences that could have affected the research, and how they were handled.",
    ),
    SrqrItem(
        21,
        "Other",
        "Funding",
        "funding",
        "Names the sources of funding and their role in the study.",
    ),
)


def srqr_status(
    metadata: Mapping[str, str], *, has_codings: bool, has_participants: bool
) -> list[dict]:
    """Each SRQR item with where the study answers it, shaped for results.json.

    An item is "metadata" when its gioia.yaml prose is set (prose wins over computation,
    since the researcher's own account is what a reader should see first), "data" when
    gioia can compute an answer from what the study has, and otherwise "missing".
    """
    computable = {"always": True, "participants": has_participants, "codings": has_codings}
    statuses = []
    for item in SRQR_ITEMS:
        if item.key is not None and (metadata.get(item.key) or "").strip():
            status = "metadata"
        elif item.computed_when is not None and computable[item.computed_when]:
            status = "data"
        else:
            status = "missing"
        statuses.append({"item": item.number, "name": item.name, "status": status})
    return statuses
