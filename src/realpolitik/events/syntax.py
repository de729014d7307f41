"""Dependency-tree helpers for the event coder: argument heads, noun-phrase actors, subjects.

All functions take spaCy tokens of one sentence and stay inside it. The labels are those of
spaCy's English models (ClearNLP style: nsubj, dobj, pobj, xcomp, ccomp, relcl, acl, agent...).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

SUBJ = frozenset({"nsubj", "csubj"})
PASS_SUBJ = frozenset({"nsubjpass", "csubjpass"})
OBJ = frozenset({"dobj"})
DATIVE = frozenset({"dative", "iobj"})
CLAUSAL = frozenset({"relcl", "acl", "ccomp", "xcomp", "advcl", "csubj", "parataxis", "pcomp"})
# Dependents that belong to a noun phrase's own words (not its prepositional or clausal complements).
NP_CORE = frozenset(
    {
        "compound",
        "amod",
        "poss",
        "nmod",
        "appos",
        "conj",
        "cc",
        "nummod",
        "quantmod",
        "det",
        "predet",
        "preconj",
        "case",
        "punct",
        "npadvmod",
        "advmod",
        "prt",
        "dep",
        "neg",
    }
)
# Modifiers of an event noun that name who acts: "U.S. sanctions", "Trump's decision".
NOUN_SOURCE_MODS = frozenset({"poss", "compound", "amod", "nmod"})
REL_PRONOUNS = frozenset({"which", "who", "that", "whom", "whose"})
PERSONAL_PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "him", "her", "them", "us"})
# Where to look for an actor when a noun phrase's own words name none, best first.
TARGET_DESCENT = (
    "of",
    "against",
    "on",
    "to",
    "with",
    "for",
    "from",
    "by",
    "toward",
    "towards",
    "into",
    "between",
    "among",
)
# ("in X" and "near X" are places, not targets: the coder uses them only as a last resort for violence)
SOURCE_DESCENT = ("of", "from", "by", "in")  # "Security forces in Guinea", not "X operating in Y"


class _ChildrenCache(threading.local):
    """The children of the tokens of the Doc being coded in this thread (see cached_children):
    per thread, as the REST API may code articles in several threads at once."""

    def __init__(self) -> None:  # run once in each thread that uses it
        self.doc: Doc | None = None
        self.children: dict[int, list[Token]] = {}


_CACHE = _ChildrenCache()


@contextmanager
def cached_children(doc: Doc) -> Iterator[None]:
    """While in this block, :func:`children_of` keeps the children of ``doc``'s tokens.

    ``Token.children`` scans the token's whole subtree span and makes a new Token object for each
    child at every call, and the coder asks the same few words (a trigger, its clause's root, the
    verbs above it) for their children many times per sentence. The Doc must not change meanwhile."""
    cache = _CACHE
    saved = cache.doc, cache.children
    cache.doc, cache.children = doc, {}
    try:
        yield
    finally:
        cache.doc, cache.children = saved


def children_of(tok: Token) -> Iterable[Token]:
    """``tok.children`` (in the same order), from the cache when ``tok``'s Doc is being coded."""
    cache = _CACHE
    if tok.doc is not cache.doc:
        return tok.children
    kids = cache.children.get(tok.i)
    if kids is None:
        kids = cache.children[tok.i] = list(tok.children)
    return kids


def children(tok: Token, deps: Iterable[str]) -> list[Token]:
    deps = frozenset(deps)
    return [c for c in children_of(tok) if c.dep_ in deps]


def conjuncts(tok: Token) -> list[Token]:
    """The token and the words coordinated with it ("China and Russia" -> both)."""
    out = [tok]
    for c in children_of(tok):
        if c.dep_ == "conj":
            out.extend(conjuncts(c))
    return out


def direct_objects(verb: Token) -> list[Token]:
    """Direct objects of a verb, including the object of a quantity phrase ("kidnapped up to 16 advisers")."""
    out = [c for c in children_of(verb) if c.dep_ in OBJ]
    for c in children_of(verb):
        if c.dep_ == "prt" and c.lower_ == "up":
            # "up to" may hang under the particle or beside it; only a counted phrase is an object
            # ("up to 16 advisers", not "handed it up to the court")
            for p in [*children_of(c), *children_of(verb)]:
                if p.dep_ == "prep" and p.lower_ == "to":
                    out += [
                        o
                        for o in children_of(p)
                        if o.dep_ == "pobj"
                        and (p.head.i == c.i or any(n.dep_ in ("nummod", "quantmod") for n in children_of(o)))
                    ]
    return out


def is_passive(verb: Token) -> bool:
    return any(c.dep_ in PASS_SUBJ or c.dep_ == "auxpass" for c in children_of(verb))


def np_core(head: Token, *, with_appos: bool = True) -> set[int]:
    """Token indices of a noun phrase's own words: the head, its modifiers and conjuncts.

    Prepositional phrases, relative clauses and other clauses are not part of the core: in
    "Russia's ties with Sudan" the core is "Russia's ties".
    """
    seen: set[int] = set()
    stack = [head]
    while stack:
        tok = stack.pop()
        if tok.i in seen:
            continue
        seen.add(tok.i)
        for c in children_of(tok):
            if c.dep_ in NP_CORE and (with_appos or c.dep_ != "appos"):
                stack.append(c)
    return seen


def preps_of(tok: Token, lemmas: Iterable[str] | None = None) -> Iterator[tuple[Token, Token]]:
    """(preposition, its object) pairs attached to a token; phrasal chains ("out of") included."""
    wanted = None if lemmas is None else set(lemmas)
    for c in children_of(tok):
        if c.dep_ in ("prep", "agent", "dative") and c.pos_ in ("ADP", "SCONJ", "ADV", "PART"):
            name = c.lower_
            objs = [g for g in children_of(c) if g.dep_ in ("pobj", "pcomp")]
            if wanted is None or name in wanted:
                for o in objs:
                    yield c, o
            # "pull out of X": out -> of -> X ; "according to"
            for g in children_of(c):
                if g.dep_ == "prep" and (wanted is None or g.lower_ in wanted):
                    for o in children_of(g):
                        if o.dep_ in ("pobj", "pcomp"):
                            yield g, o
        elif c.dep_ == "prt":
            for g in children_of(c):
                if g.dep_ == "prep" and (wanted is None or g.lower_ in wanted):
                    for o in children_of(g):
                        if o.dep_ in ("pobj", "pcomp"):
                            yield g, o


# Result adjectives that make a verb phrase of their own ("set free", "let loose").
RESULTATIVES = frozenset({"free", "loose"})


def particles(tok: Token) -> set[str]:
    """Particles and adverbial prepositions of a verb: "out" in "pull out", "off" in "cut off"."""
    out = set()
    for c in children_of(tok):
        if c.dep_ == "prt" or (
            c.dep_ in ("prep", "advmod")
            and c.lower_ in ("out", "off", "down", "up", "over", "back", "on", "upon", "with")
        ):
            out.add(c.lower_)
        elif (
            c.pos_ in ("ADJ", "VERB")  # "let free X" is tagged as if "free" were a verb
            and c.lower_ in RESULTATIVES
            and c.dep_ in ("oprd", "ccomp", "xcomp", "acomp", "advmod")
        ):
            # "let X free", "set X free": the parser hangs the result adjective anywhere near the verb
            out.add(c.lower_)
    return out


def depth(tok: Token) -> int:
    d = 0
    while tok.head.i != tok.i and d < 200:
        tok = tok.head
        d += 1
    return d


def clause_aux(verb: Token) -> list[Token]:
    """Auxiliaries of a verb; conjoined verbs share those of the first conjunct ("will visit X, meet Y")."""
    aux = [c for c in children_of(verb) if c.dep_ in ("aux", "auxpass")]
    if not any(a.tag_ == "MD" for a in aux) and verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        aux += [c for c in children_of(verb.head) if c.dep_ == "aux" and c.tag_ == "MD"]
    return aux


def subtree_text(tok: Token, limit: int = 80) -> str:
    """The text of a token's subtree without its clauses, cut to a readable length."""
    keep = sorted(np_core(tok) | {tok.i})
    doc = tok.doc
    start, end = keep[0], keep[-1]
    text = doc[start : end + 1].text.strip(" ,;:")
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text
