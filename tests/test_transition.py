"""realpolitik.nlp.transition: spaCy's parser and NER with the compiled greedy loop."""

from __future__ import annotations

import json
import shutil
from itertools import islice
from pathlib import Path

import pytest

import realpolitik
from realpolitik.nlp import transition
from realpolitik.nlp.transition import GreedyTransitionComponent, use_fast_loop

SAMPLE = Path(realpolitik.__file__).parent / "sample" / "wikinews_2019_2020.jsonl"


def _sample_paragraphs(n_articles: int) -> list[str]:
    with SAMPLE.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in islice(f, n_articles)]
    return [p.strip() for text in texts for p in text.split("\n") if p.strip()]


def test_the_loop_is_built_where_a_compiler_is() -> None:
    """`make` builds the compiled loop (setup.py); a silent build failure would only show as a
    slower pipeline, so where a C++ compiler exists the loop must be there."""
    if not any(shutil.which(cc) for cc in ("c++", "g++", "clang++")):
        pytest.skip("no C++ compiler on this machine: the package runs spaCy's own loop")
    assert transition.FAST_LOOP, "realpolitik.nlp._greedy is not built: reinstall with `make install`"


@pytest.mark.skipif(not transition.FAST_LOOP, reason="the compiled loop is not built")
def test_load_nlp_parses_with_the_loop(nlp) -> None:
    for name in ("parser", "ner"):
        component = nlp.get_pipe(name)
        assert isinstance(component, GreedyTransitionComponent)
        assert component.moves is component.component.moves  # the component's own, shared
    assert use_fast_loop(nlp) == []  # already in place: not wrapped twice
    import copy

    assert copy.copy(nlp.get_pipe("parser")).component is nlp.get_pipe("parser").component
    doc = nlp("Russia accused Ukraine of shelling the plant; Putin met Xi Jinping in Beijing.")
    assert [(t.text, t.dep_) for t in doc if t.dep_ in ("nsubj", "dobj")][:2] == [
        ("Russia", "nsubj"),
        ("Ukraine", "dobj"),
    ]
    assert {(e.text, e.label_) for e in doc.ents} >= {("Russia", "GPE"), ("Beijing", "GPE")}


@pytest.mark.skipif(not transition.FAST_LOOP, reason="the compiled loop is not built")
def test_the_loop_gives_spacys_parses_and_entities(nlp) -> None:
    """The compiled loop and spaCy's own greedy_parse give the same parse of every sentence of
    real articles (the bundled Wikinews sample), in batches as the pipeline makes them, with
    empty and one-token Docs among them."""
    paragraphs = _sample_paragraphs(12)
    assert len(paragraphs) > 60
    docs = [nlp.make_doc(p) for p in paragraphs] + [nlp.make_doc(""), nlp.make_doc("Sanctions")]
    for name in ("tok2vec", "tagger"):
        docs = list(nlp.get_pipe(name).pipe(docs))

    def annotated(component, batch, states):
        copies = [doc.copy() for doc in batch]
        component.set_annotations(copies, states)
        return [[(t.head.i, t.dep_, t.ent_iob_, t.ent_type_, t.is_sent_start) for t in d] for d in copies]

    compared = 0
    for name in ("parser", "ner"):
        fast = nlp.get_pipe(name)
        spacy_own = fast.component
        for start in range(0, len(docs), 16):
            batch = docs[start : start + 16]
            ours = annotated(spacy_own, batch, fast.predict(batch))
            theirs = annotated(spacy_own, batch, spacy_own.predict(batch))
            assert ours == theirs
            compared += sum(len(d) for d in batch)
        assert fast.predict([nlp.make_doc("")])  # all empty: spaCy's own path, one state
    assert compared > 2 * 2000


@pytest.mark.skipif(not transition.FAST_LOOP, reason="the compiled loop is not built")
def test_pipe_keeps_order_and_reports_errors(nlp) -> None:
    """``pipe`` sorts each batch by length to parse it, as spaCy does, and yields the Docs in
    input order."""
    texts = ["Iran and Iraq signed a deal.", "Talks.", "The European Union imposed sanctions on Iran."]
    docs = [nlp.make_doc(t) for t in texts]
    docs = list(nlp.get_pipe("tagger").pipe(nlp.get_pipe("tok2vec").pipe(docs)))
    out = list(nlp.get_pipe("parser").pipe(docs, batch_size=8))
    assert [d.text for d in out] == texts and all(d.has_annotation("DEP") for d in out)

    # a failing batch goes to the component's error handler, which (spaCy's default, and the only
    # one a compiled parser takes) raises
    with pytest.raises(TypeError):
        list(nlp.get_pipe("parser").pipe([object()], batch_size=8))  # not a Doc


def test_without_the_loop_the_components_stay_spacys(monkeypatch) -> None:
    import spacy

    from realpolitik.nlp import MODEL_NAME

    monkeypatch.setattr(transition, "FAST_LOOP", False)
    stock = spacy.load(MODEL_NAME, disable=["lemmatizer", "attribute_ruler"])
    assert use_fast_loop(stock) == []
    assert not any(isinstance(c, GreedyTransitionComponent) for _, c in stock.pipeline)
