"""The event coder: who did what to whom, read off spaCy's dependency parse with a pattern lexicon.

For every sentence with actor mentions, each word that the lexicon knows (a verb, an event noun, a
predicative adjective) becomes a *frame*: a CAMEO code, the heads of its source and target phrases
and its grammatical modality. Frames that embed another event ("threatened to cut off aid",
"agreed to a ceasefire", "urged X to release") are then composed with it, innermost first, and the
remaining frames are turned into one :class:`Event` per (source actor, target actor) pair.

Sources are subjects (or passive agents, or the owner of an event noun: "U.S. sanctions",
"Trump's decision"); conjoined and controlled verbs inherit them. Targets are objects or the
objects of the prepositions a lexicon row names. Reciprocal words ("meet", "talks", "ally") with a
coordinated subject give events among its members.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from realpolitik.events import modality as mod
from realpolitik.events.cameo import cameo_code, plover_for
from realpolitik.events.dates import find_timexes, timex_for
from realpolitik.events.lexicon import (
    Pattern,
    candidates,
    event_host_nouns,
    military_nouns,
    patterns,
    quantity_nouns,
    transform,
)
from realpolitik.events.syntax import (
    CLAUSAL,
    DATIVE,
    NOUN_SOURCE_MODS,
    OBJ,
    PASS_SUBJ,
    PERSONAL_PRONOUNS,
    REL_PRONOUNS,
    SOURCE_DESCENT,
    SUBJ,
    TARGET_DESCENT,
    cached_children,
    children_of,
    conjuncts,
    depth,
    direct_objects,
    is_passive,
    np_core,
    particles,
    preps_of,
)
from realpolitik.models import ActorRef, Article, Event, Mention, Modality, Polarity

if TYPE_CHECKING:
    from spacy.tokens import Token

    from realpolitik.nlp import ParsedText, Sentence

CODER_NAME = "lexicon"
# Base confidence by how the event was found (multiplied by the mentions' own confidence).
CONF_VERB = 0.9
CONF_FRAME = 0.8
CONF_LIGHT = 0.8
CONF_NOUN = 0.65
CONF_RECIP = 0.85
CONF_INHERITED = 0.9  # source inherited from a conjoined/controlling verb
CONF_LOGOPHORIC = 0.7  # "X said he ...": pronoun taken to be the sayer
CONF_HYPOTHETICAL = 0.7
CONF_LOCATION = 0.8  # target taken from where a violent event happened (no lower than no target)
# Source taken from where an unattributed assault happened: the weakest reading of a sentence.
CONF_LOCATION_SOURCE = 0.6
LOCATION_SOURCE_ROOTS = frozenset({"18", "19", "20"})
LOCATION_PREPS = ("in", "at", "near", "outside", "inside")
# An event told in an adverbial or relative clause ("staged demonstrations to demand reforms", "police
# opened fire to disperse protesters", "refugees who fled the war") is background to the sentence's
# main event, which CAMEO codes: it ranks below an event of the main clause.
CONF_SUBORDINATE = 0.7
SUBORDINATE_DEPS = frozenset({"advcl", "relcl", "acl"})
MILITARY_SECTORS = ("MIL",)
COPULAS = frozenset({"be", "remain", "become", "stay"})
# Verbs whose to-infinitive is done by their subject even when they have an object ("promised X to V").
SUBJECT_CONTROL = frozenset({"promise", "offer", "pledge", "vow", "threaten"})
# Roots whose events stand without a target ("X claimed responsibility", "troops were mobilized",
# "protesters rioted"); cooperation, requests, rejections, threats and sanctions need a counterpart.
UNTARGETED_ROOTS = frozenset({"01", "14", "15", "17", "18", "19", "20"})
CONF_UNTARGETED = 0.8
# Any other event whose target is not among the mentions (an unnamed or unresolved counterpart: "called
# on the world community to help", "agreed to set up a research centre", or the source's own country:
# "promised to democratize Serbia") is kept with no target, as GDELT keeps CAMEO events with an empty
# Actor2, at a confidence below any targeted event of the sentence.
CONF_TARGET_MISSING = 0.55
EMBEDDING_FRAMES = frozenset(
    {"intent", "threat", "refuse", "report", "transparent", "appeal", "demand", "prepare", "consider"}
)
POSTURE_CODE = "150"
RALLY_SUPPORT = "053"  # urge others to back a third actor
RALLY_OPPOSITION = "113"  # urge others to act against a third actor
MILITARY_ROOTS = frozenset({"15", "18", "19", "20"})  # "prepared to attack": demonstrate military power
# Roots that are verbal acts already: an intent to criticise is not "intent to cooperate".
VERBAL_ROOTS = frozenset({"01", "02", "03", "09", "10", "11", "12", "13"})
CLAUSE_TARGET_PREPS = ("to", "with", "from", "against", "on", "for", "of", "into")


def _host(tok: Token) -> Token:
    """A compound event noun takes its arguments from the noun it modifies ("mediation effort between X")."""
    if tok.dep_ == "compound" and tok.head.pos_ == "NOUN" and tok.head.lemma_.lower() in event_host_nouns():
        return tok.head
    return tok


def _argument_position(noun: Token) -> Token:
    """The word whose dependency relation places an event noun in its clause: the first conjunct of a
    coordination ("launched artillery, mortar and rocket fire") or the measure noun that counts it
    ("10 days of war games", "a series of attacks")."""
    cur = noun
    for _ in range(6):
        if cur.dep_ == "conj" and cur.head.pos_ in ("NOUN", "PROPN"):
            cur = cur.head
            continue
        if (
            cur.dep_ == "pobj"
            and cur.head.lower_ == "of"
            and cur.head.head.lemma_.lower() in quantity_nouns()
        ):
            cur = cur.head.head
            continue
        break
    return cur


def _is_military(m: Mention) -> bool:
    sector = (m.actor.sector or "").upper()
    return any(s in sector or m.actor.code.endswith(s) for s in MILITARY_SECTORS)


@dataclass
class Frame:
    """An event in the making: a trigger, a code, argument mentions and grammar."""

    trigger: Token
    pattern: Pattern | None
    code: str | None
    kind: str  # verb, noun, adj
    sources: list[Mention] = field(default_factory=list)
    targets: list[Mention] = field(default_factory=list)
    participants: list[Mention] = field(default_factory=list)  # "talks between X and Y"
    extra_tokens: list[Token] = field(default_factory=list)
    modality: Modality = "actual"
    polarity: Polarity = "asserted"
    recip: bool = False
    confidence: float = CONF_VERB
    consumed: bool = False
    frame_applied: bool = False  # an embedding frame already set the modality/code
    host: Token | None = None  # nouns: the word whose dependents give the arguments ("mediation effort")
    absorber: Token | None = None  # nouns: the verb that lends its subject ("expressed support")
    standalone: bool = True  # False: only counts when an embedding word takes it up
    base_quad: int | None = None  # QuadClass of the innermost coded event (location targets need 2 or 4)

    def __post_init__(self) -> None:
        if self.host is None:
            self.host = self.trigger

    @property
    def tokens(self) -> list[Token]:
        return [self.trigger, *self.extra_tokens]


@dataclass(frozen=True)
class FrameInfo:
    """One lexicon word that fired in a sentence (see :meth:`EventCoder.explain`)."""

    trigger: str
    code: str | None  # None: a word that only frames or lends (speech, light, intent without an event)
    kind: str  # verb, noun, adj
    live: bool  # False: folded into another word's event, or a noun that needs a verb
    sources: int
    targets: int


def _country_key(m: Mention) -> str:
    return m.actor.country or m.actor.code


def _in_order(tokens: set[Token]) -> list[Token]:
    """Tokens in sentence order: a set of spaCy tokens iterates in an order that changes from run
    to run (tokens hash by their Doc's identity), and the order decides which events come first."""
    return sorted(tokens, key=lambda t: t.i)


def _dedupe(mentions: list[Mention], head: Token | None = None) -> list[Mention]:
    """One mention per actor (country, or code for non-state actors); the one on the head word first,
    else the most specific code."""
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(_country_key(m), []).append(m)
    out = []
    for ms in groups.values():
        if head is not None:
            on_head = [m for m in ms if m.token_start <= head.i < m.token_end]
            if on_head:
                ms = on_head
        out.append(max(ms, key=lambda m: (len(m.actor.code), m.confidence)))
    return out


class _Sentence:
    """Mentions of one sentence indexed by token, and the argument-finding helpers that need them."""

    def __init__(self, sentence: Sentence, mentions: list[Mention]) -> None:
        self.sentence = sentence
        self.span = sentence.span
        self.doc = sentence.span.doc
        # The sentence's tokens, made once: iterating a span makes a new Token object per word each
        # time, and the frame search, the time expressions and every event's attribution read them all.
        self.tokens: list[Token] = list(sentence.span)
        self.blocked: set[int] = set()
        self.frames: dict[int, Frame] = {}
        self.by_token: dict[int, list[Mention]] = defaultdict(list)
        for m in mentions:
            for i in range(m.token_start, m.token_end):
                self.by_token[i].append(m)

    @cached_property
    def text(self) -> str:
        """The sentence's text (Span.text joins its tokens anew at each call; events repeat it)."""
        return self.sentence.text

    def in_sentence(self, tok: Token) -> bool:
        return self.span.start <= tok.i < self.span.end

    def mentions_on(self, indices: set[int]) -> list[Mention]:
        seen: dict[int, Mention] = {}
        for i in sorted(indices):
            for m in self.by_token.get(i, ()):
                seen.setdefault(id(m), m)
        return list(seen.values())

    def np_actors(self, head: Token, role: str, _depth: int = 0) -> list[Mention]:
        """Actors a noun phrase names: in its own words, else in an of/by/to... phrase under it."""
        if head.lower_ in REL_PRONOUNS and head.dep_ in SUBJ | PASS_SUBJ and head.head.dep_ == "relcl":
            head = head.head.head
        found = self.mentions_on(np_core(head, with_appos=False))
        if not found:  # "Russia's President, Vladimir Putin": an apposition names the same actor
            found = self.mentions_on(np_core(head))
        if found or _depth >= 2:
            return _dedupe(found, head)
        order = TARGET_DESCENT if role == "target" else SOURCE_DESCENT
        # Each head's prepositional phrases are read once, not once per preposition of ``order``
        # (preps_of(h, [prep]) is preps_of(h) filtered by the preposition's word, in the same order).
        phrases = [
            (p.lower_, obj)
            for h in conjuncts(head)
            for p, obj in preps_of(h)
            if p.head.i == h.i  # only phrases directly under the noun
        ]
        if not phrases:
            return []
        for prep in order:
            acc: list[Mention] = []
            for name, obj in phrases:
                if name == prep:
                    acc += self.np_actors(obj, role, _depth + 1)
            if acc:
                return _dedupe(acc)
        return []


class EventCoder:
    """Codes events from parsed text and actor mentions. Stateless apart from cached tables."""

    name = CODER_NAME

    def __init__(self) -> None:
        # lexicon.candidates(lemma, pos) as one dict per part of speech (match asks them per token)
        by_pos: dict[str, dict[str, list[Pattern]]] = {"V": {}, "N": {}, "A": {}}
        for (lemma, pos), rows in patterns().items():
            by_pos[pos][lemma] = rows
        self._verb_rows, self._noun_rows, self._adj_rows = by_pos["V"], by_pos["N"], by_pos["A"]
        self._speech = frozenset(
            lemma
            for (lemma, pos), rows in patterns().items()
            if pos == "V" and any(r.frame == "speech" for r in rows)
        )

    # ------------------------------------------------------------------ public API
    def code(self, parsed: ParsedText, mentions: list[Mention], article: Article) -> list[Event]:
        """Events of one parsed article, given its actor mentions (from realpolitik.actors).

        Sentences without mentions are skipped. Events are returned in sentence order, each once
        (by event id); relative dates are resolved against ``article.date``."""
        by_sentence: dict[int, list[Mention]] = defaultdict(list)
        for m in mentions:
            by_sentence[m.sentence_index].append(m)
        events: list[Event] = []
        seen: set[str] = set()
        for sent in parsed.sentences:
            ms = by_sentence.get(sent.index)
            if not ms:
                continue
            for ev in self.code_sentence(sent, ms, article):
                if ev.event_id not in seen:
                    seen.add(ev.event_id)
                    events.append(ev)
        return events

    def code_sentence(self, sentence: Sentence, mentions: list[Mention], article: Article) -> list[Event]:
        """Events of one sentence, given the mentions in it."""
        ctx = _Sentence(sentence, mentions)
        with cached_children(ctx.doc):
            frames = self._frames(ctx)
            ctx.frames = frames
            self._compose(ctx, frames)
            timexes = find_timexes(sentence.span, sentence.offset, article.date, ctx.tokens)
            out: list[Event] = []
            for fr in frames.values():
                if fr.consumed or fr.code is None or not fr.standalone:
                    continue
                out.extend(self._events(ctx, fr, article, timexes))
        return out

    def explain(self, sentence: Sentence, mentions: list[Mention]) -> list[FrameInfo]:
        """What the coder made of a sentence before turning frames into events: one entry per
        lexicon word that fired, with its code and whether it found a source and a target. For
        diagnosing sentences without events (benchmarks/accuracy.py tallies why)."""
        ctx = _Sentence(sentence, mentions)
        with cached_children(ctx.doc):
            frames = self._frames(ctx)
            ctx.frames = frames
            self._compose(ctx, frames)
        return [
            FrameInfo(
                trigger=fr.trigger.text,
                code=fr.code,
                kind=fr.kind,
                live=not fr.consumed and fr.standalone,
                sources=len(fr.sources),
                targets=len(fr.targets) + len(fr.participants),
            )
            for fr in frames.values()
        ]

    # ------------------------------------------------------------------ frames
    def match(self, tok: Token) -> tuple[Pattern | None, str]:
        """The lexicon row a token matches, and its kind (verb, noun, adj). Public: sentence
        selection (realpolitik.selection.CoderTriggers) asks it, to be exactly as strict as the coder."""
        # Called on every token of every candidate sentence (twice: selection, then the coder), and
        # most tokens have no lexicon row: the dict look-ups come first, the tree is only read (by
        # is_passive and _pick) for a word that has rows. The look-ups are those of
        # lexicon.candidates, on per-part-of-speech tables.
        pos = tok.pos_
        if pos == "VERB" or (pos == "AUX" and tok.dep_ not in ("aux", "auxpass")):
            adj_rows = self._adj_rows.get(tok.lower_.lower())
            if adj_rows and is_passive(tok):  # "is opposed to", "is committed to"
                return self._pick(tok, adj_rows), "adj"
            rows = self._verb_rows.get(tok.lemma_.lower())
            return (self._pick(tok, rows) if rows else None), "verb"
        if pos == "NOUN" or (pos == "PROPN" and tok.text.islower()):
            rows = self._noun_rows.get(tok.lemma_.lower()) or self._noun_rows.get(tok.lower_.lower())
            return self._pick(tok, rows), "noun"
        if pos == "ADJ" and tok.dep_ in ("acomp", "oprd", "ROOT", "conj", "xcomp"):
            rows = self._adj_rows.get(tok.lower_.lower()) or self._adj_rows.get(tok.lemma_.lower())
            return self._pick(tok, rows), "adj"
        return None, ""

    def _pick(self, tok: Token, rows: list[Pattern] | None) -> Pattern | None:
        """The most specific row whose conditions the token's dependents meet."""
        if not rows:
            return None
        # Each condition's facts (particles, objects, modifiers) are read from the tree the first
        # time a row asks for them: most rows ask for none or one of them.
        parts: set[str] | None = None
        dobj: list[Token] | None = None
        dobj_lemmas: set[str] | None = None
        mods: set[str] | None = None
        for p in rows:
            if p.particle:
                if parts is None:
                    parts = particles(tok)
                if p.particle not in parts:
                    continue
            if p.need_object or p.objects is not None:
                if dobj is None:
                    dobj = self._pick_objects(tok)
                if p.need_object and not dobj:
                    continue
                if p.objects is not None:
                    if dobj_lemmas is None:
                        dobj_lemmas = self._object_words(dobj)
                    if not (dobj_lemmas & p.objects):
                        continue
            if p.mods is not None:
                if mods is None:
                    mods = self._modifier_words(tok)
                if not (mods & p.mods):
                    continue
            if p.that_clause and not _states_proposition(tok):
                continue
            if p.subjects is not None and not (self._subject_words(tok) & p.subjects):
                continue
            if p.prep_object is not None:
                prep, objs = p.prep_object
                pobjs = [o for _, o in preps_of(tok, [prep])]
                if not pobjs:
                    continue
                if objs is not None and not any(o.lemma_.lower() in objs or o.lower_ in objs for o in pobjs):
                    continue
            return p
        return None

    @staticmethod
    def _pick_objects(tok: Token) -> list[Token]:
        """The objects a row's object condition looks at: direct objects, passive subjects and the
        counted noun of a quantity phrase."""
        dobj = direct_objects(tok) + [c for c in children_of(tok) if c.dep_ in PASS_SUBJ]
        counted = [o for d in dobj if d.lemma_.lower() in quantity_nouns() for _, o in preps_of(d, ["of"])]
        return dobj + counted

    @staticmethod
    def _object_words(dobj: list[Token]) -> set[str]:
        # "ended mediation efforts", "suspended an aid program": a compound modifier names the thing too
        words = {c.lemma_.lower() for d in dobj for c in conjuncts(d)} | {d.lower_ for d in dobj}
        words |= {c.lemma_.lower() for d in dobj for c in children_of(d) if c.dep_ == "compound"}
        return words

    @staticmethod
    def _modifier_words(tok: Token) -> set[str]:
        host = _host(tok)
        mods = {
            c.lemma_.lower()
            for h in {tok, host}
            for c in children_of(h)
            if c.dep_ in ("compound", "amod", "nmod")
        }
        if (
            tok.dep_ == "pobj"
            and tok.head.lower_ == "of"
            and tok.head.head.lemma_.lower() in quantity_nouns()
        ):
            mods.add(tok.head.head.lemma_.lower())  # "a state of siege": the measure noun qualifies it
        return mods

    def _subject_words(self, tok: Token) -> set[str]:
        """Lemmas of the acting phrase's heads and their modifiers ("suicide bombers", "UN peacekeepers")."""
        heads, _ = self._subject_heads(tok)
        heads = heads + [o for h in heads for _, o in preps_of(h, ["of"])]  # "a first group of troops"
        return {h.lemma_.lower() for h in heads} | {
            c.lemma_.lower() for h in heads for c in children_of(h) if c.dep_ in ("compound", "amod", "nmod")
        }

    def _frames(self, ctx: _Sentence) -> dict[int, Frame]:
        frames: dict[int, Frame] = {}
        blocked: set[int] = set()
        for tok in ctx.tokens:
            pat, kind = self.match(tok)
            if pat is None:
                continue
            if pat.code is None and pat.frame == "plain":
                blocked.add(tok.i)  # blocking rows ("meet the deadline", "prevent a war")
                continue
            if kind == "noun" and tok.dep_ == "compound" and _host(tok).i == tok.i:
                continue  # a modifier, not the event ("attack helicopters", "pressure groups")
            frames[tok.i] = Frame(
                trigger=tok, pattern=pat, code=None, kind=kind, recip=pat.recip, host=_host(tok)
            )
        ctx.blocked = blocked
        for fr in list(frames.values()):
            self._fill(ctx, fr, frames)
        for fr in list(frames.values()):
            pat = fr.pattern
            if fr.kind != "verb" or pat is None or pat.objects is None or pat.code is None:
                continue
            # "rejected X's demand", "lifted its sanctions": an object the row names is part of the
            # verb's pattern, not an event of its own
            for d in direct_objects(fr.trigger):
                for obj in conjuncts(d):
                    inner = frames.get(obj.i)
                    if inner is not None and inner.kind == "noun" and obj.lemma_.lower() in pat.objects:
                        inner.consumed = True  # and what it embeds ("demand to sever ties") did not happen
                        self._suppress(frames, obj, keep=fr)
        return frames

    def _is_absorber(self, ctx: _Sentence, verb: Token, frames: dict[int, Frame]) -> bool:
        """A verb that lends its subject to an event-noun object ("expressed support", "launched an
        attack", "announced sanctions"): a verb without a code of its own that is not a blocking verb."""
        if verb.pos_ not in ("VERB", "AUX") or verb.i in ctx.blocked:
            return False
        fr = frames.get(verb.i)
        if fr is None or fr.pattern is None:
            return True
        return fr.pattern.code is None

    def _fill(self, ctx: _Sentence, fr: Frame, frames: dict[int, Frame]) -> None:
        """Find the source/target mentions and the grammar of a frame."""
        tok, pat = fr.trigger, fr.pattern
        assert pat is not None
        src_heads: list[Token] | None = None
        if fr.kind in ("verb", "adj"):
            src_heads, inherited = self._subject_heads(tok, frames)
            fr.sources, how = self._actors_of_heads(ctx, src_heads, "source")
            if (
                not fr.sources
                and tok.dep_ == "acl"
                and tok.tag_ == "VBG"
                and tok.head.dep_ in ("dobj", "attr")
            ):
                # "X issued a declaration demanding ...": a text that demands speaks for whoever
                # issued it, when it names no actor itself
                gov_heads, _ = self._subject_heads(tok.head.head, frames)
                fr.sources, how = self._actors_of_heads(ctx, gov_heads, "source")
                inherited = True
            if how == "logophoric":
                fr.confidence *= CONF_LOGOPHORIC
            elif inherited:
                fr.confidence *= CONF_INHERITED
            fr.targets = self._verb_targets(ctx, tok, pat)
            if not fr.targets and pat.frame == "plain":
                fr.targets = self._raised_object(ctx, tok)
            anchor = tok if fr.kind == "verb" else self._copula(tok)
            fr.modality = mod.modality_of(anchor, self._speech)
            fr.polarity = mod.polarity_of(anchor)
            if fr.modality == "actual" and self._purpose_clause(anchor):
                fr.modality = "intended"  # the code stays: "met to strengthen ties" is not a promise
                fr.frame_applied = True
        else:
            host = fr.host
            absorber = None
            host = _argument_position(host)
            if host.dep_ in ("dobj", "attr", "oprd"):
                if self._is_absorber(ctx, host.head, frames):
                    absorber = host.head
            elif host.dep_ == "nsubjpass" and is_passive(host.head):  # "sanctions were imposed by X"
                gov = frames.get(host.head.i)
                if gov is not None and gov.pattern is not None and gov.pattern.frame in ("light", "speech"):
                    absorber = host.head
            elif host.dep_ == "pobj" and host.head.dep_ == "prep":  # "engaged in ethnic cleansing"
                gov = frames.get(host.head.head.i)
                if gov is not None and gov.pattern is not None and gov.pattern.frame == "light":
                    if host.head.lower_ in gov.pattern.tpreps:
                        absorber = gov.trigger
            own = self._noun_sources(ctx, tok, host)
            if absorber is not None:
                if host.dep_ == "nsubjpass":  # "sanctions were imposed on Iran by Washington"
                    heads = [o for p, o in preps_of(absorber, ["by"]) if p.dep_ == "agent"]
                    inherited = False
                elif host.dep_ == "pobj" and is_passive(absorber):  # "X was involved in the attack"
                    heads, inherited = [c for c in children_of(absorber) if c.dep_ in PASS_SUBJ], False
                else:
                    heads, inherited = self._subject_heads(absorber, frames)
                subj, how = self._actors_of_heads(ctx, heads, "source")
                fr.sources = subj or own
                fr.absorber = absorber
                fr.confidence = CONF_LIGHT * (CONF_LOGOPHORIC if how == "logophoric" else 1.0)
                fr.extra_tokens.append(absorber)
                fr.targets = self._noun_targets(ctx, tok, host, pat, absorber)
                if subj and own and not pat.recip and not fr.targets:
                    # "X voiced Y's ...": owners of the noun other than the subject are its targets
                    subj_keys = {_country_key(m) for m in subj}
                    fr.targets = [m for m in own if _country_key(m) not in subj_keys]
                fr.modality = mod.modality_of(absorber, self._speech)
                if fr.modality == "actual":
                    fr.modality = mod.modality_of(host, self._speech)
                negated = mod.is_negated(absorber) or mod.is_negated(host) or mod.is_negated(tok)
                fr.polarity = "negated" if negated else "asserted"
            else:
                fr.standalone = not pat.light
                fr.sources = own
                fr.confidence = CONF_NOUN
                fr.targets = self._noun_targets(ctx, tok, host, pat, None)
                fr.modality = mod.modality_of(host, self._speech)
                fr.polarity = "negated" if (mod.is_negated(host) or mod.is_negated(tok)) else "asserted"
            fr.participants = self._participants(
                ctx, {tok, host} | ({absorber} if absorber is not None else set())
            )
            # "U.S.-China trade talks": the owners of a reciprocal noun are its participants
            if (
                pat.recip
                and not fr.participants
                and not fr.targets
                and len(fr.sources) >= 2
                and absorber is None
            ):
                fr.participants, fr.sources = fr.sources, []
        military = any(_is_military(m) for m in fr.sources) or self._military_head(tok, fr, src_heads)
        # a wish ("wants X to V") has no event of its own: its row's code is the appeal it may make
        fr.code = None if pat.wish else pat.code_for(military)
        if fr.code is not None:
            fr.base_quad = cameo_code(fr.code).quad_class
        if pat.particle:
            fr.extra_tokens += [c for c in children_of(tok) if c.lower_ == pat.particle]

    def _purpose_clause(self, verb: Token) -> bool:
        """ "met to strengthen ties", "a consensus to exchange information": a to-infinitive adverbial
        or noun modifier says what is meant to happen (not for frame nouns: "decision to pull out")."""
        if not any(c.dep_ == "aux" and c.lower_ == "to" for c in children_of(verb)):
            return False
        if verb.dep_ == "advcl":
            return True
        if verb.dep_ == "acl":
            head_pat, _ = self.match(verb.head)
            return head_pat is None or head_pat.frame == "plain"
        return False

    def _military_head(self, tok: Token, fr: Frame, subject_heads: list[Token] | None = None) -> bool:
        """The acting phrase is headed by a military word ("Russian aircraft", "Israeli tanks").
        ``subject_heads``: _subject_heads(tok) when the caller has it (a verb or adjective frame,
        which has no absorber); it is not computed a second time."""
        if subject_heads is not None and fr.absorber is None:
            heads = subject_heads
        else:
            heads, _ = (
                self._subject_heads(fr.absorber or tok) if fr.kind != "noun" or fr.absorber else ([], False)
            )
        return any(h.lemma_.lower() in military_nouns() for h in heads)

    def _copula(self, adj: Token) -> Token:
        if adj.pos_ in ("VERB", "AUX"):
            return adj
        return adj.head if adj.dep_ in ("acomp", "oprd") and adj.head.lemma_ in COPULAS else adj

    # ------------------------------------------------------------------ arguments
    def _subject_heads(self, tok: Token, frames: dict[int, Frame] | None = None) -> tuple[list[Token], bool]:
        """Heads of the phrases that name who acts, and whether they were inherited from another word."""
        verb = tok
        if tok.pos_ == "ADJ":
            verb = self._copula(tok)
        if verb.i == tok.i and tok.pos_ in ("VERB", "AUX") and is_passive(tok):
            agents = [o for p, o in preps_of(tok, ["by"]) if p.dep_ == "agent"]
            if agents:
                return agents, False
            subj = [c for c in children_of(tok) if c.dep_ in PASS_SUBJ]
            if subj and candidates(tok.lower_, "A"):
                return subj, False
            return [], False
        subj = [c for c in children_of(verb) if c.dep_ in SUBJ]
        if subj:
            return subj, False
        head, rel = verb.head, verb.dep_
        if head.i == verb.i:
            return [], False
        to_inf = any(c.lower_ == "to" and c.dep_ == "aux" for c in children_of(verb))
        if rel == "xcomp" or (rel == "advcl" and (to_inf or verb.tag_ == "VBG")):
            # object control: "urged China to V", "called on Israel to V"
            objs = [c for c in children_of(head) if c.dep_ in OBJ]
            if rel == "xcomp" and objs and head.lemma_.lower() not in SUBJECT_CONTROL:
                return objs, True
            ons = [o for p, o in preps_of(head, ["on", "upon"]) if head.lemma_.lower() == "call"]
            if rel == "xcomp" and ons:
                return ons, True
            heads, _ = self._subject_heads(head, frames)
            return heads, True
        if rel == "conj" and head.pos_ in ("VERB", "AUX"):
            heads, _ = self._subject_heads(head, frames)
            return heads, True
        if rel == "acl":
            if verb.tag_ == "VBG":
                return [head], True  # "leaders attending the summit"
            if verb.tag_ == "VBN":
                return [], False
            owners = [c for c in children_of(head) if c.dep_ == "poss"]
            owners = owners or [c for c in children_of(head) if c.dep_ in ("compound", "amod", "nmod")]
            if owners:
                return owners, True
            # "announced a decision to V": only frame nouns pass their governor's subject down
            head_pat, _ = self.match(head)
            if (
                head_pat is not None
                and head_pat.frame != "plain"
                and head.dep_ in ("dobj", "attr")
                and head.head.pos_ in ("VERB", "AUX")
            ):
                heads, _ = self._subject_heads(head.head, frames)
                return heads, True
            return [], False
        if rel == "relcl":
            return [head], True
        if rel in ("acomp", "oprd") and head.lemma_ in COPULAS:
            # a participle parsed as a predicate ("Iraq is prepared to ..."): the copula's subject
            heads, _ = self._subject_heads(head, frames)
            return heads, False
        if rel == "pcomp":  # "accused X of violating": the accused does it
            gov = head.head
            objs = [c for c in children_of(gov) if c.dep_ in OBJ]
            if objs:
                return objs, True
            if gov.pos_ in ("VERB", "AUX") or (gov.pos_ == "ADJ" and gov.dep_ in ("acomp", "oprd")):
                # "accused X of V-ing"; "X is guilty of violating the ceasefire"
                heads, _ = self._subject_heads(gov, frames)
                return heads, True
            if gov.pos_ == "NOUN" and gov.dep_ in ("dobj", "attr") and self._lends_subject(gov.head):
                # "initiated the process of returning X": whoever runs the process does it
                heads, _ = self._subject_heads(gov.head, frames)
                return heads, True
        return [], False

    def _lends_subject(self, verb: Token) -> bool:
        """A verb without a code of its own that is not a blocking word ("began", "initiated", not
        "prevented" or "criticized")."""
        if verb.pos_ not in ("VERB", "AUX"):
            return False
        pat, _ = self.match(verb)
        return pat is None or (pat.code is None and pat.frame != "plain")

    def _actors_of_heads(self, ctx: _Sentence, heads: list[Token], role: str) -> tuple[list[Mention], str]:
        out: list[Mention] = []
        for h in heads:
            if not ctx.in_sentence(h):
                continue
            out += ctx.np_actors(h, role)
        if out:
            return _dedupe(out), "direct"
        # "X said he would ...": an unresolved pronoun subject is taken to be the sayer
        for h in heads:
            if h.lower_ in PERSONAL_PRONOUNS and h.dep_ in SUBJ:
                sayer = self._sayer(h.head)
                if sayer is not None:
                    found = ctx.np_actors(sayer, "source")
                    if found:
                        return found, "logophoric"
        return [], "none"

    def _sayer(self, verb: Token) -> Token | None:
        cur = verb
        for _ in range(10):
            if cur.head.i == cur.i:
                return None
            if cur.dep_ in ("ccomp", "parataxis") and cur.head.lemma_.lower() in self._speech:
                subj = [c for c in children_of(cur.head) if c.dep_ in SUBJ]
                return subj[0] if subj else None
            if cur.dep_ not in ("xcomp", "conj", "ccomp", "advcl"):
                return None
            cur = cur.head
        return None

    def _verb_targets(self, ctx: _Sentence, tok: Token, pat: Pattern) -> list[Mention]:
        verb = self._copula(tok) if tok.pos_ == "ADJ" else tok
        constrained = pat.objects is not None
        dobj = direct_objects(verb)
        if verb.i == tok.i and is_passive(tok) and not candidates(tok.lower_, "A"):
            dobj = [c for c in children_of(tok) if c.dep_ in PASS_SUBJ]  # "Iran was attacked"
        dative = [c for c in children_of(verb) if c.dep_ in DATIVE and c.pos_ not in ("ADP",)]
        prep_objs = [o for p, o in preps_of(tok, pat.tpreps)] if pat.tpreps else []
        if verb.i != tok.i and pat.tpreps:
            prep_objs += [o for p, o in preps_of(verb, pat.tpreps)]
        slots = [prep_objs, dative, dobj] if constrained else [dobj, dative, prep_objs]
        for heads in slots:
            found: list[Mention] = []
            for h in heads:
                if h.pos_ in ("VERB", "AUX"):
                    continue
                found += ctx.np_actors(h, "target")
            if found:
                return _dedupe(found)
        return []

    def _raised_object(self, ctx: _Sentence, verb: Token) -> list[Mention]:
        """ "allowed X to return", "forced X to leave": the parser often makes X the subject of the
        to-infinitive rather than the verb's object; X is still the one the verb acts on."""
        if verb.pos_ not in ("VERB", "AUX"):
            return []
        found: list[Mention] = []
        for c in children_of(verb):
            if c.dep_ == "ccomp" and any(a.dep_ == "aux" and a.lower_ == "to" for a in children_of(c)):
                for s in children_of(c):
                    if s.dep_ in SUBJ:
                        found += ctx.np_actors(s, "target")
        return _dedupe(found)

    def _threatened_place(self, ctx: _Sentence, fr: Frame, clause: Token) -> list[Mention]:
        """ "threatened to resume attacks in Israel": the country where a threatened act would happen
        is what is threatened, as for the place of an act of violence (not the source's own country)."""
        heads = [clause] + [c for c in children_of(clause) if c.dep_ in OBJ]
        found: list[Mention] = []
        for h in heads:
            for p, o in preps_of(h, ["in", "inside"]):
                if p.head.i == h.i:
                    found += ctx.np_actors(o, "target")
        own = {_country_key(m) for m in fr.sources}
        return [m for m in _dedupe(found) if _country_key(m) not in own]

    def _noun_sources(self, ctx: _Sentence, noun: Token, host: Token) -> list[Mention]:
        """Who a standalone event noun is by: "U.S. sanctions", "Trump's decision", "calls by X"."""
        idx: set[int] = set()
        for h in _in_order({noun, host}):
            for c in children_of(h):
                if c.dep_ in NOUN_SOURCE_MODS and c.i != noun.i:
                    idx |= np_core(c)
        found = ctx.mentions_on(idx)
        if not found:
            for h in _in_order({noun, host}):
                for p, o in preps_of(h, ["by"]):
                    if p.head.i == h.i:
                        found += ctx.np_actors(o, "source")
        return _dedupe(found)

    def _noun_targets(
        self, ctx: _Sentence, noun: Token, host: Token, pat: Pattern, absorber: Token | None
    ) -> list[Mention]:
        preps = [p for p in pat.tpreps if p not in ("between", "among")]
        heads: list[Token] = []
        for h in _in_order({noun, host} | ({absorber} if absorber is not None else set())):
            heads += [o for p, o in preps_of(h, preps) if p.head.i == h.i]
        found: list[Mention] = []
        for h in heads:
            found += ctx.np_actors(h, "target")
        return _dedupe(found)

    def _participants(self, ctx: _Sentence, heads: set[Token]) -> list[Mention]:
        found: list[Mention] = []
        for head in _in_order(heads):
            for p, o in preps_of(head, ["between", "among"]):
                if p.head.i == head.i:
                    found += ctx.np_actors(o, "target")
        return _dedupe(found)

    def _clause_targets(self, ctx: _Sentence, verb: Token) -> list[Mention]:
        """Actors named by an uncoded embedded verb's objects: "refused to respond to X's demand"."""
        heads = [c for c in children_of(verb) if c.dep_ in OBJ | DATIVE]
        heads += [o for p, o in preps_of(verb, CLAUSE_TARGET_PREPS) if p.head.i == verb.i]
        found: list[Mention] = []
        for h in heads:
            if h.pos_ not in ("VERB", "AUX"):
                found += ctx.np_actors(h, "target")
        return _dedupe(found)

    # ------------------------------------------------------------------ composition
    def _embedded(
        self, ctx: _Sentence, fr: Frame, frames: dict[int, Frame]
    ) -> list[tuple[Frame | None, Token]]:
        """What an embedding word governs, as (frame or None, clause root): its to-infinitive or
        that-clause, its event-noun object, the event noun after one of its prepositions, or (for
        nouns) its to-infinitive modifier."""
        pat = fr.pattern
        assert pat is not None
        tok = fr.trigger
        absorbed: dict[int, Frame] = {f.absorber.i: f for f in frames.values() if f.absorber is not None}
        out: list[tuple[Frame | None, Token]] = []

        def lookup(t: Token) -> Frame | None:
            f = frames.get(t.i)
            if (f is None or f.code is None) and t.i in absorbed:
                f = absorbed[t.i]  # "prepared to impose martial law": the light verb's event noun
            if f is not None and (f.consumed or f is fr):
                return None
            return f

        clause_deps = {"xcomp"}
        if pat.frame in ("intent", "prepare", "appeal", "demand", "report", "speech"):
            clause_deps.add("ccomp")
        anchors = [tok, fr.host]
        if fr.kind == "adj":
            anchors.append(self._copula(tok))
        for a in anchors:
            for c in children_of(a):
                if c.dep_ == "advcl" and fr.kind == "verb" and _adjacent_infinitive(a, c):
                    out.append((lookup(c), c))  # "have sworn to fight", parsed as a purpose clause
                elif c.dep_ in clause_deps or (
                    fr.kind == "noun" and c.dep_ in ("acl", "ccomp") and c.tag_ == "VB"
                ):
                    out.append((lookup(c), c))
                elif fr.kind == "noun" and c.dep_ == "ccomp" and pat.frame in ("appeal", "demand"):
                    out.append((lookup(c), c))
        if pat.frame in EMBEDDING_FRAMES and fr.kind == "verb":
            for c in children_of(tok):
                if c.dep_ in OBJ:
                    f = lookup(c)
                    if f is not None:
                        out.append((f, c))
            if tok.i in absorbed and absorbed[tok.i] is not fr:
                f = absorbed[tok.i]
                out.append((f, f.host))
        preps = set(pat.tpreps) | ({"of", "for", "with"} if pat.frame == "report" else set())
        if pat.frame == "appeal":
            preps.add("for")
        for _, o in preps_of(tok, preps):
            f = lookup(o)
            if f is not None:
                out.append((f, o))
        return out

    def _compose(self, ctx: _Sentence, frames: dict[int, Frame]) -> None:
        order = sorted(frames.values(), key=lambda f: -depth(f.trigger))
        for fr in order:
            pat = fr.pattern
            assert pat is not None
            if pat.frame in ("plain", "light") or fr.consumed:
                continue
            embedded = self._embedded(ctx, fr, frames)
            if pat.frame == "speech":
                self._compose_speech(ctx, fr, frames)
                continue
            if pat.frame == "report":
                for inner, _ in embedded:
                    if inner is not None:
                        inner.modality = "reported"
                        inner.frame_applied = True
                continue
            coded = [(f, root) for f, root in embedded if f is not None and f.code is not None]
            if coded:
                inner, root = coded[0]
                self._merge(ctx, fr, inner, root)
                self._suppress(frames, root, keep=fr)
            elif embedded and embedded[0][1].pos_ in ("VERB", "AUX"):
                clause = embedded[0][1]
                if pat.wish and fr.code is None and self._other_agent(fr.trigger, clause):
                    # "wants the president to step aside": an appeal to the clause's agent
                    fr.code = pat.code or transform(None, "appeal")
                    fr.targets = self._clause_subject(ctx, clause) or [
                        m
                        for c in children_of(fr.trigger)
                        if c.dep_ in OBJ
                        for m in ctx.np_actors(c, "target")
                    ]
                    fr.frame_applied = True
                    self._suppress(frames, clause, keep=fr)
                elif pat.frame in ("intent", "threat", "refuse", "appeal", "demand", "prepare", "consider"):
                    has_subject = any(c.dep_ in SUBJ | PASS_SUBJ for c in children_of(clause))
                    if not fr.targets and pat.frame in ("appeal", "demand") and has_subject:
                        fr.targets = self._clause_subject(ctx, clause)
                    elif not fr.targets:
                        fr.targets = self._clause_targets(ctx, clause)
                    if not fr.targets and pat.frame == "threat":
                        fr.targets = self._threatened_place(ctx, fr, clause)
                    self._suppress(frames, clause, keep=fr)
                if pat.frame in ("intent", "prepare") and fr.code is not None and not fr.frame_applied:
                    fr.modality = "intended"
                    fr.frame_applied = True
            elif pat.frame in ("intent", "prepare") and fr.code is not None:
                fr.modality = "intended"
                fr.frame_applied = True

    def _suppress(self, frames: dict[int, Frame], root: Token, keep: Frame) -> None:
        """Events inside a demanded, refused, threatened or promised clause did not happen: drop them.
        Event nouns with owners of their own stay ("declined to comment on Trump's decision to ...")."""
        inside = {t.i for t in root.subtree}
        for f in frames.values():
            if f is not keep and f.trigger.i in inside and (f.kind != "noun" or f.absorber is not None):
                f.consumed = True

    def _clause_subject(self, ctx: _Sentence, clause: Token) -> list[Mention]:
        subj = [c for c in children_of(clause) if c.dep_ in SUBJ | PASS_SUBJ]
        found: list[Mention] = []
        for s in subj:
            found += ctx.np_actors(s, "target")
        return _dedupe(found)

    def _merge(self, ctx: _Sentence, fr: Frame, inner: Frame, root: Token) -> None:
        """Fold an embedded event into its embedding frame (the frame keeps the matrix source)."""
        pat = fr.pattern
        assert pat is not None
        frame = pat.frame
        inner.consumed = True
        fr.base_quad = inner.base_quad
        fr.extra_tokens.append(inner.trigger)
        fr.extra_tokens += [t for t in inner.extra_tokens if t.i != fr.trigger.i]
        matrix_keys = {_country_key(m) for m in fr.sources}
        inner_owner = [m for m in inner.sources if _country_key(m) not in matrix_keys]
        if not fr.sources:
            fr.sources = inner.sources
        if frame == "transparent":
            fr.code = inner.code
            fr.targets = inner.targets or fr.targets
            fr.participants = inner.participants
            fr.recip = inner.recip
            if fr.modality == "actual":
                fr.modality = inner.modality
            if inner.polarity == "negated":
                fr.polarity = "negated"
            fr.frame_applied = fr.frame_applied or inner.frame_applied
            fr.confidence = min(fr.confidence, inner.confidence)
            return
        if frame == "intent" and pat.wish and self._other_agent(fr.trigger, root):
            frame = "appeal"  # "wants Germany to pay compensation": the wish is addressed to Germany
            fr.targets = []
        if frame == "consider":
            # "considering sanctions against X": weighing an option (014) at X; the option is no event
            fr.targets = inner.targets or inner_owner or fr.targets
            if not fr.targets and root.pos_ in ("VERB", "AUX"):
                fr.targets = self._clause_targets(ctx, root)
            fr.frame_applied = True
            return
        if frame == "appeal" and self._rally(fr, inner):
            return
        if frame in ("appeal", "demand"):
            fr.code = transform(inner.code, frame)
            if not fr.targets:
                has_subject = root.pos_ in ("VERB", "AUX") and any(
                    c.dep_ in SUBJ | PASS_SUBJ for c in children_of(root)
                )
                if has_subject:
                    fr.targets = self._clause_subject(ctx, root)
                else:
                    fr.targets = inner_owner or inner.targets
            fr.frame_applied = True
            return
        # intent / threat / refuse
        code: str | None
        if frame == "prepare":  # "prepared to resume shelling": a show of force; else an intent
            frame = "intent"
            # only armed force makes a force posture (CAMEO 15); preparing a curfew or arrests
            # (17, coercion) is an intent that the intent rule turns into a threat
            if inner.code is not None and inner.code[:2] in MILITARY_ROOTS:
                fr.code, fr.modality, fr.frame_applied = POSTURE_CODE, "actual", True
                fr.targets = inner.targets or inner_owner or fr.targets
                fr.base_quad = 4
                return
        if frame == "intent" and inner.polarity == "negated":  # "vowed not to return": a refusal
            code = transform(inner.code, "refuse") or inner.code
            if transform(inner.code, "refuse") is None:
                fr.polarity = "negated"
            fr.modality = "actual"
        elif frame == "intent":
            code = transform(inner.code, "intent") or inner.code
            if inner.code is not None and inner.code[:2] not in VERBAL_ROOTS:
                if cameo_code(inner.code).quad_class in (3, 4):  # "vowed to attack": a threat
                    code = transform(inner.code, "threat") or inner.code
            fr.modality = "actual" if code[:2] == "13" else "intended"
        else:
            new = transform(inner.code, frame)
            code = new or inner.code
            if frame == "refuse" and new is None:
                fr.polarity = "negated"
        fr.code = code
        if inner.kind == "noun" and inner_owner:  # "rejected X's proposal", "opposed to French mediation"
            fr.targets = inner_owner
        else:
            fr.targets = inner.targets or inner_owner or fr.targets
        if not fr.targets and root.pos_ in ("VERB", "AUX"):
            fr.targets = self._clause_targets(ctx, root)
        fr.participants = inner.participants
        fr.recip = fr.recip or inner.recip
        fr.frame_applied = True
        fr.confidence = min(fr.confidence, CONF_FRAME)

    @staticmethod
    def _rally(fr: Frame, inner: Frame) -> bool:
        """An appeal for others to back or to act against a third actor ("urged the EU to support
        Kosovo", "called for sanctions against Iran") rallies support on its behalf (CAMEO 053) or
        opposition against it (113), with that actor as the target; an appeal for something the
        addressee is to do to the appealer or to itself stays an appeal (02x)."""
        if inner.code is None or not inner.targets:
            return False
        # the addressee, unless the appeal's target was read through the event itself ("called for
        # sanctions against X": X is the event's target, not the one appealed to)
        addressees = [m for m in fr.targets if not any(m is t for t in inner.targets)]
        own = {_country_key(m) for m in fr.sources + addressees}
        third = [m for m in inner.targets if _country_key(m) not in own]
        if not third or len(third) < len(inner.targets):
            return False
        if inner.code[:2] == "05":
            fr.code = RALLY_SUPPORT
        elif cameo_code(inner.code).quad_class in (3, 4) and inner.code[:2] not in VERBAL_ROOTS:
            fr.code = RALLY_OPPOSITION
        else:
            return False
        fr.targets = third
        fr.frame_applied = True
        return True

    @staticmethod
    def _other_agent(verb: Token, clause: Token) -> bool:
        """The embedded clause has an agent other than the verb's subject: a subject of its own
        ("wants Germany to pay") or the verb's object controls it ("wants them to leave")."""
        if clause.pos_ not in ("VERB", "AUX"):
            return False
        if any(c.dep_ in SUBJ | PASS_SUBJ for c in children_of(clause)):
            return True
        return clause.dep_ == "xcomp" and any(c.dep_ in OBJ for c in children_of(verb))

    def _compose_speech(self, ctx: _Sentence, fr: Frame, frames: dict[int, Frame]) -> None:
        """ "X said Y must V" is a demand on Y (CAMEO 10), "Y should V" an appeal (02)."""
        absorbed: dict[int, Frame] = {f.absorber.i: f for f in frames.values() if f.absorber is not None}
        for c in children_of(fr.trigger):
            if c.dep_ != "ccomp":
                continue
            kind = mod.clause_modal(c)
            if kind is None:
                continue
            targets = self._clause_subject(ctx, c)
            if not targets or not fr.sources:
                continue
            inner = frames.get(c.i) or absorbed.get(c.i)
            if inner is None:  # "Japan needs to enact reforms": the event is the have/need verb's xcomp
                xs = [x for x in children_of(c) if x.dep_ == "xcomp"]
                inner = (frames.get(xs[0].i) or absorbed.get(xs[0].i)) if xs else None
            frame = "demand" if kind == "demand_modal" else "appeal"
            fr.code = transform(inner.code if inner and inner.code else None, frame)
            fr.targets = targets
            fr.frame_applied = True
            fr.extra_tokens.append(c)
            self._suppress(frames, c, keep=fr)
            return

    # ------------------------------------------------------------------ events
    def _purpose_targets(self, ctx: _Sentence, fr: Frame) -> list[Mention]:
        """Targets of a to-infinitive purpose clause of the event ("blocked a road to show their
        disapproval of the United States' policies"): its event's targets, else its verbs' objects."""
        for t in fr.tokens:
            for c in children_of(t):
                if c.dep_ != "advcl" or not any(a.dep_ == "aux" and a.lower_ == "to" for a in children_of(c)):
                    continue
                inside = {x.i for x in c.subtree}
                for f in ctx.frames.values():
                    if f.trigger.i in inside and f.targets:
                        return f.targets
                cur: Token | None = c
                for _ in range(3):
                    if cur is None:
                        break
                    found = self._clause_targets(ctx, cur)
                    if found:
                        return found
                    cur = next((x for x in children_of(cur) if x.dep_ == "xcomp"), None)
        return []

    def _against(
        self, ctx: _Sentence, fr: Frame, preps: tuple[str, ...], starts: list[Token] | None = None
    ) -> list[Mention]:
        """Actors named in an "against" (or other) phrase below the trigger, not inside another clause
        (time clauses excepted: "killed 23 people when they blew themselves up in Tel Aviv")."""
        found: list[Mention] = []
        stack = list(fr.tokens) + (starts or [])
        seen: set[int] = set()
        while stack:
            t = stack.pop()
            if t.i in seen:
                continue
            seen.add(t.i)
            for c in children_of(t):
                when = c.dep_ == "advcl" and any(
                    m.dep_ in ("mark", "advmod") and m.lower_ in ("when", "as", "while")
                    for m in children_of(c)
                )
                if (c.dep_ in CLAUSAL and not when) or c.dep_ in SUBJ:
                    continue
                if c.dep_ == "prep" and c.lower_ in preps:
                    # "outside of the city": the complex preposition's object hangs under its "of"
                    objs = [o for o in children_of(c) if o.dep_ == "pobj"] or [
                        o
                        for p in children_of(c)
                        if p.dep_ == "prep" and p.lower_ == "of"
                        for o in children_of(p)
                        if o.dep_ == "pobj"
                    ]
                    for o in objs:
                        found += ctx.np_actors(o, "target")
                stack.append(c)
        return _dedupe(found)

    def _condition_subjects(self, ctx: _Sentence, fr: Frame) -> list[Mention] | None:
        """Actors on whom an event is conditioned ("... unless Israel rescinds"); None without a condition."""
        found: list[Mention] | None = None
        for t in fr.tokens:
            for c in children_of(t):
                if c.dep_ == "advcl" and any(
                    m.dep_ == "mark" and mod.cue(m) == "condition" for m in children_of(c)
                ):
                    found = (found or []) + self._clause_subject(ctx, c)
        return found

    @staticmethod
    def _negative_condition(fr: Frame) -> bool:
        """The event is conditioned by "unless": it happens if the other side does not comply."""
        return any(
            c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ == "unless" for m in children_of(c))
            for t in fr.tokens
            for c in children_of(t)
        )

    def _unattributed_violence(self, ctx: _Sentence, fr: Frame) -> list[Mention]:
        """Where an assault nobody is named for happened ("a roadside bombing near Kandahar killed two
        soldiers", "was killed in a bomb blast in Kabul"): the country of the place is coded as its
        source, as the CAMEO and PLOVER coders of the gold examples do. Only for a
        verb of assault or fighting with a named victim and no agent: an agentless passive (or one
        whose agent is a thing: "killed by a roadside bomb"), or an event noun as subject."""
        if fr.kind != "verb" or fr.code is None or fr.code[:2] not in LOCATION_SOURCE_ROOTS or not fr.targets:
            return []
        subj = [c for c in children_of(fr.trigger) if c.dep_ in SUBJ]
        if not (subj or is_passive(fr.trigger)):
            return []  # a gerund or infinitive has its agent above it ("indicted for bombing X")
        if any(s.i not in ctx.frames or ctx.frames[s.i].kind != "noun" for s in subj):
            return []  # an unresolved agent ("Navy sharpshooters killed ...") is still an agent
        victims = {_country_key(m) for m in fr.targets}
        places = self._against(ctx, fr, LOCATION_PREPS, starts=subj)
        return [m for m in places if _country_key(m) not in victims]

    def _events(self, ctx: _Sentence, fr: Frame, article: Article, timexes: list) -> list[Event]:
        sources, source_factor = fr.sources, 1.0
        if not sources:
            sources, source_factor = self._unattributed_violence(ctx, fr), CONF_LOCATION_SOURCE
            if not sources:
                return []
        assert fr.code is not None
        code = fr.code
        modality, polarity = fr.modality, fr.polarity
        targets = fr.targets
        condition = self._condition_subjects(ctx, fr)
        if (
            not fr.frame_applied
            and modality == "hypothetical"
            and polarity == "asserted"
            and condition is not None
            and code[:2] not in VERBAL_ROOTS
        ):
            # "may halt its mediation if the parties ...": a conditional possibility is a threat too
            new = transform(code, "threat") or "130"
            code, modality = new, "actual"
        if not fr.frame_applied and modality == "intended":
            if polarity == "negated":  # "will not meet their demands": a refusal
                new = transform(code, "refuse")
                if new is not None:
                    code, polarity, modality = new, "asserted", "actual"
            elif (
                condition is not None
                and code[:2] not in VERBAL_ROOTS
                and (self._negative_condition(fr) or cameo_code(code).quad_class in (3, 4))
            ):
                # "will withdraw its force unless X ...": a conditional commitment is a threat. A
                # cooperative act offered on a positive condition ("would meet X if it stopped the
                # raids") is a conditional offer, an intent like any other.
                code = transform(code, "threat") or "130"
                modality = "actual"
            elif cameo_code(code).quad_class in (1, 2):  # "will visit": intent to cooperate
                code = transform(code, "intent") or code
            elif code[:2] not in VERBAL_ROOTS:  # "said they would boycott": a threat (CAMEO 13)
                new = transform(code, "threat")
                if new is not None:
                    code, modality = new, "actual"
        if code[:2] == "13" and not targets and condition:
            targets = condition
        if not targets and not fr.participants and not fr.recip:
            targets = self._purpose_targets(ctx, fr)  # "sent troops to help defend Saudi Arabia"
        if not targets and not fr.participants and cameo_code(code).quad_class in (3, 4):
            targets = self._against(ctx, fr, ("against",))  # "mobilized reservists for a war against Iraq"
        if not targets and not fr.participants and fr.base_quad in (2, 4):
            # material conflict with no named target: the country where it happens ("shelled targets
            # in Jericho", "reimposed blockades in the West Bank"), as CAMEO coders do
            source_keys = {_country_key(m) for m in sources}
            targets = [m for m in self._against(ctx, fr, ("in", "at")) if _country_key(m) not in source_keys]
            if targets:
                fr.confidence *= CONF_LOCATION
        if fr.pattern is not None and fr.pattern.reverse:
            if not targets:
                return []
            targets, sources = sources, targets  # "peacekeepers arrived in X": X received them
        cameo = cameo_code(code)
        plover = plover_for(code)
        conf = fr.confidence * source_factor
        if _subordinate(fr.absorber or fr.trigger):
            conf *= CONF_SUBORDINATE
        if modality == "hypothetical":
            conf *= CONF_HYPOTHETICAL
        pairs: list[tuple[Mention, Mention | None, float]] = []
        if fr.participants:
            parts = fr.participants
            if fr.pattern is not None and fr.pattern.recip and fr.kind == "noun" and not fr.extra_tokens:
                pairs += [
                    (a, b, CONF_RECIP) for a in parts for b in parts if _country_key(a) != _country_key(b)
                ]
            else:
                pairs += [(s, p, 1.0) for s in sources for p in parts]
        if not pairs and targets:
            pairs += [(s, t, 1.0) for s in sources for t in targets]
        if not pairs and fr.recip and len({_country_key(s) for s in sources}) >= 2:
            pairs += [
                (a, b, CONF_RECIP) for a in sources for b in sources if _country_key(a) != _country_key(b)
            ]
        out: list[Event] = []
        pairs = [(s, t, c) for s, t, c in pairs if t is None or not _same_actor(s, t)]
        if not pairs:
            # No counterpart among the mentions (or only the source itself). An event noun standing on
            # its own ("U.S. sanctions") needs one; a verb, or a noun a verb acts out ("declared a
            # cease-fire"), is an event without a target.
            if (fr.kind == "noun" and fr.absorber is None) or (
                fr.pattern is not None and fr.pattern.targeted
            ):
                return []
            missing = CONF_UNTARGETED if code[:2] in UNTARGETED_ROOTS else CONF_TARGET_MISSING
            pairs = [(s, None, missing) for s in sources]
        sent = ctx.sentence
        attribution = mod.attribution_of(fr.trigger, self._speech, ctx.tokens)
        timex = timex_for(fr.trigger, timexes)
        if timex is not None:
            ev_date, basis = timex.value, timex.basis or "relative"
        elif article.date is not None:
            ev_date, basis = article.date, "article"
        else:
            ev_date, basis = None, "none"
        trig_tokens = sorted({t.i for t in fr.tokens})
        trigger = " ".join(ctx.doc[i].text for i in trig_tokens)
        for s, t, c in pairs:
            starts = [sent.offset + ctx.doc[i].idx for i in trig_tokens] + [s.start]
            ends = [sent.offset + ctx.doc[i].idx + len(ctx.doc[i]) for i in trig_tokens] + [s.end]
            if t is not None:
                starts.append(t.start)
                ends.append(t.end)
            mconf = min(s.confidence, t.confidence if t is not None else 1.0)
            out.append(
                Event(
                    doc_id=article.id,
                    sentence_index=sent.index,
                    span=(min(starts), max(ends)),
                    sentence=ctx.text,
                    date=ev_date if isinstance(ev_date, date) else None,
                    source=ActorRef.from_mention(s),
                    target=ActorRef.from_mention(t) if t is not None else None,
                    cameo=cameo,
                    plover=plover,
                    polarity=polarity,
                    modality=modality,
                    attribution=attribution,
                    confidence=max(0.0, min(1.0, conf * c * mconf)),
                    trigger=trigger,
                    date_basis=basis,  # type: ignore[arg-type]
                    coder=CODER_NAME,
                )
            )
        return out


def _adjacent_infinitive(verb: Token, clause: Token) -> bool:
    """ "V to V2" with nothing between: the to-infinitive is the verb's complement even when the
    parser makes it an adverbial clause."""
    doc = verb.doc
    nxt = verb.i + 1
    return (
        nxt + 1 == clause.i
        and doc[nxt].lower_ == "to"
        and doc[nxt].head.i == clause.i
        and not any(c.dep_ in SUBJ for c in children_of(clause))
    )


def _states_proposition(verb: Token) -> bool:
    """The verb has a that-clause that states something ("agreed that the situation was serious") rather than
    commits anyone to an act: no modal or future auxiliary in it, and no to-infinitive on the verb."""
    if any(c.dep_ == "xcomp" for c in children_of(verb)):
        return False
    clauses = [c for c in children_of(verb) if c.dep_ == "ccomp" and c.pos_ in ("VERB", "AUX")]
    return bool(clauses) and not any(
        a.tag_ == "MD" or a.lower_ == "to"
        for c in clauses
        for a in children_of(c)
        if a.dep_ in ("aux", "auxpass")
    )


def _subordinate(tok: Token) -> bool:
    """The word sits in an adverbial, relative or noun-modifying clause of its sentence."""
    for _ in range(50):
        if tok.dep_ in SUBORDINATE_DEPS:
            return True
        if tok.head.i == tok.i:
            return False
        tok = tok.head
    return False


def _same_actor(a: Mention, b: Mention) -> bool:
    """Source and target are the same actor: the same country (unless the codes tell two different
    domestic actors apart, e.g. government and opposition) or the same non-state code."""
    if a.actor.country and a.actor.country == b.actor.country:
        return (
            a.actor.code == b.actor.code or a.actor.code == a.actor.country or b.actor.code == b.actor.country
        )
    return a.actor.code == b.actor.code


@lru_cache(maxsize=1)
def default_coder() -> EventCoder:
    """The shared coder (tables load once)."""
    return EventCoder()


__all__ = ["EventCoder", "FrameInfo", "default_coder"]
