"""The trivial mutants of issue 19, to show that a test fails for the bug it names.

    MUTANT=zero-curve PYTHONPATH=tests/mutants .venv/bin/pytest -p mutant_plugin \
        tests/test_report_example.py::test_saturation_numbers_and_figure_match_an_independent_computation

MUTANT is one of: trust-offset (locate_quote trusts the stored offset), guest-none
(Guest's criterion never finds a point), never-match (the concept matcher finds
nothing), zero-curve (the expected saturation curve is all zeros). Not a test module:
nothing runs it unless asked.
"""

import os


def pytest_configure(config):
    mutant = os.environ.get("MUTANT")
    if mutant == "trust-offset":
        import gioia.journal as j
        import gioia.quotes as q

        original = q.locate_quote

        def trusting(text, quote, hint_start=-1):
            if hint_start >= 0:
                return (hint_start, hint_start + len(quote))
            return original(text, quote, hint_start)

        q.locate_quote = trusting
        j.locate_quote = trusting
    elif mutant == "guest-none":
        import dataclasses

        import gioia.saturation as s

        original = s.guest

        def never(*a, **k):
            r = original(*a, **k)
            return dataclasses.replace(r, point=None, label=None)

        s.guest = never
    elif mutant == "never-match":
        import gioia.assist.matching as m

        m.ConceptMatcher.matches = lambda self, doc: []
    elif mutant == "zero-curve":
        import gioia.saturation as s

        s.expected_curve = lambda interviews, *a, **k: [0.0] * len(interviews)
