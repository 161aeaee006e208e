"""The inductive aid: candidate in-vivo concepts (`gioia discover`)."""

from __future__ import annotations

from dataclasses import asdict

from gioia.pipeline.corpus import Parsed
from gioia.pipeline.loading import Corpus, LoadedStudy

# --------------------------------------------------------------------------- discover


def discover(
    loaded: LoadedStudy,
    corpus: Corpus,
    parsed: Parsed,
    *,
    min_count: int = 2,
    min_participants: int = 2,
    limit: int | None = 30,
) -> dict:
    """Candidate in-vivo first-order concepts (``gioia discover``): recurring, distinctive
    phrases of participant talk that no keyword covers (see :mod:`gioia.discover`).
    Returns ``candidates`` (phrase, lemmas, count, participants, examples,
    distinctiveness), the most distinctive first, and ``yaml``: the candidates as
    codebook concept stubs to paste under a theme."""
    # spaCy, imported by the command that needs it: every other command starts faster.
    from gioia.assist.discover import concept_stubs, discover_candidates, load_general_frequencies

    words = {token.lower_ for doc in parsed.docs.values() for token in doc}
    candidates = discover_candidates(
        parsed.nlp,
        loaded.codebook,
        corpus.by_id(),
        parsed.docs,
        parsed.segments,
        load_general_frequencies(parsed.nlp.lang, words),
        min_count=min_count,
        min_participants=min_participants,
        limit=limit,
    )
    taken = [node_id for node_id, *_ in loaded.codebook.iter_nodes()]
    return {
        "candidates": [asdict(c) for c in candidates],
        "yaml": concept_stubs(candidates, taken),
    }
