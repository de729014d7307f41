"""Polarity, modality and attribution of an event trigger, read off the dependency tree.

Cue words are data (``data/modality_cues.tsv``); speech verbs come from the lexicon's ``speech`` frame.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from realpolitik.errors import InputError
from realpolitik.events.cameo import _data_path, _read_tsv
from realpolitik.events.syntax import SUBJ, children_of, clause_aux, subtree_text

if TYPE_CHECKING:
    from spacy.tokens import Token

from realpolitik.models import Modality, Polarity

KINDS = frozenset(
    {
        "intent_aux",
        "would",
        "hypo_aux",
        "demand_modal",
        "appeal_modal",
        "negation",
        "condition",
        "hypo_mod",
        "intent_mod",
    }
)


@lru_cache(maxsize=1)
def cues() -> dict[str, str]:
    path = _data_path("modality_cues.tsv")
    table: dict[str, str] = {}
    for lineno, row in _read_tsv("modality_cues.tsv"):
        if row["kind"] not in KINDS:
            raise InputError(path, f"unknown cue kind {row['kind']!r}", lineno)
        table[row["word"].lower()] = row["kind"]
    return table


def cue(tok: Token) -> str | None:
    table = cues()
    return table.get(tok.lower_) or table.get(tok.lemma_.lower())


def is_negated(tok: Token) -> bool:
    """A negator on the word itself: "did not attend", "never met", "no talks"."""
    for c in children_of(tok):
        if c.dep_ == "neg" or (c.dep_ in ("det", "advmod", "preconj") and cue(c) == "negation"):
            return True
    return False


def polarity_of(tok: Token) -> Polarity:
    return "negated" if is_negated(tok) else "asserted"


def in_reported_speech(tok: Token, speech_lemmas: frozenset[str]) -> bool:
    """Inside the complement of a speech verb ("said it would ...")."""
    cur = tok
    for _ in range(40):
        if cur.head.i == cur.i:
            return False
        if cur.dep_ in ("ccomp", "parataxis") and cur.head.lemma_.lower() in speech_lemmas:
            return True
        cur = cur.head
    return False


def conditional(tok: Token) -> bool:
    """The word or a clause above it is introduced by "if", "unless", "whether"."""
    cur = tok
    for _ in range(40):
        if any(c.dep_ == "mark" and cue(c) == "condition" for c in children_of(cur)):
            return True
        if cur.head.i == cur.i:
            return False
        cur = cur.head
    return False


def modality_of(tok: Token, speech_lemmas: frozenset[str]) -> Modality:
    """The modality the grammar of the trigger's own clause gives it (frames are applied by the coder)."""
    if tok.pos_ in ("NOUN", "PROPN"):
        for c in children_of(tok):
            if c.dep_ in ("amod", "compound"):
                kind = cue(c)
                if kind == "hypo_mod":
                    return "hypothetical"
                if kind == "intent_mod":
                    return "intended"
        return "hypothetical" if conditional(tok) else "actual"
    modality: Modality = "actual"
    for aux in clause_aux(tok):
        kind = cue(aux)
        if kind == "intent_aux":
            modality = "intended"
        elif kind == "would":
            modality = "intended" if in_reported_speech(tok, speech_lemmas) else "hypothetical"
        elif kind in ("hypo_aux", "appeal_modal"):  # "could attack", "should have continued"
            modality = "hypothetical"
    if modality == "actual" and tok.dep_ == "xcomp" and tok.head.lemma_ == "go" and tok.head.tag_ == "VBG":
        modality = "intended"  # "is going to visit"
    if conditional(tok):
        modality = "hypothetical"
    return modality


def clause_modal(verb: Token) -> str | None:
    """demand_modal / appeal_modal when the clause says "X must V" / "X should V"."""
    for aux in clause_aux(verb):
        kind = cue(aux)
        if kind in ("demand_modal", "appeal_modal"):
            return kind
    # "X has to V" (an obligation: a demand), "X needs to V" (a necessity: an appeal, as the CAMEO
    # codebook's example of 0242 "appeal for policy change" reads it): asked about V (the xcomp) or about
    # the have/need verb itself. "X would need to V" is a prediction, no directive.
    governor = None
    if (
        verb.dep_ == "xcomp"
        and verb.head.lemma_ in ("have", "need")
        and any(c.dep_ in SUBJ for c in children_of(verb.head))
    ):
        governor = verb.head
    elif (
        verb.lemma_ in ("have", "need")
        and any(c.dep_ in SUBJ for c in children_of(verb))
        and any(c.dep_ == "xcomp" for c in children_of(verb))
    ):
        governor = verb
    if governor is None:
        return None
    if governor.lemma_ == "need":
        if any(cue(a) in ("would", "hypo_aux") for a in clause_aux(governor)):
            return None
        return "appeal_modal"
    return "demand_modal"


def attribution_of(tok: Token, speech_lemmas: frozenset[str], sentence_tokens: list[Token]) -> str | None:
    """Who the sentence attributes the event to: the sayer of a speech verb above it, or "according to X"."""
    cur = tok
    for _ in range(40):
        if cur.head.i == cur.i:
            break
        rel, head = cur.dep_, cur.head
        if rel in ("ccomp", "parataxis", "advcl", "conj") and head.lemma_.lower() in speech_lemmas:
            subj = [c for c in children_of(head) if c.dep_ in SUBJ]
            if subj:
                return subtree_text(subj[0])
        cur = head
    for t in sentence_tokens:
        if t.lower_ == "according":
            for p in children_of(t):
                if p.dep_ == "prep" and p.lower_ == "to":
                    for o in children_of(p):
                        if o.dep_ == "pobj":
                            return subtree_text(o)
    return None
