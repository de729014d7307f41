"""A cheap test of whether a sentence can hold an event trigger, before it is parsed.

The coder triggers only on the lemmas of its lexicon (``lexicon.known_lemmas``). Without a parse
there are no lemmas, so each word is mapped to the lemmas it could have: itself, the regular
English inflections stripped (-s, -es, -ies, -ed, -d, -ing, doubled consonants), and spaCy's own
table of irregular forms (met -> meet, told -> tell). It over-generates on purpose: a false
"maybe" costs one parse, a false "no" costs an event.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from realpolitik.events.lexicon import known_lemmas


def _regular_stems(word: str) -> Iterable[str]:
    yield word
    for suffix, repl in (
        ("ies", "y"),
        ("es", ""),
        ("s", ""),
        ("ied", "y"),
        ("ed", ""),
        ("ed", "e"),
        ("d", ""),
        ("ing", ""),
        ("ing", "e"),
    ):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            stem = word[: -len(suffix)] + repl
            yield stem
            # doubled final consonant: "stopped" -> "stopp" -> "stop"
            if not repl and len(stem) > 2 and stem[-1] == stem[-2]:
                yield stem[:-1]


@lru_cache(maxsize=1)
def _irregular() -> dict[str, frozenset[str]]:
    """Irregular forms -> lemmas, from the pinned spaCy model's lemmatizer exceptions."""
    from realpolitik.nlp import load_nlp

    table: dict[str, set[str]] = {}
    lookups = load_nlp().get_pipe("lemmatizer").lookups
    if "lemma_exc" in lookups.tables:
        exc = lookups.get_table("lemma_exc")
        for pos in ("verb", "noun", "adj"):
            for form, lemmas in (exc.get(pos) or {}).items():
                table.setdefault(form, set()).update(lemmas)
    return {form: frozenset(lemmas) for form, lemmas in table.items()}


class TriggerFilter:
    def __init__(self) -> None:
        self.lemmas = frozenset(known_lemmas())
        self.irregular = _irregular()
        self._cache: dict[str, bool] = {}

    def word_may_trigger(self, word: str) -> bool:
        w = word.lower()
        hit = self._cache.get(w)
        if hit is None:
            hit = any(s in self.lemmas for s in _regular_stems(w)) or bool(
                self.irregular.get(w, frozenset()) & self.lemmas
            )
            self._cache[w] = hit
        return hit

    def lemmas_of(self, word: str) -> set[str]:
        """The lemmas of the set this word may have, by these rules."""
        w = word.lower()
        return ({*_regular_stems(w)} | self.irregular.get(w, frozenset())) & self.lemmas

    def __call__(self, words: Iterable[str]) -> bool:
        return any(self.word_may_trigger(w) for w in words)
