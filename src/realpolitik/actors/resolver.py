"""Find who acts in a parsed article and code each mention with a CAMEO actor code.

Pipeline per sentence (all tables come from ``data/``):

1. **Gazetteer** — longest match first over the sentence's tokens (states, short forms, demonyms,
   capitals, seats of power, organisations, leaders, blocked phrases). Ambiguous forms ("Georgia",
   "Jordan", "Chad", "US") carry rules: spaCy NER must not call them PERSON, the neighbours must not
   be a first name or surname, US-state cues in the article veto "Georgia"/"Washington".
   Tokens such as "U.S.-China" that the tokenizer keeps whole are split on hyphens and slashes,
   giving one mention per country with its own character span inside the token.
2. **People** — a leader's name absorbs the titles and the country in front of it, so
   "Russia's President Vladimir Putin" is ONE person mention covering the whole phrase (RUSGOV).
   The code is time-aware: in office at the article date -> the office's code (``USAGOV``);
   out of office -> the nationality (``USA``, kind person); no date -> the most recent office.
   An unknown name after a country and a title ("Portuguese President Mario Soares") is coded from
   the title.
3. **Sectors** — a state mention that modifies an actor noun takes that noun's sector and its span
   grows to the noun: "the Chinese foreign ministry" -> "Chinese foreign ministry" CHNGOV,
   "Russian forces" -> RUSMIL, "Iran's foreign ministry" -> IRNGOV, "the government of China" ->
   CHNGOV. Coordinated modifiers share the noun but keep their own spans:
   "Chinese and Russian leaders" -> "Chinese" CHNGOV + "Russian" RUSGOV. Other nouns leave the plain
   country code on the country word alone: "U.S. sanctions" -> "U.S." USA.
4. **Anaphora** — pronouns and group nouns ("they", "he", "the two leaders", "the countries",
   "neither country") get one mention per referent on the same span, ``via="anaphora"`` and a lower
   confidence. Plural pronouns prefer a coordinated group that was a subject; group nouns that are
   not subjects prefer the most recent group; "the two leaders" picks the two most salient people
   of the recent sentences.

5. **Regions and peoples** — "Europe", "the West", "the Middle East" (CAMEO region codes EUR, WST,
   MEA) and ethnic/religious groups ("the Kurds" KUR, "Shiites" SHI) are actors with country None,
   found by the gazetteer like states and taking a sector the same way ("European leaders" EURGOV,
   "Kurdish fighters" KURREB). Adjectives ("Western", "Kurdish") count only before an actor noun.
6. **Unnamed actors** — a noun that names an actor with no country ("police", "the rebels",
   "protesters", "gunmen", "a rebel group") gets the bare CAMEO sector code (COP, REB, CVL, UAF)
   and country None, ``via="sector"``, kind ``sector``; "in <country>" after the noun gives the
   country ("police in Kenya" KENCOP). A title before a name the knowledge base does not know
   ("Prime Minister <unknown name>") is a person with the title's sector and no country.
   Found last, on tokens no other mention or anaphor covers, and never where the noun already has
   an actor word in front of it or an "of" phrase ("Iraqi and Kurdish officials",
   "officials of both countries"). They take no part in anaphora resolution.

To find the actors of a clause argument, take the mentions whose tokens lie in the argument's
subtree: spans are kept minimal when a noun is shared ("Chinese and Russian leaders").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from realpolitik.actors.gazetteer import (
    BLOCK,
    ETHNIC,
    NORMED_CHARACTERS,
    ORG,
    PERSON_ALIAS,
    PERSON_FULL,
    REGION,
    STATE,
    Entry,
    Gazetteer,
    norm,
)
from realpolitik.actors.kb import KnowledgeBase, Person, SectorRule, UnnamedRule
from realpolitik.models import Actor, Mention

if TYPE_CHECKING:
    from spacy.strings import StringStore
    from spacy.tokens import Doc, Span, Token

    from realpolitik.nlp import ParsedText, Sentence

_NER_PLACE = frozenset({"GPE", "NORP", "ORG", "LOC", "FAC"})
_MODIFIER_DEPS = frozenset({"amod", "compound", "poss", "nmod", "nn"})
_NP_MODIFIER_DEPS = _MODIFIER_DEPS | {"case"}  # dependents that lead up to their noun (_np_head_at)
_PLAIN_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
_PLURAL_TAGS = frozenset({"NNS", "NNPS", "CD"})  # plural subjects (_note_unknown_persons)
_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "agent", "expl"})
_NOUNS = frozenset({"NOUN", "PROPN"})
# "pro-Russian separatists", "anti-ISIS coalition", "U.S.-based firm": not the country acting.
_PREFIX_VETO = frozenset({"pro", "anti", "non", "ex", "post", "pre", "neo", "mid", "trans", "inter"})
_SUFFIX_VETO = frozenset(
    {"based", "born", "made", "built", "speaking", "style", "educated", "trained", "listed"}
)
_HYPHENS = ("-", "\u2013", "\u2014", "/")
_POSSESSIVE = frozenset({"'s", "'"})
_GROUPS = (REGION, ETHNIC)
# Tokens that may stand between coordinated mentions ("China and Russia", "U.S.-China").
_LIST_SEPARATORS = frozenset({",", "and", "or", "&", "-", "\u2013", "/"})
_NOUN_MODIFIER_DEPS = frozenset({"compound", "amod", "nmod"})
# Participles that place a group ("a militia based in Mali", "troops stationed in Kosovo").
_LOCATING_VERBS = frozenset({"base", "station", "locate", "headquarter", "deploy"})
CONF_UNNAMED = 0.7
CONF_UNNAMED_PERSON = 0.75
CONF_NAMED_ORG = 0.6  # an organisation known only by its name's head noun
CONF_TYPO = 0.5  # a country name with one typing error
_TYPO_MIN = 6  # shorter names are too close to other words for a one-edit match
# Nouns for people who back an actor without being it: "supporters of X" are civilians, not X.
_FOLLOWERS = frozenset({"supporters", "followers", "sympathisers", "sympathizers"})
# Words before a title that put its holder out of office ("former President X": CAMEO ELI).
_OUT_OF_OFFICE = frozenset({"former", "ex", "ex-", "ousted", "deposed", "toppled"})

CONF_PRONOUN = 0.55
CONF_GROUP = 0.65
MAX_PRONOUN_GROUP = 4


@dataclass
class _Match:
    start: int  # token index in the paragraph Doc
    end: int
    entries: list[Entry]
    char_span: tuple[int, int] | None = None  # document offsets, for a match inside one token
    absorbed: bool = False

    @property
    def entry(self) -> Entry:
        return self.entries[0]


@dataclass
class _Found:
    """A mention with what anaphora resolution needs to know about it."""

    mention: Mention
    anchor: int  # token index of the word that names the actor
    plural: bool = False
    group: int | None = None  # coordination group id within the sentence


@dataclass
class _Item:
    """A candidate antecedent: one actor or a coordinated group."""

    sentence: int
    order: int  # document character offset
    actors: list[Actor]
    group: bool
    subject: bool
    plural: bool
    gender: str = ""


@dataclass
class _DocState:
    text: str
    date: date | None
    items: list[_Item] = field(default_factory=list)
    salience: Counter[str] = field(default_factory=Counter)
    vetoed_forms: frozenset[str] = frozenset()
    unknown_persons: list[int] = field(default_factory=list)
    plural_subjects: list[int] = field(default_factory=list)  # plural subjects that are no actor
    seen_persons: set[str] = field(default_factory=set)


# Token attributes read in one Doc.to_array call (see _Tokens). HEAD is the offset of the head
# from the token. Only attributes whose values are small ints: Python ints for the 64-bit hashes
# of TAG or LOWER would cost more to make than the lists save.
_TOKEN_ATTRS = ["IDX", "LENGTH", "POS", "DEP", "ENT_TYPE", "HEAD"]


_UINT64 = (1 << 64) - 1


class _Labels(dict[int, str]):
    """Strings of POS, DEP and ENT_TYPE ids (a few hundred labels), filled from the vocab on first
    use. The ids are read as int64: a hash of 2**63 or more comes as a negative number."""

    def __init__(self, strings: StringStore) -> None:
        super().__init__()
        self.strings = strings

    def __missing__(self, key: int) -> str:
        value = self[key] = self.strings[key & _UINT64]
        return value


@dataclass
class _Tokens:
    """Per-token attributes of one Doc, as plain lists indexed by token.

    ``doc[i]`` builds a new Token object on every call (most of the resolver's time went there):
    the scans over every token read these lists instead, built once per Doc. Each holds what the
    Token attribute gives: ``texts`` ``text``, ``lower`` ``lower_``, ``pos`` ``pos_``, ``dep``
    ``dep_``, ``ent`` ``ent_type_``, ``head`` ``head.i``.
    """

    texts: list[str]
    words: list[str]  # norm(text): what the gazetteer compares
    low: list[str]  # norm(text).lower(): what the phrase tables (anaphora, unnamed) compare
    lower: list[str]
    pos: list[str]
    dep: list[str]
    ent: list[str]
    head: list[int]
    compounds: frozenset[int]  # tokens in which _subtoken may find a mention ("U.S.-China")


def _span_mention(
    parsed: ParsedText, sent: Sentence, start: int, end: int, actor: Actor, via: str, confidence: float
) -> Mention:
    """The mention of ``actor`` by tokens [start, end) of ``sent``, with document offsets."""
    cs, ce = parsed.char_span(sent, start, end)
    return Mention(
        text=parsed.text[cs:ce],
        start=cs,
        end=ce,
        sentence_index=sent.index,
        token_start=start,
        token_end=end,
        actor=actor,
        via=via,
        confidence=confidence,
    )


class ActorResolver:
    """Resolve actor mentions in parsed text. Build once, reuse: tables and lookups are precomputed."""

    def __init__(self, kb: KnowledgeBase | None = None, unnamed: bool = True) -> None:
        """``unnamed=False`` leaves out the country-less sector mentions ("police", "the rebels")."""
        from realpolitik.nlp import load_nlp

        self.kb = kb or KnowledgeBase.load()
        self.unnamed = unnamed
        self._unnamed_max = max((len(p.split()) for p in self.kb.unnamed), default=1)
        tokenizer = load_nlp().tokenizer
        self.gazetteer = Gazetteer(self.kb, lambda s: [norm(t.text) for t in tokenizer(s)])
        # Titles and sector nouns that may stand in front of a name ("Foreign Minister", "Sheikh").
        titles: set[tuple[str, ...]] = set()
        for phrase in list(self.kb.sectors) + list(self.kb.honorifics):
            titles.add(tuple(norm(t.text).lower() for t in tokenizer(phrase)))
        self._titles = titles
        self._title_max = max(len(t) for t in titles)
        self._anaphora: dict[tuple[str, ...], tuple[str, str]] = {
            tuple(p.split()): v for p, v in self.kb.anaphora.items()
        }
        self._anaphora_first: dict[str, int] = {}
        for k in self._anaphora:
            self._anaphora_first[k[0]] = max(self._anaphora_first.get(k[0], 0), len(k))
        self._us_words = re.compile(
            r"(?<![\w.])(?:" + "|".join(re.escape(w) for w in self.kb.us_state_words) + r")(?![\w])"
        )
        # Country names of one word and >= 6 letters, by first letter, for the misspelling fallback.
        self._typo_names: dict[str, list[tuple[str, str]]] = {}
        for c in self.kb.countries.values():
            for form in {c.name, *c.forms}:
                if form.isalpha() and len(form) >= _TYPO_MIN and form[0].isupper():
                    self._typo_names.setdefault(form[0], []).append((form, c.iso3))
        self._name_words: dict[str, frozenset[str]] = {
            p.key: frozenset(
                w for n in (p.name, *p.aliases) for w in n.lstrip("~").replace(".", ". ").split()
            )
            for p in self.kb.persons.values()
        }
        # _gender's answer by name: the first person of that name, as a scan of kb.persons finds.
        self._genders: dict[str, str] = {}
        for p in self.kb.persons.values():
            self._genders.setdefault(p.name, p.gender)
        # Last words of the unnamed.tsv phrases: a token that ends none starts no lookup.
        self._unnamed_last = frozenset(p.rsplit(" ", 1)[-1] for p in self.kb.unnamed)
        self._holders: dict[tuple[str, str, date | None], Person | None] = {}
        self._labels: _Labels | None = None  # made for the first Doc's vocab by _tokens

    # ================================================================== public
    def resolve(self, parsed: ParsedText, article_date: date | None = None) -> list[Mention]:
        """All actor mentions of a parsed document, sorted by (start, end)."""
        state = _DocState(
            text=parsed.text, date=article_date, vetoed_forms=self._us_state_vetoes(parsed.text)
        )
        tokens_cache: dict[int, _Tokens] = {}
        out: list[Mention] = []
        for sent in parsed.sentences:
            doc = sent.span.doc
            tk = tokens_cache.get(id(doc))
            if tk is None:
                tk = tokens_cache[id(doc)] = self._tokens(doc, parsed.paragraphs[sent.paragraph_index].text)
            # Span.ents filters the Doc's entities anew on each call: read them once per sentence.
            ents = list(sent.span.ents)
            found = self._sentence(parsed, sent, tk, state)
            if self.unnamed:
                found = self._named_orgs(parsed, sent, tk, ents, found)
            found += self._misspelt(parsed, sent, tk, found)
            anaphora = self._anaphora_in(parsed, sent, tk, ents, found, state)
            out.extend(f.mention for f in found)
            out.extend(anaphora)
            if self.unnamed:
                out.extend(self._unnamed_in(parsed, sent, tk, ents, [f.mention for f in found] + anaphora))
        out.sort(key=lambda m: (m.start, m.end))
        return out

    def _tokens(self, doc: Doc, text: str) -> _Tokens:
        """The token attributes of a Doc whose text is ``text``, without a Token object per token."""
        arr = doc.to_array(_TOKEN_ATTRS)
        if not len(arr):
            return _Tokens([], [], [], [], [], [], [], [], frozenset())
        # to_array gives uint64, where a negative HEAD offset has wrapped around: read as int64
        # it is itself again (and a label hash of 2**63 or more is negative: _Labels knows).
        idx, length, pos, dep, ent, head = arr.view(np.int64).T.tolist()
        labels = self._labels
        if labels is None or labels.strings is not doc.vocab.strings:
            labels = self._labels = _Labels(doc.vocab.strings)
        texts = [text[a : a + n] for a, n in zip(idx, length, strict=True)]
        lo, hi = idx[0], idx[-1] + length[-1]
        seg = text[lo:hi]
        if any(c in seg for c in NORMED_CHARACTERS):
            # norm() replaces characters one for one: its result for the Doc's text, sliced,
            # gives each token's (unless a replacement is ever made longer or shorter).
            normed = norm(seg)
            if len(normed) == len(seg):
                words = [normed[a - lo : a - lo + n] for a, n in zip(idx, length, strict=True)]
            else:
                words = [norm(t) for t in texts]
            low = [w.lower() for w in words]
            lower = [t.lower() for t in texts]
        else:
            words = texts  # norm() changes nothing
            # spaCy's LOWER is str.lower() of the text, here the same as low
            lower = low = [w.lower() for w in words]
        if "-" in seg or "/" in seg or "\u2013" in seg or "\u2014" in seg:
            compounds = frozenset(i for i, w in enumerate(words) if _compound(w))
        else:
            compounds = frozenset()  # no token has a hyphen or a slash (_HYPHENS)
        return _Tokens(
            texts=texts,
            words=words,
            low=low,
            lower=lower,
            pos=[labels[h] for h in pos],
            dep=[labels[h] for h in dep],
            ent=[labels[h] for h in ent],
            head=[i + h for i, h in enumerate(head)],
            compounds=compounds,
        )

    # ================================================================== sentences
    def _sentence(self, parsed: ParsedText, sent: Sentence, tk: _Tokens, state: _DocState) -> list[_Found]:
        doc = sent.span.doc
        words = tk.words
        s0, s1 = sent.span.start, sent.span.end
        matches = self._scan(tk, doc, s0, s1, state)
        found: list[_Found] = []
        ends: dict[int, _Match] = {
            m.end: m for m in matches if m.char_span is None and m.entry.kind in (STATE, ORG)
        }
        for m in matches:
            if m.entry.kind in (PERSON_FULL, PERSON_ALIAS):
                f = self._person(parsed, sent, doc, words, m, ends, state)
                if f is not None:
                    found.append(f)
        for m in matches:
            if m.absorbed:
                continue
            if m.entry.kind == STATE:
                found.append(self._state(parsed, sent, tk, doc, m, state))
            elif m.entry.kind == ORG:
                actor = self.kb.org_actor(m.entry.target, state.date)
                if actor is not None:
                    found.append(self._found(parsed, sent, m.start, m.end, actor, m, m.end - 1))
            elif m.entry.kind in _GROUPS:
                f = self._group(parsed, sent, tk, doc, m)
                if f is not None:
                    found.append(f)
        # A people named after a state's demonym ("Kurds" in "Iraqi Kurds") is that state's
        # mention, not a second actor. ("Kurd refugees" in "Turkish Kurd refugees" stays beside
        # TURREF: the event coder may need the group to tell the refugees from the state.)
        peoples = [
            (f.mention.token_start, f.mention.token_end)
            for f in found
            if f.mention.actor.kind == "state" and f.mention.actor.sector is None
        ]
        found = [
            f
            for f in found
            if f.mention.via not in ("region", "ethnic")
            or not any(a < f.mention.token_start and f.mention.token_end <= b for a, b in peoples)
        ]
        found.sort(key=lambda f: (f.mention.start, f.mention.end))
        self._groups(tk, found)
        return found

    def _scan(self, tk: _Tokens, doc: Doc, s0: int, s1: int, state: _DocState) -> list[_Match]:
        """Longest-first gazetteer matches over tokens [s0, s1); vetoed matches fall back to shorter ones."""
        gaz = self.gazetteer
        words = tk.words
        out: list[_Match] = []
        first = gaz.first
        compounds = tk.compounds
        free = s0  # the first token after the last match
        # Left to right, a match's tokens skipped. Most tokens start no form and are no compound
        # (_subtoken finds nothing in them): only the others are looked at.
        if compounds:
            candidates = [k for k in range(s0, s1) if words[k] in first or k in compounds]
        else:
            candidates = [k for k in range(s0, s1) if words[k] in first]
        for i in candidates:
            if i < free:
                continue
            step = 0
            for length in range(min(first.get(words[i], 0), s1 - i), 0, -1):
                entries = gaz.lookup(tuple(words[i : i + length]))
                if not entries:
                    continue
                accepted = self._accept(doc, words, i, i + length, s0, s1, entries, state)
                if accepted is None:
                    continue
                if accepted[0].kind != BLOCK:
                    out.append(_Match(i, i + length, accepted))
                step = length
                break
            if step:
                free = i + step
            elif i in compounds:
                out.extend(self._subtoken(doc, words, i, state))
        return out

    def _subtoken(self, doc: Doc, words: list[str], i: int, state: _DocState) -> list[_Match]:
        """Mentions inside one token: "U.S.-China" -> U.S. + China, "U.S.-led" -> U.S."""
        text = words[i]
        if not _compound(text):
            return []
        parts: list[tuple[int, int]] = []
        start = 0
        for pos, ch in enumerate(text + "-"):
            if ch in _HYPHENS:
                if pos > start:
                    parts.append((start, pos))
                start = pos + 1
        if len(parts) < 2:
            return []
        out: list[_Match] = []
        base = doc[i].idx
        for n, (a, b) in enumerate(parts):
            entries = self.gazetteer.lookup((text[a:b],))
            if not entries:
                continue
            prev_part = text[parts[n - 1][0] : parts[n - 1][1]].lower() if n else ""
            next_part = text[parts[n + 1][0] : parts[n + 1][1]].lower() if n + 1 < len(parts) else ""
            if prev_part in _PREFIX_VETO or next_part in _SUFFIX_VETO:
                continue
            good = [
                e
                for e in entries
                if e.kind in (STATE, ORG) and self._rules_ok(doc, words, i, i + 1, e, state)
            ]
            if good:
                out.append(_Match(i, i + 1, good, char_span=(base + a, base + b)))
        return out

    # ------------------------------------------------------------------ match checks
    def _accept(
        self,
        doc: Doc,
        words: list[str],
        i: int,
        j: int,
        s0: int,
        s1: int,
        entries: list[Entry],
        state: _DocState,
    ) -> list[Entry] | None:
        """The entries of the best kind that pass their checks, or None when all are vetoed."""
        kinds = {e.kind for e in entries}
        for kind in (BLOCK, PERSON_FULL, ORG, STATE, REGION, ETHNIC, PERSON_ALIAS):
            if kind not in kinds:
                continue
            group = [e for e in entries if e.kind == kind]
            if kind == BLOCK:
                return group
            if kind in (STATE, ORG, REGION, ETHNIC) and self._affix_veto(doc, words, i, j, s0, s1):
                continue
            if kind in _GROUPS and self._overlapped(words, i, j, s1):
                continue
            ok = [e for e in group if self._rules_ok(doc, words, i, j, e, state)]
            if kind == PERSON_ALIAS:
                ok = [e for e in ok if self._alias_ok(doc, words, i, j, s0, s1, e)]
            if ok:
                return ok
        return None

    def _overlapped(self, words: list[str], i: int, j: int, s1: int) -> bool:
        """Does a longer form start inside [i, j) and run past it? "the West" in "the West African
        nation" is part of "West African"; states keep their old behaviour, so only groups ask."""
        gaz = self.gazetteer
        for k in range(i + 1, j):
            for n in range(min(gaz.first.get(words[k], 0), s1 - k), j - k, -1):
                entries = gaz.lookup(tuple(words[k : k + n]))
                if entries and any(e.kind != BLOCK for e in entries):
                    return True
        return False

    def _affix_veto(self, doc: Doc, words: list[str], i: int, j: int, s0: int, s1: int) -> bool:
        if i - 2 >= s0 and words[i - 1] in _HYPHENS and doc[i - 2].lower_ in _PREFIX_VETO:
            return True
        if j + 1 < s1 and words[j] in _HYPHENS and doc[j + 1].lower_ in _SUFFIX_VETO:
            return True
        return False

    def _rules_ok(self, doc: Doc, words: list[str], i: int, j: int, e: Entry, state: _DocState) -> bool:
        rules = e.rules
        if not rules:
            return True
        span = doc[i:j]
        if "needs_ner" in rules and not any(t.ent_type_ in _NER_PLACE for t in span):
            # Short forms also count when the context says "actor": "IS fighters", "(IS)".
            nxt = words[j].lower() if j < len(words) else ""
            bracketed = i > 0 and words[i - 1] == "(" and nxt == ")"
            if not bracketed and nxt not in self.kb.sectors and nxt not in ("group", "'s"):
                return False
        if "us_state" in rules:
            if e.form in state.vetoed_forms:
                return False
        if "us_state_sentence" in rules:
            # "Senators Marco Rubio of Florida ... and David Perdue of Georgia": US politics around it.
            if self._us_words.search(doc[i].sent.text) and not any(
                c in state.text for c in self.kb.us_state_cues.get(e.form, ((), ()))[1]
            ):
                return False
        if "not_person" in rules:
            # The small model often tags a lone "Chad" or "Jordan" PERSON: only a PERSON entity that
            # runs past the match ("Chad Johnson", "Michael Jordan") or a name next to it vetoes.
            if any(t.ent_type_ == "PERSON" for t in span) and (
                (
                    i > 0
                    and doc[i - 1].ent_type_ == "PERSON"
                    and doc[i].ent_iob_ == "I"
                    and doc[i - 1].is_alpha
                )
                or (
                    j < len(doc)
                    and doc[j].ent_type_ == "PERSON"
                    and doc[j].ent_iob_ == "I"
                    and doc[j].is_alpha
                )
            ):
                return False
            sent = doc[i].sent
            if self._name_neighbour(doc, words, i - 1, sent.start, sent.end):
                return False
            if self._name_neighbour(doc, words, j, sent.start, sent.end):
                return False
        return True

    def _name_neighbour(self, doc: Doc, words: list[str], k: int, s0: int, s1: int) -> bool:
        """Is token k a capitalised name word that is neither a title nor a known actor form?"""
        if k < s0 or k >= s1:
            return False
        tok = doc[k]
        if not tok.is_alpha or not tok.text[:1].isupper() or tok.pos_ != "PROPN":
            return False
        if tok.ent_type_ in ("DATE", "TIME"):  # "Kurds Saturday", "Jordan Tuesday"
            return False
        low = words[k].lower()
        if (low,) in self._titles:
            return False
        entries = self.gazetteer.lookup((words[k],))
        if entries and any(e.kind in (STATE, ORG, REGION, ETHNIC) for e in entries):
            return False
        return True

    def _alias_ok(self, doc: Doc, words: list[str], i: int, j: int, s0: int, s1: int, e: Entry) -> bool:
        """A surname alone ("Putin", "Xi") must not be part of another person's name."""
        if self._name_neighbour(doc, words, i - 1, s0, s1):
            return False
        nxt = j
        if nxt < s1 and self._name_neighbour(doc, words, nxt, s0, s1):
            return False
        if nxt < s1 and words[nxt] in {"Jr.", "Jr", "Sr.", "III"}:
            return False
        if doc[i].ent_type_ == "PERSON":
            # "Chad Johnson", "Hunter Biden": a surname inside someone else's name. Words of the
            # leader's own names ("Barack H. Obama") and titles do not count.
            own = self._name_words.get(e.target, frozenset())
            a, b = i, j
            while a > s0 and doc[a - 1].ent_type_ == "PERSON" and doc[a].ent_iob_ != "B":
                a -= 1
            while b < s1 and doc[b].ent_type_ == "PERSON" and doc[b].ent_iob_ == "I":
                b += 1
            for k in [*range(a, i), *range(j, b)]:
                w = words[k]
                if w in own or (w.lower(),) in self._titles or not w[:1].isalpha() or len(w) <= 2:
                    continue
                return False
        if e.confirm:
            titled = i - 1 >= s0 and (words[i - 1].lower(),) in self._titles
            if not titled and not any(t.ent_type_ == "PERSON" for t in doc[i:j]):
                return False
        return True

    def _us_state_vetoes(self, text: str) -> frozenset[str]:
        vetoed = set()
        for form, (us, country) in self.kb.us_state_cues.items():
            if form in text and any(c in text for c in us) and not any(c in text for c in country):
                vetoed.add(form)
        return frozenset(vetoed)

    # ------------------------------------------------------------------ people
    def _titles_before(self, words: list[str], k: int, s0: int) -> tuple[int, list[str]]:
        """Longest title/honorific phrase ending just before token k: (its start, its words)."""
        for n in range(min(self._title_max, k - s0), 0, -1):
            key = tuple(w.lower() for w in words[k - n : k])
            if key in self._titles:
                return k - n, list(key)
        return k, []

    def _person(
        self,
        parsed: ParsedText,
        sent: Sentence,
        doc: Doc,
        words: list[str],
        m: _Match,
        ends: dict[int, _Match],
        state: _DocState,
    ) -> _Found | None:
        s0 = sent.span.start
        k = m.start
        titles: list[str] = []
        phrases: list[str] = []
        country: str | None = None
        absorbed: list[_Match] = []
        while k > s0:
            start, title = self._titles_before(words, k, s0)
            if title and self._title_ok(" ".join(title), bool(titles)):
                titles.extend(title)
                phrases.append(" ".join(title))
                k = start
                continue
            if words[k - 1] in _POSSESSIVE and (k - 1) in ends and country is None:
                cm = ends[k - 1]
                if cm.entry.kind == STATE:
                    country = cm.entry.target
                    absorbed.append(cm)
                    k = cm.start
                    continue
            if k in ends and country is None and titles:
                cm = ends[k]
                if cm.entry.kind == STATE:
                    country = cm.entry.target
                    absorbed.append(cm)
                    k = cm.start
                    continue
                if cm.entry.kind == ORG and self._org_office(cm.entry.target, m.entries):
                    # "UN Secretary-General Antonio Guterres", "NATO chief Mark Rutte".
                    absorbed.append(cm)
                    k = cm.start
                    break
            break
        candidates = [self.kb.persons[e.target] for e in m.entries]
        if m.entry.kind == PERSON_ALIAS and state.date is not None:
            # A common surname ("Miller", "Brown") alone is a leader only while in office, or once
            # the full name has been used in the article.
            candidates = [
                p
                for p, e in zip(candidates, m.entries, strict=True)
                if not e.confirm or p.office_at(state.date) is not None or p.key in state.seen_persons
            ]
        person = self._choose_person(candidates, country, state.date)
        if person is None:
            return None
        if (
            country is not None
            and person.nationality != country
            and not any(o.code[:3] == country for o in person.offices)
        ):
            # "U.S. envoy Witkoff" is fine; "Chinese ... Trump" is not the same actor: keep both apart.
            absorbed = []
            k = m.start
            while k > s0 and (words[k - 1].lower(),) in self._titles:
                k -= 1
        for cm in absorbed:
            cm.absorbed = True
        if m.entry.kind == PERSON_FULL:
            state.seen_persons.add(person.key)
        honorific = {t.rstrip(".") for t in titles}
        if (person.gender == "m" and honorific & {"mrs", "ms", "miss", "madam"}) or (
            person.gender == "f" and "mr" in honorific
        ):
            return None  # "Mrs Trump" is not Donald Trump
        former = "former" in titles or "ex" in titles
        actor = person.actor(state.date, former=former and state.date is None)
        if former and state.date is not None and person.office_at(state.date) is not None:
            actor = person.actor(state.date)
        if actor.sector is None and not former and actor.country == person.nationality:
            # Out of office but titled with another role: "Senator Marco Rubio" in 2019 -> USALEG.
            own = {o.code[3:6] for o in person.offices}
            for phrase in phrases:
                rule = self.kb.sector_rule(phrase)
                if (
                    rule is not None
                    and rule.sector not in own
                    and rule.sector != "GOV"
                    and person.nationality in self.kb.countries
                ):
                    actor = Actor(
                        code=person.nationality + rule.sector,
                        name=person.name,
                        country=person.nationality,
                        sector=rule.sector,
                        kind="person",
                    )
                    break
        conf = m.entry.confidence if not titles else max(m.entry.confidence, 0.95)
        return self._found(parsed, sent, k, m.end, actor, m, m.end - 1, via="leader", confidence=conf)

    def _title_ok(self, phrase: str, after_title: bool) -> bool:
        """May this phrase be absorbed into a name's mention?

        Person titles ("President", "foreign minister") and honorifics ("Sheikh") always; a
        non-person noun ("Foreign Ministry" in "Foreign Ministry spokesman Wang Wenbin") and
        "former" only in front of such a title: "his presidency Obama" and "former Trump aide"
        absorb nothing.
        """
        rule = self.kb.sector_rule(phrase)
        if phrase in ("former", "ex", "late", "then", "new", "top", "senior", "deputy", "vice", "first"):
            return after_title
        if rule is not None and not rule.person:
            return after_title
        return True

    def _org_office(self, org_key: str, entries: list[Entry]) -> bool:
        """Did one of these people hold an office of this organisation?"""
        codes = {t.code for t in self.kb.orgs.get(org_key, [])}
        return any(o.code in codes for e in entries for o in self.kb.persons[e.target].offices)

    def _choose_person(
        self, candidates: list[Person], country: str | None, day: date | None
    ) -> Person | None:
        unique = list({p.key: p for p in candidates}.values())
        if not unique:
            return None
        if country is not None:
            same = [
                p for p in unique if p.nationality == country or any(o.code[:3] == country for o in p.offices)
            ]
            unique = same or unique
        if len(unique) == 1:
            return unique[0]
        if day is None:
            # No date: the one most recently in office.
            ranked = sorted(unique, key=lambda p: max(o.start for o in p.offices), reverse=True)
            return ranked[0]
        ranked = sorted(unique, key=lambda p: p.distance(day))
        if ranked[0].distance(day) == ranked[1].distance(day):
            a, b = ranked[0].actor(day), ranked[1].actor(day)
            return ranked[0] if a.code == b.code else None
        return ranked[0]

    # ------------------------------------------------------------------ states
    def _state(
        self, parsed: ParsedText, sent: Sentence, tk: _Tokens, doc: Doc, m: _Match, state: _DocState
    ) -> _Found:
        iso3 = m.entry.target
        sector = m.entry.sector
        via = m.entry.via
        conf = m.entry.confidence
        start, end = m.start, m.end
        # (The root of a one-token span is that token: no Span to build.)
        anchor = doc[start:end].root.i if m.char_span is None and end - start > 1 else start
        head, how, coordinated = self._head(doc, anchor)
        person_name: str | None = None
        rule = None
        plural = doc[anchor].tag_ in ("NNS", "NNPS") or (via == "demonym" and doc[anchor].text.endswith("s"))
        if head is not None and m.char_span is None:
            rule, phrase_start, name_span = self._sector_phrase(tk, doc, anchor, head, how)
            if rule is not None:
                if sector in (None, "GOV"):
                    # A seat of one branch keeps it: "Pentagon officials" stay USAMIL, "FBI agents"
                    # USACOP; a capital takes the noun's sector: "a Paris court" is FRAJUD.
                    sector = rule.sector
                plural = head.tag_ in ("NNS", "NNPS") and name_span is None
                if name_span is not None:
                    person_name = doc[name_span[0] : name_span[1]].text
                if not coordinated:
                    if how == "of":
                        start = phrase_start
                    else:
                        end = name_span[1] if name_span is not None else head.i + 1
            elif how == "mod" and not coordinated and self._people_noun(head):
                # "Iraqi Kurds", "Bosnian Muslims": a state's people, coded as the state (the
                # country decides the event's side); the group's own mention gives way.
                end = head.i + 1
        actor = self.kb.state_actor(iso3, sector)
        if rule is not None and (rule.person or person_name) and not plural:
            name = person_name
            if name is None and rule.role:
                holder = self._office_holder(iso3, rule.role, state.date)
                name = holder.name if holder else None
            if name is None:
                phrase = doc[head.i].text.lower() if head is not None else "official"
                name = f"{self.kb.country_name(iso3)} {phrase}"
            actor = Actor(code=actor.code, name=name, country=iso3, sector=sector, kind="person")
        f = self._found(parsed, sent, start, end, actor, m, anchor, via=via, confidence=conf)
        f.plural = plural
        return f

    def _office_holder(self, iso3: str, role: str, day: date | None) -> Person | None:
        """kb.office_holder, remembered: it reads every office of every person."""
        key = (iso3, role, day)
        if key not in self._holders:
            if len(self._holders) >= 10_000:  # one entry per (country, role, article date)
                self._holders.clear()
            self._holders[key] = self.kb.office_holder(iso3, role, day)
        return self._holders[key]

    def _people_noun(self, tok: Token) -> bool:
        """A plural noun naming an ethnic or religious group ("Kurds", "Muslims")."""
        form = self.kb.ethnic.get(tok.text)
        return form is not None and not form.adjective and tok.tag_ in ("NNS", "NNPS")

    # ------------------------------------------------------------------ regions and peoples
    def _group(self, parsed: ParsedText, sent: Sentence, tk: _Tokens, doc: Doc, m: _Match) -> _Found | None:
        """A region or an ethnic/religious group, with the sector of the actor noun it modifies.

        An adjective ("Western", "Kurdish") names an actor only in front of an actor noun: "Kurdish
        fighters" KURREB, "African countries" AFR; "the Kurdish region" names none.
        """
        form = (self.kb.regions if m.entry.kind == REGION else self.kb.ethnic).get(m.entry.form)
        if form is None or m.char_span is not None:
            return None
        start, end = m.start, m.end
        anchor = doc[start:end].root.i
        head, how, coordinated = self._head(doc, anchor)
        if head is not None and how == "mod" and not form.adjective and doc[anchor].tag_ in ("NNS", "NNPS"):
            # A plural people noun modifies nothing: "the Kurds and Shiite militias" is two actors,
            # whatever the parser attached "Kurds" to.
            head = None
        sector: str | None = None
        name: str | None = None
        actor_noun = False
        if head is not None:
            rule, phrase_start, name_span = self._sector_phrase(tk, doc, anchor, head, how)
            noun_end = head.i + 1
            if rule is not None:
                sector, actor_noun = rule.sector, True
                if name_span is not None:
                    name, noun_end = doc[name_span[0] : name_span[1]].text, name_span[1]
            else:
                unnamed = self._unnamed_rule(tk.low, head.i, anchor + 1 if how == "mod" else head.i)
                if unnamed is not None and unnamed[0].role != "modifier":
                    sector, actor_noun = unnamed[0].sector, True
            if actor_noun and not coordinated:
                if how == "of":
                    start = phrase_start
                else:
                    end = noun_end
        if not actor_noun and form.adjective and (head is not None or doc[anchor].pos_ not in _NOUNS):
            return None
        if not actor_noun and head is not None and how == "mod" and doc[anchor].dep_ != "poss":
            # "Europe trip", "Asia Cup": a noun form in front of a noun that is no actor.
            return None
        actor = self.kb.group_actor(m.entry.target, sector)
        if name is not None:
            actor = Actor(code=actor.code, name=name, country=None, sector=sector, kind=actor.kind)
        f = self._found(parsed, sent, start, end, actor, m, anchor)
        f.plural = doc[anchor].tag_ in ("NNS", "NNPS") or (head is not None and head.tag_ in ("NNS", "NNPS"))
        return f

    # ------------------------------------------------------------------ misspelt country names
    def _misspelt(self, parsed: ParsedText, sent: Sentence, tk: _Tokens, found: list[_Found]) -> list[_Found]:
        """A country name with one typing error ("Afganistan", "Phillipines"): one letter dropped or added,
        or two swapped, in a capitalised proper noun of >= 6 letters that no other rule
        took, with the first letter right (typos rarely hit it, and "Prussia"/"Russia",
        "Olivia"/"Bolivia" differ there) and not tagged as a person. Confidence is low."""
        covered = {t for f in found for t in range(f.mention.token_start, f.mention.token_end)}
        out: list[_Found] = []
        texts, typo_names = tk.texts, self._typo_names
        n_tokens = len(texts)
        for i in range(sent.span.start, sent.span.end):
            text = texts[i]
            if (
                len(text) < _TYPO_MIN
                or text[0] not in typo_names  # no country name starts so: no hit below
                or i in covered
                or tk.pos[i] != "PROPN"
                or not text.isalpha()
                or not text[0].isupper()
                or tk.ent[i] == "PERSON"
                # a word of a compound ("Franco-German", "Russian-made") is no misspelt name
                or (i + 1 < n_tokens and texts[i + 1] in _HYPHENS)
                or (i > 0 and texts[i - 1] in _HYPHENS)
                # a form the gazetteer knows (a demonym a rule vetoed, "Americas") is not misspelt
                or self.gazetteer.lookup((tk.words[i],))
            ):
                continue
            # "Americas" is a plural, not a misspelt "America"
            hits = {
                iso3
                for form, iso3 in typo_names[text[0]]
                if _one_edit(text, form) and text.lower() != form.lower() + "s"
            }
            if len(hits) != 1:
                continue
            actor = self.kb.state_actor(hits.pop())
            m = _Match(i, i + 1, [])  # no gazetteer entry: via and confidence are given
            out.append(self._found(parsed, sent, i, i + 1, actor, m, i, via="typo", confidence=CONF_TYPO))
        return out

    # ------------------------------------------------------------------ unknown organisations
    def _named_orgs(
        self, parsed: ParsedText, sent: Sentence, tk: _Tokens, ents: list[Span], found: list[_Found]
    ) -> list[_Found]:
        """Organisations the knowledge base does not know, coded from their name's head noun
        (org_heads.tsv): "the Border Monitoring Committee" GOV, "the Ghanaian Miners' Union" GHALAB,
        "the ruling Progress Party" GOV. A state named inside the name gives the country
        and the bare state mention gives way to the organisation's."""
        words = self.kb.org_words
        heads = words["head"]
        doc = sent.span.doc
        spans: list[tuple[int, int, Token]] = []
        for ent in ents:
            if ent.label_ == "ORG" and ent.root.lower_ in heads and ent.root.text[:1].isupper():
                spans.append((ent.start, ent.end, ent.root))
        taken = {t for a, b, _ in spans for t in range(a, b)}
        lower, pos = tk.lower, tk.pos
        # A lower-case head after a proper name: "the Baath party", "the Wafd (Delegation) party".
        # The cheap tests first: a Token is built only for the few head nouns.
        for i in range(sent.span.start, sent.span.end):
            if lower[i] not in heads or pos[i] != "NOUN" or i in taken:
                continue
            tok = doc[i]
            if not tok.is_lower:
                continue
            names = [
                c
                for c in tok.children
                if c.dep_ in ("compound", "nmod") and c.pos_ == "PROPN" and c.i < tok.i
            ]
            if names and all(self.kb.sector_rule(c.lower_) is None for c in names):
                spans.append((min(c.left_edge.i for c in names), tok.i + 1, tok))
        if not spans:
            return found
        out = list(found)
        for a, b, head in spans:
            while a < b and doc[a].dep_ == "det":
                a += 1
            for k in range(head.i + 1, b):
                if doc[k].text in ("(", ",", "-"):  # "the Progress Party (PP": the name ends
                    b = k
                    break
            inner: list[_Found] = []
            clash = False
            for f in out:
                m = f.mention
                if m.token_end <= a or m.token_start >= b:
                    continue
                if (
                    a <= m.token_start
                    and m.token_end <= b
                    and head.i >= m.token_end
                    and m.actor.kind == "state"
                    and m.via in ("demonym", "gazetteer")
                ):
                    inner.append(f)  # "Chilean" in "the Chilean Peace Council"
                else:
                    clash = True  # a known actor covers the name or its head
                    break
            if clash or b - a < 2:
                continue  # a lone head ("the Commission") names no organisation
            sector = heads[head.lower_]
            if inner:
                # A state's own body: "the Afghan Army" is AFGMIL (sectors.tsv), not a rebel army.
                rule = self.kb.sector_rule(head.lower_)
                sector = rule.sector if rule is not None else sector
            for t in doc[a:b]:
                if t.lower_ in words["name"]:
                    sector = words["name"][t.lower_]
                    break
            for c in head.children:
                if c.i < a and c.dep_ in ("amod", "compound") and c.lower_ in words["modifier"]:
                    sector = words["modifier"][c.lower_]
            country = inner[0].mention.actor.country if inner else None
            if country is None:
                place = {
                    t: f.mention.actor.country
                    for f in out
                    if f.mention.actor.kind == "state" and f.mention.actor.country
                    for t in range(f.mention.token_start, f.mention.token_end)
                }
                country = self._located(head, place)
            cs, ce = parsed.char_span(sent, a, b)
            name = parsed.text[cs:ce]
            if country is not None:
                actor = self.kb.state_actor(country, sector, name=name)
            else:
                actor = Actor(
                    code=sector,
                    name=name,
                    country=None,
                    sector=sector,
                    kind="ngo" if sector == "NGO" else "sector",
                )
            mention = Mention(
                text=name,
                start=cs,
                end=ce,
                sentence_index=sent.index,
                token_start=a,
                token_end=b,
                actor=actor,
                via="org_head",
                confidence=CONF_NAMED_ORG,
            )
            out = [f for f in out if f not in inner]
            out.append(_Found(mention=mention, anchor=head.i, plural=False))
        out.sort(key=lambda f: (f.mention.start, f.mention.end))
        return out

    # ------------------------------------------------------------------ unnamed actors
    def _unnamed_rule(self, low: list[str], i: int, lo: int) -> tuple[UnnamedRule, int] | None:
        """The longest unnamed.tsv phrase ending at token i and starting at or after ``lo``
        (``low``: the lower-case words of the Doc)."""
        if low[i] not in self._unnamed_last and " " not in low[i]:
            return None  # no phrase ends in this word (a word with a space may end one mid-word)
        table = self.kb.unnamed
        for n in range(min(self._unnamed_max, i - lo + 1), 0, -1):
            rule = table.get(" ".join(low[i - n + 1 : i + 1]))
            if rule is not None:
                return rule, i - n + 1
        return None

    def _unnamed_in(
        self, parsed: ParsedText, sent: Sentence, tk: _Tokens, ents: list[Span], known: list[Mention]
    ) -> list[Mention]:
        """Actors named by a sector noun alone ("police", "the rebels") or a title and an unknown name."""
        doc = sent.span.doc
        words, low, pos, dep, head = tk.words, tk.low, tk.pos, tk.dep, tk.head
        s0, s1 = sent.span.start, sent.span.end
        covered: set[int] = set()
        place: dict[int, str] = {}  # token -> country of a state mention on it ("in Kenya")
        for mention in known:
            covered.update(range(mention.token_start, mention.token_end))
            if mention.via != "anaphora" and mention.actor.kind == "state" and mention.actor.country:
                for t in range(mention.token_start, mention.token_end):
                    place[t] = mention.actor.country
        out: list[Mention] = []
        for ent in ents:
            if covered.intersection(range(ent.start, ent.end)):
                continue
            # The parser sometimes tags a name after a title as an organisation ("Vice-President
            # Jane Doe"): a person title just before a proper name still makes it a person.
            if ent.label_ == "PERSON" or (
                ent.label_ == "ORG"
                and ent.start > s0
                and all(pos[k] == "PROPN" and tk.texts[k][:1].isupper() for k in range(ent.start, ent.end))
                and (words[ent.start - 1].lower(),) in self._titles
                and words[ent.start - 1].lower() not in self.kb.honorifics
            ):
                found = self._titled_unknown(parsed, sent, words, ent.start, ent.end, covered)
                if found is not None:
                    out.append(found)
                    covered.update(range(found.token_start, found.token_end))
        for i in range(s0, s1):
            if pos[i] not in _NOUNS or i in covered:
                continue
            if dep[i] in _NOUN_MODIFIER_DEPS and head[i] > i and pos[head[i]] in _NOUNS:
                continue  # a modifier ("police station", "rebel group"): its head decides
            hit = self._unnamed_rule(low, i, s0)
            if hit is None or hit[0].role == "modifier":
                continue
            rule, start = hit
            if covered.intersection(range(start, i + 1)):
                continue
            tok = doc[i]
            if rule.role == "counted" and not _counted(tok):
                continue
            sector = rule.sector
            veto = False
            # Modifiers in front: an actor modifier gives its sector ("rebel group", "opposition
            # leaders"); an unknown noun in front of a group noun names something else ("market
            # forces", "aid workers"); an actor word there means the noun is that actor's.
            k = start - 1
            while k >= s0 and dep[k] in _NOUN_MODIFIER_DEPS and start <= head[k] <= i:
                if k in covered:
                    veto = True
                    break
                mod = self._unnamed_rule(low, k, k)
                if mod is not None and mod[0].sector is not None:
                    # Only group nouns take the modifier's sector: "rebel group" REB, "regime troops"
                    # and "government forces" stay MIL, a "coalition government" stays GOV.
                    if rule.role == "collective" and (mod[0].sector != "GOV" or sector is None):
                        sector = mod[0].sector
                    start = k
                elif pos[k] in _NOUNS and rule.role == "collective":
                    veto = True
                    break
                k -= 1
            if veto or sector is None:
                continue
            if any(self._owned(c, covered) for c in tok.children):
                continue
            if sector in ("MIL", "COP") and self._assets(tok):
                continue
            # "police in Kenya", "protesters in Nairobi", "soldiers from Chad": the place names the
            # actor's country, as a demonym would ("Kenyan police").
            country = self._located(tok, place)
            actor = (
                self.kb.state_actor(country, sector) if country is not None else self.kb.unnamed_actor(sector)
            )
            out.append(_span_mention(parsed, sent, start, i + 1, actor, "sector", CONF_UNNAMED))
            covered.update(range(start, i + 1))
        return out

    def _located(self, tok: Token, place: dict[int, str]) -> str | None:
        """The country of an "in"/"from"/"at" phrase on the noun whose object is, or is modified by,
        a state mention: "police in Kenya", "reporters at a Kenyan radio station", "doctors from three
        French hospitals", "a militia based in Mali". A partitive head passes its phrase on:
        "members of parliament from Ghana" is Ghana's parliament."""
        heads = [tok]
        if tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.pos_ in _NOUNS:
            outer = self.kb.unnamed.get(tok.head.head.lower_)
            if outer is not None and outer.role == "collective" and outer.sector is None:
                heads.append(tok.head.head)
        for h in heads:
            preps = [c for c in h.children if c.dep_ == "prep"]
            # "based in", "stationed in": the place hangs on a participle after the noun.
            for c in h.children:
                if c.dep_ == "acl" and c.lemma_.lower() in _LOCATING_VERBS:
                    preps += [g for g in c.children if g.dep_ == "prep"]
            for c in preps:
                if c.lower_ not in ("in", "from", "at"):
                    continue
                for g in c.children:
                    if g.dep_ != "pobj":
                        continue
                    if g.i in place:
                        return place[g.i]
                    for m in g.children:
                        if m.dep_ in _MODIFIER_DEPS and m.i in place:
                            return place[m.i]
        return None

    def _assets(self, tok: Token) -> bool:
        """Is this military noun what its subject sends or withdraws ("Britain is deploying 300
        troops", "the withdrawal of troops")? Then it is the subject's own, not another actor."""
        t = tok
        while t.dep_ == "conj" and t.head.i != t.i:
            t = t.head
        if t.dep_ == "dobj":
            return t.head.lemma_.lower() in self.kb.asset_words
        if t.dep_ == "pobj" and t.head.lower_ == "of":
            return t.head.head.lemma_.lower() in self.kb.asset_words
        return False

    @staticmethod
    def _owned(child: Token, covered: set[int]) -> bool:
        """Does this dependent of a sector noun name its owner ("their fighters", "officials of
        both countries", "Iraqi and Kurdish officials", "the country's forces")? An owner that is no
        known actor still owns it: coding the noun alone would lose who it belongs to."""
        if child.dep_ == "poss":
            return True
        if child.dep_ in _MODIFIER_DEPS:
            return child.i in covered or any(c.i in covered for c in child.conjuncts)
        if child.dep_ == "prep" and child.lower_ == "of" and child.head.lower_ not in _FOLLOWERS:
            return any(g.i in covered for g in child.children if g.dep_ == "pobj")
        return False

    def _titled_unknown(
        self, parsed: ParsedText, sent: Sentence, words: list[str], a: int, b: int, covered: set[int]
    ) -> Mention | None:
        """A person the knowledge base does not know, after an office title: "Prime Minister <name>"
        -> GOV, country unknown, kind person, named after the person."""
        s0 = sent.span.start
        # The title may sit inside the PERSON entity ("President Omar al-Bashir") or just before it.
        inner = a
        for n in range(min(self._title_max, b - a - 1), 0, -1):
            if tuple(w.lower() for w in words[a : a + n]) in self._titles:
                inner = a + n
                break
        if inner > a:
            t_start, title, name_start = a, words[a:inner], inner
        else:
            t_start, key = self._titles_before(words, a, s0)
            title, name_start = list(key), a
        if not title or covered.intersection(range(t_start, b)):
            return None
        before = words[t_start - 1].lower() if t_start > s0 else ""
        if before == "late":
            return None  # dead: the title says what they were, not what they act as
        # Rejoin hyphens split by the tokenizer: "Vice - President" is the row "vice-president".
        rule = self.kb.sector_rule(" ".join(w.lower() for w in title).replace(" - ", "-"))
        if rule is None or not rule.person:
            return None
        if before in _OUT_OF_OFFICE:
            # "former President <unknown>", "ousted president <unknown>": CAMEO codes former
            # officials as elites (ELI), not as the office they left.
            t_start -= 1
            sector = "ELI"
        else:
            # A person, as "Portuguese President <unknown>" is: kind person, named, the title's sector.
            sector = rule.sector
        ns, ne = parsed.char_span(sent, name_start, b)
        person = Actor(code=sector, name=parsed.text[ns:ne], country=None, sector=sector, kind="person")
        return _span_mention(parsed, sent, t_start, b, person, "sector", CONF_UNNAMED_PERSON)

    def _head(self, doc: Doc, anchor: int) -> tuple[Token | None, str, bool]:
        """The noun a country word modifies: (head, "mod"|"of", coordinated)."""
        tok = doc[anchor]
        coordinated = any(c.dep_ == "conj" for c in tok.children)
        while tok.dep_ == "conj" and tok.head.i != tok.i:
            coordinated = True
            tok = tok.head
        if tok.dep_ in _MODIFIER_DEPS and tok.head.i > tok.i and tok.head.pos_ in _NOUNS:
            head = tok.head
            # "Chinese Foreign Ministry spokesman": the actor noun is the last of the compound chain.
            while head.dep_ == "compound" and head.head.i > head.i and head.head.pos_ in _NOUNS:
                head = head.head
            return head, "mod", coordinated
        if (
            tok.dep_ == "pobj"
            and tok.head.lower_ == "of"
            and tok.head.head.pos_ in _NOUNS
            and tok.head.head.i < tok.i
        ):
            return tok.head.head, "of", coordinated
        return None, "", coordinated

    def _sector_phrase(self, tk: _Tokens, doc: Doc, anchor: int, head: Token, how: str):  # noqa: ANN202
        """The sector rule of the actor noun phrase, where it starts, and a person's name in it."""
        name_span: tuple[int, int] | None = None
        if how == "of":
            first = head.i
            for c in head.lefts:
                if c.dep_ in ("amod", "compound") and c.i < first:
                    first = c.i
            words = [tk.texts[k].lower() for k in range(first, head.i + 1)]
            phrase_start = first
        else:
            stop = head.i + 1
            if head.ent_type_ == "PERSON":
                # The noun phrase ends in a name: "Portuguese President Mario Soares".
                ent_start = head.i
                while ent_start - 1 > anchor and doc[ent_start - 1].ent_type_ == "PERSON":
                    ent_start -= 1
                name_span = (ent_start, head.i + 1)
                stop = ent_start
            texts = tk.texts
            words = [texts[k].lower() for k in range(anchor + 1, stop) if texts[k] not in ("'s", "\u2019s")]
            phrase_start = anchor
        while words and words[0] in self.kb.honorifics and (words[0],) not in self.kb.sectors:
            words = words[1:]
        for n in range(len(words), 0, -1):
            rule = self.kb.sector_rule(" ".join(words[-n:]))
            if rule is not None:
                if name_span is not None and not rule.person:
                    return None, phrase_start, None
                return self._modified(rule, words, n), phrase_start, name_span
        return None, phrase_start, None

    def _modified(self, rule: SectorRule, words: list[str], n: int) -> SectorRule:
        """A group noun ("leaders", "officials", "forces") takes the sector of a sector word in
        front of it, as unnamed.tsv's collective nouns do: "Brazilian business leaders" BRABUS,
        "rebel commanders" REB. GOV in front changes nothing ("government forces" stay MIL)."""
        if n >= len(words):
            return rule
        group = self.kb.unnamed.get(" ".join(words[-n:]))
        if group is None or group.role != "collective":
            return rule
        mod = self.kb.sector_rule(words[-n - 1])
        if mod is None or mod.sector in (None, "GOV", rule.sector):
            return rule
        return SectorRule(mod.sector, rule.person, "")

    # ------------------------------------------------------------------ helpers
    def _found(
        self,
        parsed: ParsedText,
        sent: Sentence,
        start: int,
        end: int,
        actor: Actor,
        m: _Match,
        anchor: int,
        via: str | None = None,
        confidence: float | None = None,
    ) -> _Found:
        if m.char_span is not None and start == m.start and end == m.end:
            cs, ce = m.char_span
            cs, ce = sent.offset + cs, sent.offset + ce
        else:
            cs, ce = parsed.char_span(sent, start, end)
        mention = Mention(
            text=parsed.text[cs:ce],
            start=cs,
            end=ce,
            sentence_index=sent.index,
            token_start=start,
            token_end=end,
            actor=actor,
            via=via or m.entry.via,
            confidence=confidence if confidence is not None else m.entry.confidence,
        )
        return _Found(mention=mention, anchor=anchor)

    def _groups(self, tk: _Tokens, found: list[_Found]) -> None:
        """Coordinated mentions ("China and Russia", "Myanmar and Sudan", "U.S.-China") form groups."""
        if len(found) < 2:
            return  # no group of one
        parent = list(range(len(found)))

        def root(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        by_anchor: dict[int, list[int]] = {}
        for n, f in enumerate(found):
            by_anchor.setdefault(f.anchor, []).append(n)
        texts = tk.texts
        for n, f in enumerate(found):
            head = tk.head[f.anchor]
            if tk.dep[f.anchor] == "conj" and head in by_anchor:
                parent[root(n)] = root(by_anchor[head][0])
            if n:
                prev = found[n - 1]
                same_token = prev.mention.token_start == f.mention.token_start == f.mention.token_end - 1
                if same_token or (
                    prev.mention.token_end <= f.mention.token_start
                    and all(
                        texts[k] in _LIST_SEPARATORS
                        for k in range(prev.mention.token_end, f.mention.token_start)
                    )
                ):
                    parent[root(n)] = root(n - 1)
        sizes = Counter(root(n) for n in range(len(found)))
        for n, f in enumerate(found):
            if sizes[root(n)] > 1:
                f.group = root(n)

    # ================================================================== anaphora
    def _anaphora_in(
        self,
        parsed: ParsedText,
        sent: Sentence,
        tk: _Tokens,
        ents: list[Span],
        found: list[_Found],
        state: _DocState,
    ) -> list[Mention]:
        doc = sent.span.doc
        s0, s1 = sent.span.start, sent.span.end
        covered = set()
        for f in found:
            covered.update(range(f.mention.token_start, f.mention.token_end))
        # Candidate anaphors in this sentence, in order, left to right, none inside another.
        anaphors: list[tuple[int, int, str, str]] = []
        low = tk.low
        first = self._anaphora_first
        table = self._anaphora
        free = s0  # the first token after the last anaphor
        # Only a token that starts a phrase of anaphora.tsv can start an anaphor.
        for i in [k for k in range(s0, s1) if low[k] in first]:
            if i < free:
                continue
            for n in range(min(first[low[i]], s1 - i), 0, -1):
                key = tuple(low[i : i + n])
                if key in table and not covered.intersection(range(i, i + n)):
                    kind, arg = table[key]
                    if n == 1 and tk.pos[i] not in ("PRON", "DET"):
                        continue
                    anaphors.append((i, i + n, kind, arg))
                    free = i + n
                    break
        self._note_unknown_persons(sent, tk, ents, found, anaphors, state)
        # Walk the sentence left to right: explicit mentions and anaphors enter the history in order.
        out: list[Mention] = []
        events: list[tuple[int, object]] = [(f.mention.token_start, f) for f in found]
        events += [(a[0], a) for a in anaphors]
        events.sort(key=lambda e: e[0])
        seen_groups: set[int] = set()
        for _pos, ev in events:
            if isinstance(ev, _Found):
                self._remember(tk, sent, found, ev, seen_groups, state)
                continue
            start, end, kind, arg = ev  # type: ignore[misc]
            is_subject = _subject_at(tk, end - 1)
            subject = is_subject or (kind in ("plural", "person") and tk.dep[end - 1] == "poss")
            actors, gender_hint = self._antecedent(doc, sent, start, kind, arg, subject, state)
            if not actors:
                continue
            by_code: dict[str, Actor] = {}
            for a in actors:
                by_code.setdefault(a.code, a)  # "Obama and Kerry ... they": one USAGOV
            actors = list(by_code.values())
            cs, _ = parsed.char_span(sent, start, end)
            conf = CONF_PRONOUN if kind in ("plural", "person") else CONF_GROUP
            out.extend(_span_mention(parsed, sent, start, end, actor, "anaphora", conf) for actor in actors)
            state.items.append(
                _Item(
                    sentence=sent.index,
                    order=cs,
                    actors=list(actors),
                    group=len(actors) > 1,
                    subject=is_subject,
                    plural=len(actors) > 1 or kind == "plural",
                    gender=gender_hint,
                )
            )
        return out

    def _remember(
        self, tk: _Tokens, sent: Sentence, found: list[_Found], f: _Found, seen: set[int], state: _DocState
    ) -> None:
        m = f.mention
        key = m.actor.country or m.actor.code
        state.salience[key] += 1
        if f.group is not None:
            if f.group in seen:
                return
            seen.add(f.group)
            members = [g for g in found if g.group == f.group]
            actors = _dedupe([g.mention.actor for g in members])
            subject = any(
                _subject_at(tk, g.anchor) or _subject_at(tk, _np_head_at(tk, g.anchor)) for g in members
            )
            state.items.append(
                _Item(sent.index, m.start, actors, group=len(actors) > 1, subject=subject, plural=True)
            )
            for g in members:
                if g.mention.actor.kind == "person":
                    state.items.append(
                        _Item(
                            sent.index,
                            g.mention.start,
                            [g.mention.actor],
                            False,
                            False,
                            False,
                            self._gender(g.mention.actor),
                        )
                    )
            return
        subject = _subject_at(tk, f.anchor) or _subject_at(tk, _np_head_at(tk, f.anchor))
        state.items.append(
            _Item(
                sent.index,
                m.start,
                [m.actor],
                group=False,
                subject=subject,
                plural=f.plural,
                gender=self._gender(m.actor),
            )
        )

    def _gender(self, actor: Actor) -> str:
        if actor.kind != "person":
            return ""
        return self._genders.get(actor.name, "")

    def _antecedent(
        self, doc: Doc, sent: Sentence, start: int, kind: str, arg: str, subject: bool, state: _DocState
    ) -> tuple[list[Actor], str]:
        window = 2 if kind in ("plural", "person") else 3
        items = [it for it in state.items if it.sentence >= sent.index - window]
        if not items:
            return [], ""
        if kind == "person":
            persons = [it for it in items if not it.group and it.actors[0].kind == "person"]
            if arg:
                persons = [it for it in persons if it.gender in ("", arg)]
            if not persons:
                return [], ""
            cand = persons[-1]
            subj = [it for it in persons if it.subject]
            same = [it for it in subj if it.sentence == sent.index]
            if same:
                cand = same[-1]
            elif subj and subj[-1].sentence >= cand.sentence - 1:
                cand = subj[-1]
            # Another, unknown person named in between is the likelier referent.
            if self._unknown_person_between(doc, sent, cand, start, state):
                return [], ""
            return cand.actors, cand.gender
        if kind == "plural":
            # Lists of many countries ("leaders of ten countries: Russia, China, ...") are rarely
            # what "they" means; a plural subject that is no actor in between ("the ships") blocks.
            plural = [it for it in items if it.plural and len(it.actors) <= MAX_PRONOUN_GROUP]
            if not plural:
                return [], ""
            subj = [it for it in plural if it.subject]
            cand = subj[-1] if subj else plural[-1]
            end = sent.offset + doc[start].idx
            if any(cand.order < pos < end for pos in state.plural_subjects):
                return [], ""
            return cand.actors, ""
        need = 2 if arg == "2" else 0
        if kind == "group_person":
            return self._pair_of_people(items, need, state), ""
        # group_state: countries, nations, sides
        groups = []
        for it in items:
            if not it.group:
                continue
            states = _dedupe([self._as_state(a) for a in it.actors])
            if len(states) >= 2 and (not need or len(states) == need):
                groups.append((it, states))
        if groups:
            if subject:
                subj = [g for g in groups if g[0].subject]
                if subj:
                    return subj[-1][1], ""
            return groups[-1][1], ""
        pair = self._pair_of_people(items, need or 2, state)
        return _dedupe([self._as_state(a) for a in pair]), ""

    def _pair_of_people(self, items: list[_Item], need: int, state: _DocState) -> list[Actor]:
        """The most salient people (or governments) of the recent sentences."""
        people: dict[str, tuple[int, Actor]] = {}
        for it in items:
            for a in it.actors:
                if a.kind == "person" and a.country:
                    people[a.name] = (it.order, a)
        if len(people) >= 2:
            ranked = sorted(
                people.values(),
                key=lambda pa: (state.salience[pa[1].country or pa[1].code], pa[0]),
                reverse=True,
            )
            chosen: list[Actor] = []
            countries: set[str] = set()
            for _, a in ranked:
                if a.country in countries:
                    continue
                chosen.append(a)
                countries.add(a.country or "")
                if need and len(chosen) == need:
                    break
            if len(chosen) >= 2:
                return chosen
        for it in reversed(items):
            if it.group and all(a.sector == "GOV" for a in it.actors):
                if not need or len(it.actors) == need:
                    return it.actors
        return []

    def _as_state(self, actor: Actor) -> Actor:
        if actor.country and actor.country in self.kb.countries:
            return self.kb.state_actor(actor.country)
        return actor

    def _unknown_person_between(
        self, doc: Doc, sent: Sentence, cand: _Item, start: int, state: _DocState
    ) -> bool:
        """Is a person that is no actor named between the candidate and the pronoun?"""
        end = sent.offset + doc[start].idx
        return any(cand.order < pos < end for pos in state.unknown_persons)

    def _note_unknown_persons(
        self,
        sent: Sentence,
        tk: _Tokens,
        ents: list[Span],
        found: list[_Found],
        anaphors: list[tuple[int, int, str, str]],
        state: _DocState,
    ) -> None:
        """Remember people and plural subjects that are no actor: "he"/"they" after them are probably them."""
        spans = [(f.mention.token_start, f.mention.token_end) for f in found]
        spans += [(a[0], a[1]) for a in anaphors]
        for ent in ents:
            if ent.label_ != "PERSON":
                continue
            if any(a < ent.end and ent.start < b for a, b in spans):
                continue
            state.unknown_persons.append(sent.offset + ent.start_char)
        covered = {t for a, b in spans for t in range(a, b)}
        doc = sent.span.doc
        dep = tk.dep
        for i in range(sent.span.start, sent.span.end):
            if dep[i] in _PLAIN_SUBJECT_DEPS and i not in covered:
                tok = doc[i]
                if tok.tag_ in _PLURAL_TAGS and not any(c.i in covered for c in tok.children):
                    state.plural_subjects.append(sent.offset + tok.idx)


def _compound(word: str) -> bool:
    """May the token hold mentions joined by hyphens or slashes ("U.S.-China", "U.S.-led")?"""
    return len(word) >= 4 and ("-" in word or "/" in word or "\u2013" in word or "\u2014" in word)


def _subject_at(tk: _Tokens, i: int) -> bool:
    """Is token i, or the first conjunct of its coordination, a subject?"""
    dep, head = tk.dep, tk.head
    while dep[i] == "conj" and head[i] != i:
        i = head[i]
    return dep[i] in _SUBJECT_DEPS


def _np_head_at(tk: _Tokens, i: int) -> int:
    """The noun token i modifies ("Chinese" in "Chinese and Russian leaders" -> "leaders")."""
    dep, head = tk.dep, tk.head
    while dep[i] == "conj" and head[i] != i:
        i = head[i]
    while dep[i] in _NP_MODIFIER_DEPS and head[i] != i:
        i = head[i]
    return i


# Nouns of quantity in front of "of": "hundreds of people", "crowds of people".
_QUANTITY_NOUNS = frozenset(
    {"dozens", "hundreds", "thousands", "millions", "tens", "scores", "crowds", "crowd", "throngs"}
)


def _counted(tok: Token) -> bool:
    """Is the noun a counted subject: "500 people marched", "tens of thousands of people
    blocked streets"? Counted people elsewhere are mostly victims ("killed 23 people"), whom
    the sentence's event does not make actors of their own."""
    if any(c.dep_ == "nummod" for c in tok.children):
        return _active_subject(tok)
    t = tok
    while t.dep_ == "pobj" and t.head.lower_ == "of":
        outer = t.head.head
        if not (
            outer.lower_ in _QUANTITY_NOUNS
            or outer.tag_ == "CD"
            or any(c.dep_ == "nummod" for c in outer.children)
        ):
            return False
        t = outer
    return t is not tok and _active_subject(t)


def _active_subject(tok: Token) -> bool:
    """The subject of an active verb ("people were killed" is passive: victims)."""
    t = tok
    while t.dep_ == "conj" and t.head.i != t.i:
        t = t.head
    return t.dep_ == "nsubj" and not any(c.dep_ == "auxpass" for c in t.head.children)


def _one_edit(a: str, b: str) -> bool:
    """Are the two words one typing error apart (a letter dropped or added, or two neighbours
    swapped), case-insensitively, and not equal?"""
    a, b = a.lower(), b.lower()
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        # A changed letter is left out: it mostly makes another real name ("Marawi"/"Malawi").
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _dedupe(actors: list[Actor]) -> list[Actor]:
    seen: set[tuple[str, str]] = set()
    out = []
    for a in actors:
        key = (a.code, a.name)
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


@lru_cache(maxsize=1)
def default_resolver() -> ActorResolver:
    """The process-wide resolver (knowledge base and gazetteer built once)."""
    return ActorResolver()
