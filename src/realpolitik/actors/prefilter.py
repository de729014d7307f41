"""A cheap test of whether a sentence can mention an actor, before it is parsed.

Parsing is most of the cost of coding an article (issue 7), and most sentences of a news story
name no state, leader or organisation. This filter runs on tokenizer output only: a sentence is
kept when a token sequence is a gazetteer form (also inside hyphenated tokens, "U.S.-China"), or
when an earlier sentence was kept and this one has an anaphoric word ("they", "the two leaders")
that may point back to it. It errs on the side of keeping: the resolver decides what is a mention.
"""

from __future__ import annotations

import re

from realpolitik.actors.gazetteer import BLOCK, PERSON_ALIAS, PERSON_FULL, Entry, Gazetteer, norm
from realpolitik.actors.kb import KnowledgeBase

_SUBTOKEN = re.compile(r"[-/–—]")
# Words of anaphora.tsv phrases too common to signal a reference alone.
_WEAK = frozenset({"the", "two", "a", "of"})
# Rules of ambiguous.tsv under which the resolver reads spaCy's NER to accept a match.
_NER_RULES = frozenset({"needs_ner", "not_person"})
_HYPHEN_WORDS = frozenset({"-", "–", "—"})


class SentencePrefilter:
    def __init__(self, gazetteer: Gazetteer, kb: KnowledgeBase) -> None:
        self.gazetteer = gazetteer
        # Words before a name that make the resolver read the name's PERSON entity (titles), and
        # head nouns of organisations it codes from an ORG entity ("the X Council").
        self.title_words = frozenset(
            phrase.split()[-1].lower() for phrase in [*kb.sectors, *kb.honorifics] if phrase.split()
        )
        self.org_heads = frozenset(kb.org_words["head"])
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

    def names_and_ner(self, words: list[str]) -> tuple[set[int], set[int]]:
        """Indexes of the words inside gazetteer forms, in two sets: those the resolver reads the
        same whatever spaCy's NER says, and those whose reading depends on it (a "needs_ner" or
        "not_person" rule, an alias confirmed by a PERSON entity, a name with a capitalised
        neighbour...). Hyphenated compounds ("U.S.-backed") count as no name: only whole words."""
        normed = [norm(w) for w in words]
        plain: set[int] = set()
        dependent: set[int] = set()
        i = 0
        while i < len(normed):
            longest = self.gazetteer.first.get(normed[i])
            step = 1
            for k in range(min(longest or 0, len(normed) - i), 0, -1):
                entries = self.gazetteer.lookup(tuple(normed[i : i + k]))
                if entries:
                    same = self._reads_same(entries, words, i, i + k)
                    (plain if same else dependent).update(range(i, i + k))
                    step = k
                    break
            i += step
        return plain, dependent

    def _reads_same(self, entries: list[Entry], words: list[str], i: int, j: int) -> bool:
        rules = frozenset().union(*(e.rules for e in entries)) & _NER_RULES
        if "needs_ner" in rules or any(e.confirm for e in entries):  # confirm: a PERSON entity
            return False
        if any(e.kind == BLOCK for e in entries):
            # A name that is no actor ("Donald Trump Jr.", "Michael Jordan") yields no mention,
            # so a PERSON entity on it is an unknown person: one who stops a pronoun, or who
            # makes the title before it an actor ("the president's son, Donald Trump Jr.").
            return False
        if any(w.lower() in self.org_heads for w in words[i:j]):  # "the X Council": an ORG entity
            return False
        if i > 0 and words[i - 1].lower() in self.title_words:
            return False  # a title before a name is read with the name's entity ("official China Daily")
        if "not_person" in rules or any(e.kind in (PERSON_FULL, PERSON_ALIAS) for e in entries):
            # The resolver's NER vetoes ("Chad Johnson", "Putin-Trump") need a PERSON entity
            # that runs on into a neighbouring word, also across a hyphen: only a capitalised
            # neighbour can be one.
            before = i - 2 if i >= 2 and words[i - 1] in _HYPHEN_WORDS else i - 1
            after = j + 1 if j + 1 < len(words) and words[j] in _HYPHEN_WORDS else j
            for n in (before, after):
                if 0 <= n < len(words) and any(c.isupper() for c in words[n]):
                    return False
        return True

    def may_refer_back(self, words: list[str]) -> bool:
        """Does a word of an anaphoric expression ("they", "his", "the two leaders") occur?"""
        return any(w.lower() in self.anaphoric for w in words)
