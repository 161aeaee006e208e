"""The default pipeline's lemmas and the caches that spare re-reading and re-parsing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import spacy

from gioia import ingest, pipeline
from gioia.doccache import DocCache, pipeline_fingerprint, sentence_spans
from gioia.ingest import TranscriptCache, read_transcript
from gioia.nlp import build_pipeline

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"
TEXT = (
    "Interviewer: How was it?\n\n"
    "P1: Sharing worries with Colleagues helped. We were venting, mostly!\n\n"
    "P1: The Feet of the GPs ached."
)


def test_lemmas_are_looked_up_whatever_the_case(nlp):
    """spacy-lookups-data's English table gives these lemmas for the lower-case words;
    spaCy's own lookup lemmatizer misses the capitalised ones ("Sharing" stays)."""
    lemmas = {t.text: t.lemma_ for t in nlp(TEXT)}
    assert lemmas["Sharing"] == "share"
    assert lemmas["worries"] == "worry"
    assert lemmas["Colleagues"] == "colleague"
    assert lemmas["were"] == "be"
    assert lemmas["Feet"] == "foot"
    assert lemmas["Interviewer"] == "interviewer"  # not in the table: lower-cased itself

    spacy_own = spacy.blank("en")
    spacy_own.add_pipe("lemmatizer", config={"mode": "lookup"})
    spacy_own.initialize()
    assert {t.text: t.lemma_ for t in spacy_own("Sharing sharing")} == {
        "Sharing": "Sharing",
        "sharing": "share",
    }


def test_the_same_word_gets_the_same_lemma_in_every_document(nlp):
    first, second = nlp("Venting helps."), nlp("They keep venting. Venting!")
    assert first[0].lemma_ == second[2].lemma_ == second[4].lemma_ == "vent"


def test_the_default_pipeline_caches_sentences_and_no_document(nlp, tmp_path):
    """Parsing with the default pipeline costs about what loading a document does: only
    the sentence spans are kept, and a run that needs the document parses it."""
    cache = DocCache(tmp_path, pipeline_fingerprint("en", None))
    parsed = nlp(TEXT)
    spans = cache.put(TEXT, parsed)
    assert spans == [(s.start_char, s.end_char) for s in parsed.sents]
    assert cache.sentences(TEXT) == spans
    assert cache.get(nlp, TEXT) is None
    assert not list(tmp_path.iterdir())  # nothing is written before save
    cache.save([TEXT])
    assert [p.name for p in tmp_path.iterdir()] == ["sentences.jsonl"]
    again = DocCache(tmp_path, pipeline_fingerprint("en", None))  # as the next run reads it
    assert again.sentences(TEXT) == spans and again.sentences(TEXT + " more") is None


def test_a_cached_document_is_the_parsed_one(nlp, tmp_path):
    """A trained pipeline's documents are kept (as DocBin); any pipeline's can be."""
    cache = DocCache(tmp_path, pipeline_fingerprint("en", None), trained=True)
    parsed = nlp(TEXT)
    spans = cache.put(TEXT, parsed)
    assert spans == [(s.start_char, s.end_char) for s in parsed.sents]
    assert cache.sentences(TEXT) == spans

    loaded = cache.get(build_pipeline("en"), TEXT)  # a fresh vocabulary, as a new run has
    assert loaded is not None and loaded.text == TEXT
    assert [(t.text, t.lemma_, t.whitespace_, t.is_sent_start) for t in loaded] == [
        (t.text, t.lemma_, t.whitespace_, t.is_sent_start) for t in parsed
    ]
    assert cache.get(nlp, TEXT + " more") is None  # never parsed


def test_a_damaged_cache_entry_is_parsed_again(nlp, tmp_path):
    cache = DocCache(tmp_path, pipeline_fingerprint("en", None), trained=True)
    cache.put(TEXT, nlp(TEXT))
    [entry] = tmp_path.glob("*.spacy")
    entry.write_bytes(entry.read_bytes()[:100])
    assert cache.get(nlp, TEXT) is None


def test_an_unchanged_file_is_not_read_again(tmp_path, monkeypatch):
    path = tmp_path / "P1.txt"
    path.write_text(TEXT, encoding="utf-8")
    cache = TranscriptCache(tmp_path / "transcripts.jsonl")
    options = {"transcript_id": "P1", "rel_path": "P1.txt", "cache": cache}
    first = read_transcript(path, **options)
    cache.save(["P1"])
    options["cache"] = TranscriptCache(tmp_path / "transcripts.jsonl")  # the next run's

    def must_not_run(*args, **kwargs):
        raise AssertionError("read again")

    monkeypatch.setattr(ingest, "_read_bytes", must_not_run)
    assert read_transcript(path, **options) == first
    # Another option it was read with, or other bytes, and it is read again.
    with pytest.raises(AssertionError, match="read again"):
        read_transcript(path, **options, interviewer_labels=("Dan",))
    path.write_text(TEXT + "\n\nP1: One more.", encoding="utf-8")
    with pytest.raises(AssertionError, match="read again"):
        read_transcript(path, **options)


def test_a_run_whose_suggestions_are_reused_parses_nothing(tmp_path):
    """The second `suggest` of an unchanged study reuses the first one's suggestions:
    it builds no pipeline and parses no transcript."""
    study = tmp_path / "study"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    for expected_parsed in (True, False):
        loaded = pipeline.load_study(study)
        corpus = pipeline.ingest(loaded)
        parsed = pipeline.parse(loaded, corpus)
        pipeline.suggest(loaded, corpus, parsed)
        assert (parsed.parsed_now > 0) is expected_parsed
        assert ("nlp" in vars(parsed)) is expected_parsed


@pytest.mark.parametrize("text", [TEXT, "", " ", "Hi.", "  Hello there. Bye", "a\n\nb. c"])
def test_sentence_spans_are_spacys(nlp, text):
    doc = nlp(text)
    assert sentence_spans(doc) == [(s.start_char, s.end_char) for s in doc.sents]


def test_sentence_spans_by_hand(nlp):
    assert sentence_spans(nlp("We met. It helped! Then home")) == [(0, 7), (8, 18), (19, 28)]


@pytest.mark.parametrize(
    "text",
    [TEXT, "", ".", "...", 'Hi!!! "Yes." he said.) Then', "?!", "a. b", ". . .a", "Wait… what? No"],
)
def test_sentences_are_spacys_sentencizers(nlp, text):
    spacy_own = spacy.blank("en")
    spacy_own.add_pipe("sentencizer")
    assert [t.is_sent_start for t in nlp(text)] == [t.is_sent_start for t in spacy_own(text)]


def test_sentences_by_hand(nlp):
    doc = nlp('She said "no." Then left!! Fine')
    assert [s.text for s in doc.sents] == ['She said "no."', "Then left!!", "Fine"]


def test_only_a_changed_transcript_is_matched_again(tmp_path, monkeypatch):
    """Suggestions are remade when a transcript changes, but the other transcripts'
    matches come from the match cache: only the edited one is read and matched, and the
    suggestions are those a cold run makes."""
    from gioia.assist import matching

    study = tmp_path / "study"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    matched: list[str] = []
    find_hits = matching.find_hits

    def counting(doc, segments, matcher):
        matched.append(segments[0].transcript if segments else "")
        return find_hits(doc, segments, matcher)

    monkeypatch.setattr(matching, "find_hits", counting)

    def suggestions() -> list:
        loaded = pipeline.load_study(study)
        corpus = pipeline.ingest(loaded)
        return pipeline.suggest(loaded, corpus, pipeline.parse(loaded, corpus))

    cold = suggestions()
    assert sorted(matched) == [f"GP{n}" for n in range(1, 9)]
    matched.clear()
    (study / ".gioia" / "suggestions" / "codebook.lock").unlink()  # as if they had changed
    assert suggestions() == cold and matched == []

    gp2 = study / "transcripts" / "GP2.txt"
    gp2.write_text(gp2.read_text(encoding="utf-8") + "\n\nGP2: We vent in the car park.\n")
    edited = suggestions()
    assert matched == ["GP2"]

    # The other transcripts keep their suggestions (their scores may move a little: the
    # corpus statistics changed with GP2).
    def others(made: list) -> list:
        return [(s.transcript, s.start, s.end, s.concept) for s in made if s.transcript != "GP2"]

    assert others(edited) == others(cold)


def test_a_pipeline_built_ahead_is_taken_once_by_the_next_build():
    """gioia suggest --jobs builds the pipeline while ingest's workers read: the next
    build_pipeline of the same configuration takes that one, and only once; one that
    cannot be built is reported by build_pipeline, where it always was."""
    from gioia import nlp as nlp_module
    from gioia.errors import NlpError

    nlp_module.build_ahead("en", None)
    ahead = nlp_module._built_ahead[("en", None)]
    assert build_pipeline("en") is ahead
    assert build_pipeline("en") is not ahead  # taken: the next is built anew
    nlp_module.build_ahead("en", "no_such_pipeline_xx")
    assert ("en", "no_such_pipeline_xx") not in nlp_module._built_ahead
    with pytest.raises(NlpError, match="not installed"):
        build_pipeline("en", "no_such_pipeline_xx")
