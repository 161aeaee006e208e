"""The suggestion engine: how a coder's decisions flow into the next suggestion.

::

    transcripts ──► matching ─────────► keyword / pattern suggestions (the codebook's,
    codebook.yaml    (lemmas, cues,       scored by evidence: before anyone decides)
                      veto)                         │
                                                    ▼
    codings/<coder>.jsonl ──► labels ──► features ◄── lexicon (content lemmas, TF-IDF of
      accept · reject ·     (accepted,   (shared          the talk, its question, its
      recode · code ·        rejected,    across           context; the concept's words)
      import (not auto)      implicit)    concepts,
                                          + per-concept
                                          crosses)
                                              │
                                              ▼
                              ranker: logistic regression per learner,
                              cross-validated by interview, calibrated
                                 │                 │                  │
                                 ▼                 ▼                  ▼
                     learned suggestions    --evaluate and     queue: review in
                     (score = probability   --target-precision learned order, refitted
                     this coder accepts;    (precision and     after every decision
                     evidence in words)     recall by threshold)
                                 │                                    │
                                 └──────────► the coder decides ◄─────┘
                                              (a new journal line: back to labels)

Modules: :mod:`.matching` (keywords, patterns, veto, negation and hedge cues, vector
similarity), :mod:`.keywords` (keyword and veto phrases over token arrays),
:mod:`.lexicon` (words, content lemmas, corpus statistics), :mod:`.records` (the term
records used while decisions are too few for a ranker), :mod:`.labels` (whose decisions,
and what they say about each pair), :mod:`.space` (a study's texts as TF-IDF vectors:
the pair space), :mod:`.features` (each pair's features), :mod:`.decisions` (the
features read from the coder's decisions in other interviews), :mod:`.ranker` (fitting,
cross-validation, calibration, evaluation, learned suggestions), :mod:`.queue` (the
learned review order), :mod:`.discover` (candidate in-vivo concepts) and :mod:`.cache`
(what the engine keeps in ``.gioia/``).

Coders learn from their own journals only, unless pooling is asked for: one coder's
suggestions never carry another's judgement into intercoder agreement.
"""
