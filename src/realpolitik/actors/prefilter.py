"""A cheap test of whether a sentence can mention an actor, before it is parsed.

Parsing is most of the cost of coding an article (issue 7), and most sentences of a news story
name no state, leader or organisation. This filter runs on tokenizer output only: a sentence is
kept when a token sequence is a gazetteer form (also inside hyphenated tokens, "U.S.-China"), or
when an earlier sentence was kept and this one has an anaphoric word ("they", "the two leaders")
that may point back to it. It errs on the side of keeping: the resolver decides what is a mention.
"""

from __future__ import annotations

import re

from realpolitik.actors.gazetteer import Gazetteer, norm
from realpolitik.actors.kb import KnowledgeBase

_SUBTOKEN = re.compile(r"[-/–—]")
# Words of anaphora.tsv phrases too common to signal a reference alone.
_WEAK = frozenset({"the", "two", "a", "of"})


class SentencePrefilter:
    def __init__(self, gazetteer: Gazetteer, kb: KnowledgeBase) -> None:
        self.gazetteer = gazetteer
        words: set[str] = set()
        for phrase in kb.anaphora:
            words.update(w for w in phrase.lower().split() if w not in _WEAK)
        self.anaphoric = frozenset(words)

    def _forms_at(self, words: list[str], i: int) -> bool:
        longest = self.gazetteer.first.get(words[i])
        if not longest:
            return False
        for k in range(min(longest, len(words) - i), 0, -1):
            if self.gazetteer.lookup(tuple(words[i : i + k])):
                return True
        return False

    def names_actor(self, words: list[str]) -> bool:
        """Does a gazetteer form (state, capital, leader, organisation...) occur in the words?"""
        normed = [norm(w) for w in words]
        for i, w in enumerate(normed):
            if self._forms_at(normed, i):
                return True
            if _SUBTOKEN.search(w):
                parts = [p for p in _SUBTOKEN.split(w) if p]
                if any(self._forms_at(parts, j) for j in range(len(parts))):
                    return True
        return False

    def may_refer_back(self, words: list[str]) -> bool:
        """Does a word of an anaphoric expression ("they", "his", "the two leaders") occur?"""
        return any(w.lower() in self.anaphoric for w in words)
