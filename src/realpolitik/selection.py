"""Which sentences of a document are worth parsing: the actors and events stages together.

Parsing is most of the cost of coding an article (issue 7), so only the sentences that can yield
an event are parsed, plus what the actor resolver needs to read them. A false "keep" costs a
parse, a false "drop" costs an event: every test here errs on the side of keeping, and the
events must be the same as when every sentence is parsed (tests/test_pipeline.py checks it).

A sentence can yield an event only if

- the coder can fire in it: a word that is a lemma of a lexicon row *with a CAMEO code*. Rows
  without a code (speech verbs such as "say", light verbs, blocking rows, frames such as
  "continue to") only change or pass on the code of another trigger of the same sentence; the
  one exception is a speech verb over a clause with "must"/"should"/"has to", which the coder
  reads as a demand or an appeal. The sets come from the lexicon's rows, so the test stays as
  selective as the lexicon's coded words are rare, however many rows it grows;
- and it names an actor (a gazetteer form, or a noun such as "police" or a title such as "Prime
  Minister" that the resolver reads as an unnamed actor) or has an anaphor (a phrase of the
  knowledge base's anaphora table: "they", "the two leaders") whose antecedent may be within the
  resolver's window before it.

Selection runs in two stages (realpolitik.nlp.parse_sentences_many). First on the tokens alone
(:class:`EventWords`: a word that *may* be such a lemma, inflections undone by rule), which picks
the candidates; these are tagged, lemmatised and parsed without NER. Then on that parse, with
the coder's own matcher (:class:`CoderTriggers`: lemma, part of speech, particles, objects):
only the sentences in which it fires go on to the resolver and the coder, and through NER (half
the cost of spaCy's pipeline) only where it can change what those two read (:class:`NamesNeedNER`).
For each of those with an anaphor, the sentences of the window
before it are kept too: the resolver takes antecedents from them, and an unknown person or a
plural subject named there stops a pronoun from reaching further back; an anaphor among them
brings its own window in turn (a pronoun resolved there is an antecedent for the next).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from realpolitik.actors.kb import KnowledgeBase
from realpolitik.actors.prefilter import SentencePrefilter
from realpolitik.events.dates import may_hold_date
from realpolitik.events.prefilter import TriggerFilter

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from realpolitik.events.coder import EventCoder
    from realpolitik.events.lexicon import Pattern

# How many sentences back the resolver looks for an antecedent (ActorResolver._antecedent): 2 for
# the pronoun kinds of anaphora.tsv ("he", "they"), 3 for the others ("the two countries").
ANTECEDENT_WINDOW = 3
PRONOUN_WINDOW = 2
PRONOUN_KINDS = frozenset({"plural", "person"})
# "X has to V", "X needs to V": the coder's demand reading of a statement (modality.clause_modal),
# besides the modal words of data/modality_cues.tsv.
_HAVE_NEED_FORMS = frozenset("have has had having 've 'd need needs needed needing".split())


class _LemmaWords(TriggerFilter):
    """TriggerFilter's word -> possible lemmas mapping, over a given lemma set."""

    def __init__(self, lemmas: Iterable[str]) -> None:
        super().__init__()
        self.lemmas = frozenset(lemmas)
        self._cache = {}


class EventWords:
    """Can the coder emit an event from a sentence with these words? (False only when it cannot.)

    A word that may be the lemma of a coded lexicon row is not enough: the row's conditions on
    other words must be able to hold too. Those that name words are checked on the sentence's
    words (any of them, wherever they stand): a particle or a preposition ("call off", "hold ...
    as shields") must occur; an object, a modifier or a subject the row names ("end" + "talks",
    "martial" + "law") must be a possible lemma, or the lower-case form, of one of the words.
    Conditions on the parse alone (an object of any kind, a that-clause) are taken as met."""

    def __init__(self) -> None:
        from realpolitik.events.lexicon import patterns
        from realpolitik.events.modality import cues

        self.rows: dict[str, list[Pattern]] = {}  # coded rows by lemma, every part of speech
        speech: set[str] = set()
        for (lemma, _pos), rows in patterns().items():
            coded = [r for r in rows if _has_code(r.code) or _has_code(r.mil_code)]
            if coded:
                self.rows.setdefault(lemma, []).extend(coded)
            if any(r.frame == "speech" for r in rows):
                speech.add(lemma)
        self.coded = _LemmaWords(self.rows)
        # A speech verb over a "must" clause is a demand, whatever coded rows it has besides.
        self.speech = _LemmaWords(speech)
        self.modal = (
            frozenset(w for w, kind in cues().items() if kind in ("demand_modal", "appeal_modal"))
            | _HAVE_NEED_FORMS
        )
        self.lemmas = PossibleLemmas()

    def __call__(self, words: Iterable[str]) -> bool:
        words = list(words)
        low: set[str] | None = None
        lemmas: set[str] | None = None
        for w in words:
            if not self.coded.word_may_trigger(w):
                continue
            if low is None:
                low = {x.lower() for x in words}
                lemmas = low.union(*(self.lemmas(x) for x in words))
            assert lemmas is not None
            for lemma in (self.lemmas(w) | self.coded.lemmas_of(w)) & self.rows.keys():
                if any(_may_hold(r, low, lemmas) for r in self.rows[lemma]):
                    return True
        return any(self.speech.word_may_trigger(w) for w in words) and any(
            w.lower() in self.modal for w in words
        )


def _may_hold(row: Pattern, low: set[str], lemmas: set[str]) -> bool:
    """May the word conditions of a lexicon row hold in a sentence of these lower-case words and
    possible lemmas (lower-case forms included)? (As EventCoder._pick reads them.)"""
    if row.particle and row.particle not in low:
        return False
    if row.objects is not None and row.objects.isdisjoint(lemmas):
        return False
    if row.mods is not None and row.mods.isdisjoint(lemmas):
        return False
    if row.subjects is not None and row.subjects.isdisjoint(lemmas):
        return False
    if row.prep_object is not None:
        prep, objects = row.prep_object
        if prep not in low or (objects is not None and objects.isdisjoint(lemmas)):
            return False
    return True


class PossibleLemmas:
    """``lemmas(word)``: every lemma spaCy's pipeline may give the word, whatever its part of
    speech: its lower-case form, its rule lemmatizer's exceptions and suffix rules for every part
    of speech (realpolitik.nlp loads the rule lemmatizer), and the lemmas the attribute ruler's
    patterns set for it ("'d" -> "would", "gon" -> "go"). A superset: a false lemma costs a
    parse, a missing one an event."""

    def __init__(self, max_entries: int = 200_000) -> None:
        from realpolitik.nlp import load_nlp

        nlp = load_nlp()
        lookups = nlp.get_pipe("lemmatizer").lookups
        self.rules: list[tuple[str, str]] = []
        self.exceptions: dict[str, set[str]] = {}
        if "lemma_rules" in lookups.tables:
            for rules in lookups.get_table("lemma_rules").values():
                self.rules.extend((old, new) for old, new in rules)
        if "lemma_exc" in lookups.tables:
            for table in lookups.get_table("lemma_exc").values():
                for form, lemmas in table.items():
                    self.exceptions.setdefault(form, set()).update(lemmas)
        # The ruler's lemmas, by the word its pattern names at the token it sets (a regular
        # expression for a few: "^y'?$"); a pattern that names no word there sets its lemma on
        # any word (none in en_core_web_sm: then every word may have it).
        self.ruler_words: dict[str, set[str]] = {}
        self.ruler_patterns: list[tuple[re.Pattern[str], str]] = []
        self.ruler_any: set[str] = set()
        for rule in nlp.get_pipe("attribute_ruler").patterns:
            lemma = rule.get("attrs", {}).get("LEMMA")
            if lemma is None:
                continue
            lemma = str(lemma).lower()
            for pattern in rule["patterns"]:
                spec = pattern[rule.get("index", 0)].get("LOWER")
                if isinstance(spec, str):
                    self.ruler_words.setdefault(spec, set()).add(lemma)
                elif isinstance(spec, dict) and set(spec) == {"IN"}:
                    for word in spec["IN"]:
                        self.ruler_words.setdefault(str(word), set()).add(lemma)
                elif isinstance(spec, dict) and set(spec) == {"REGEX"}:
                    self.ruler_patterns.append((re.compile(spec["REGEX"]), lemma))
                else:
                    self.ruler_any.add(lemma)
        self._cache: dict[str, frozenset[str]] = {}
        self.max_entries = max_entries

    def __call__(self, word: str) -> frozenset[str]:
        found = self._cache.get(word)
        if found is None:
            lower = word.lower()
            forms = {
                lower,
                *self.ruler_any,
                *self.exceptions.get(lower, ()),
                *self.ruler_words.get(lower, ()),
            }
            forms.update(lemma for regex, lemma in self.ruler_patterns if regex.search(lower))
            forms.update(
                lower[: len(lower) - len(old)] + new for old, new in self.rules if lower.endswith(old)
            )
            if len(self._cache) >= self.max_entries:  # a bounded cache: start afresh
                self._cache.clear()
            found = self._cache[word] = frozenset(f for f in forms if f)
        return found


def _has_code(code: str | None) -> bool:
    return code is not None and code != "-"


class Anaphors:
    """How far back the anaphors of a sentence ("they", "both countries") may find an antecedent:
    0 without one, else the largest window of the anaphora table's phrases found in it.

    Phrases are matched as the resolver matches them (lower-cased token sequences)."""

    def __init__(self, phrases: Mapping[str, tuple[str, str]]) -> None:
        self.windows: dict[tuple[str, ...], int] = {
            tuple(p.lower().split()): PRONOUN_WINDOW if kind in PRONOUN_KINDS else ANTECEDENT_WINDOW
            for p, (kind, _arg) in phrases.items()
        }
        self.first: dict[str, int] = {}
        for p in self.windows:
            self.first[p[0]] = max(self.first.get(p[0], 0), len(p))

    def __call__(self, words: list[str]) -> int:
        lower = [w.lower() for w in words]
        window = 0
        for i, w in enumerate(lower):
            longest = self.first.get(w)
            if not longest:
                continue
            for n in range(min(longest, len(lower) - i), 0, -1):
                # every length, not just the longest: the resolver falls back to a shorter phrase
                # when the longer one is part of a name
                window = max(window, self.windows.get(tuple(lower[i : i + n]), 0))
        return window


class ActorNouns:
    """Does a sentence hold a noun that names an actor without a name ("police", "officials",
    "Prime Minister" before an unknown name)? The head words of the knowledge base's unnamed.tsv
    phrases (modifier-only rows excepted) and the last words of its person titles (sectors.tsv)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        heads = {p.split()[-1] for p, rule in kb.unnamed.items() if rule.role != "modifier"}
        titles = {p.split()[-1] for p, rule in kb.sectors.items() if rule.person}
        self.words = frozenset(w.lower() for w in heads | titles)

    def __call__(self, words: list[str]) -> bool:
        return any(w.lower() in self.words for w in words)


class SentenceSelector:
    """``selector(sentences)``: which sentences of a document to parse, from their token texts."""

    def __init__(
        self,
        actors: SentencePrefilter,
        events: EventWords | TriggerFilter,
        anaphors: Anaphors,
        nouns: ActorNouns | None = None,
    ) -> None:
        self.actors = actors
        self.events = events
        self.anaphors = anaphors
        self.nouns = nouns

    def names(self, words: list[str]) -> bool:
        """May the sentence name an actor itself (not through an anaphor)?"""
        return self.actors.names_actor(words) or (self.nouns is not None and self.nouns(words))

    def __call__(self, sentences: list[list[str]]) -> list[bool]:
        return self.with_context(sentences, self.candidates(sentences))

    def candidates(self, sentences: list[list[str]]) -> list[bool]:
        """Sentences with an actor (or an anaphor that may reach one) and a word that may fire."""
        _, reach = self._lexical(sentences)
        return [reach[i] and self.events(words) for i, words in enumerate(sentences)]

    def with_context(self, sentences: list[list[str]], chosen: list[bool]) -> list[bool]:
        """The chosen sentences, and the window before each chosen anaphor: antecedents and the
        blockers between them. Anaphors in a window bring their own window in turn (a pronoun
        resolved there is an antecedent for the next)."""
        window = [self.anaphors(words) for words in sentences]
        keep = list(chosen)
        pending = [i for i, c in enumerate(chosen) if c and window[i]]
        done: set[int] = set()
        while pending:
            i = pending.pop()
            if i in done:
                continue
            done.add(i)
            for j in range(max(0, i - window[i]), i):
                keep[j] = True
                if window[j]:
                    pending.append(j)
        return keep

    def _lexical(self, sentences: list[list[str]]) -> tuple[list[int], list[bool]]:
        """Per sentence: the window of its anaphors (0: none), and whether it names an actor or has
        an anaphor that may reach one (named within its window, directly or through a chain of
        anaphors)."""
        window = [self.anaphors(words) for words in sentences]
        reach = [False] * len(sentences)
        last = -(10**9)
        for i, words in enumerate(sentences):
            reach[i] = self.names(words) or (window[i] > 0 and i - last <= window[i])
            if reach[i]:
                last = i
        return window, reach


class CoderTriggers:
    """Does a sentence, tagged, lemmatised and parsed (no NER), hold a word that the coder turns
    into a coded frame? Asks the coder's own matcher (``EventCoder.match``: lemma, part of speech,
    particles, objects), so it is exactly as strict as the coder. The only frames that get a code
    without a coded row are speech verbs over a "must"/"should" clause (the coder's demand and
    appeal reading), checked the coder's way too."""

    def __init__(self, coder: EventCoder) -> None:
        self.coder = coder

    @staticmethod
    def usable(coder: object) -> bool:
        """Has this coder the matcher asked here (a coder of another kind may not)?"""
        return callable(getattr(coder, "match", None))

    def __call__(self, doc: Doc) -> bool:
        from realpolitik.events.modality import clause_modal

        for tok in doc:
            pat, _kind = self.coder.match(tok)
            if pat is None:
                continue
            if _has_code(pat.code) or _has_code(pat.mil_code):
                return True
            if pat.frame == "speech" and any(c.dep_ == "ccomp" and clause_modal(c) for c in tok.children):
                return True
        return False


# Tokens after which a capitalised word is a sentence's first word, not a name ('"We", "(The").
_OPENERS = frozenset({'"', "“", "‘", "'", "(", "["})
_NAME_TAGS = frozenset({"NNP", "NNPS"})


class NamesNeedNER:
    """Does spaCy's NER change anything the resolver and the coder read in a sentence, tagged and
    parsed? NER costs as much as the rest of the pipeline together, and in a third of the event
    sentences it has nothing to tell. What the two read from it is:

    - the names no table knows: unknown persons (an actor's title before one, a pronoun blocked
      by one), unknown organisations, a country name a person's name runs into ("Michael
      Jordan"), the places that make an ambiguous form a country ("needs_ner");
    - time expressions (DATE and TIME entities), which date the sentence's events.

    So it is needed when a word is tagged a proper noun or holds a capital letter, and is not part
    of a gazetteer name the resolver reads without NER (``SentencePrefilter.names_and_ner``; a
    capitalised word that is not a proper noun is let pass only as the first word of the sentence
    or of a quotation: "The", '"We'); or when the sentence may hold a time expression that dates an event
    (``events.dates.may_hold_date``), if it is one in which the coder may fire (the others are
    context for anaphora: their dates date nothing). Sentences without NER have no entities
    (``doc.ents`` empty), as if NER had found none."""

    def __init__(self, actors: SentencePrefilter) -> None:
        self.actors = actors
        self._name_tags: frozenset[int] | None = None  # hashes of _NAME_TAGS, in the Docs' vocab

    def __call__(self, doc: Doc, dates: bool = True, words: list[str] | None = None) -> bool:
        """``dates=False`` for a sentence that yields no event (context for anaphora): its time
        expressions date nothing. ``words``: the texts of the Doc's tokens, when known (they are
        read from the tags' array and these, not from a spaCy Token per word)."""
        from spacy.attrs import TAG

        if words is None:
            words = [t.text for t in doc]
        if dates and may_hold_date(words):
            return True
        plain, dependent = self.actors.names_and_ner(words)
        if dependent:
            return True
        if self._name_tags is None:
            self._name_tags = frozenset(doc.vocab.strings.add(tag) for tag in _NAME_TAGS)
        tags = doc.to_array(TAG).tolist()
        for i, word in enumerate(words):
            if i in plain or (not dates and may_hold_date([word])):  # "on Monday" dates nothing
                continue
            if tags[i] in self._name_tags:  # also a lower-case name ("talk to jeff")
                return True
            if word.islower() or not any(c.isupper() for c in word):  # spaCy's is_lower: islower()
                continue
            if i == 0 or words[i - 1] in _OPENERS:  # "The", '"We': a sentence's first word
                continue
            return True
        return False


class TwoStageSelector(SentenceSelector):
    """Selects in two steps (see realpolitik.nlp.parse_sentences_many): the lexical candidates are
    parsed without NER, and only those in which the coder can fire (``fires``), with the context
    their anaphors need, go on to NER and to the resolver and the coder."""

    def __init__(
        self,
        actors: SentencePrefilter,
        events: EventWords | TriggerFilter,
        anaphors: Anaphors,
        fires: CoderTriggers,
        nouns: ActorNouns | None = None,
    ) -> None:
        super().__init__(actors, events, anaphors, nouns=nouns)
        self.fires = fires
        self.needs_ner = NamesNeedNER(actors)
        self._coded: set[int] = set()
        self._words: list[list[str]] = []

    def __call__(self, sentences: list[list[str]]) -> list[bool]:
        return self.candidates(sentences)

    def refine(self, sentences: list[list[str]], docs: Mapping[int, Doc]) -> list[bool]:
        chosen = [False] * len(sentences)
        for i, doc in docs.items():
            chosen[i] = self.fires(doc)
        # The sentences of this document in which the coder may fire; the others are kept as
        # context and yield no event.
        self._coded = {i for i, c in enumerate(chosen) if c}
        self._words = sentences
        return self.with_context(sentences, chosen)

    def needs_late(self, index: int, doc: Doc) -> bool:
        """Should kept sentence ``index`` of the document last refined go through the late
        components (NER)?"""
        return self.needs_ner(doc, dates=index in self._coded, words=self._words[index])


def default_selector(
    actors: SentencePrefilter, kb: KnowledgeBase, coder: EventCoder | None = None, unnamed: bool = True
) -> SentenceSelector:
    """The selector the pipeline uses: lexicon-coded triggers, the knowledge base's anaphora
    phrases, its actor nouns when the resolver codes unnamed actors (``unnamed``), and a second
    stage on the parse when the coder's matcher is available."""
    nouns = ActorNouns(kb) if unnamed else None
    if coder is not None and CoderTriggers.usable(coder):
        return TwoStageSelector(
            actors, EventWords(), Anaphors(kb.anaphora), CoderTriggers(coder), nouns=nouns
        )
    return SentenceSelector(actors, EventWords(), Anaphors(kb.anaphora), nouns=nouns)
