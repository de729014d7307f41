"""The gazetteer: every surface form of every actor, keyed by its token sequence.

Forms are tokenised once with the pipeline's own tokenizer, so "U.S.", "Côte d'Ivoire" or
"Russia's" are split exactly as in parsed text. Lookup is a dict probe per (position, length),
longest first: cheaper than a PhraseMatcher per sentence and it lets rules veto a match and fall
back to a shorter one. Typographic apostrophes are normalised on both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from realpolitik.actors.kb import KnowledgeBase

# Entry kinds, in the order of preference when one key has entries of several kinds.
BLOCK, PERSON_FULL, ORG, STATE, PERSON_ALIAS = "block", "person", "org", "state", "alias"
# Regions ("Europe", "the West") and ethnic/religious groups ("Kurds"): after states, so a form that
# is also a state's stays the state.
REGION, ETHNIC = "region", "ethnic"
_PRIORITY = {BLOCK: 0, PERSON_FULL: 1, ORG: 2, STATE: 3, REGION: 4, ETHNIC: 5, PERSON_ALIAS: 6}

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
NORMED_CHARACTERS = tuple(chr(c) for c in _APOSTROPHES)
"""The characters :func:`norm` replaces, each by one character (a text without any is its own norm)."""


def norm(text: str) -> str:
    """Token text as compared: typographic apostrophes made straight."""
    return text.translate(_APOSTROPHES)


@dataclass(frozen=True)
class Entry:
    """What a surface form stands for.

    ``target`` is an ISO3 code (state), a full CAMEO code (seat), an organisation key, a person key,
    a region or group code (``EUR``, ``KUR``) or "" (block). ``via`` is what the Mention reports
    (gazetteer, demonym, capital, seat, org, leader, region, ethnic). ``sector`` is set for seats and
    capitals (``GOV``, ``MIL``). ``rules`` are the checks of ambiguous.tsv (regions and groups get
    ``not_person``); ``confirm`` marks a person alias that needs NER or a title.
    """

    kind: str
    target: str
    via: str
    sector: str | None = None
    confidence: float = 1.0
    rules: frozenset[str] = frozenset()
    confirm: bool = False
    form: str = ""


class Gazetteer:
    def __init__(self, kb: KnowledgeBase, tokenize: Callable[[str], list[str]]) -> None:
        self.kb = kb
        self._tokenize = tokenize
        self.entries: dict[tuple[str, ...], list[Entry]] = {}
        self.max_len = 1
        # Longest key for each first word: most tokens start no form and are skipped at once.
        self.first: dict[str, int] = {}
        self._build()

    # ------------------------------------------------------------------ building
    def _add(self, form: str, entry: Entry, variants: bool = True) -> None:
        form = norm(form.strip())
        if not form:
            return
        amb = self.kb.ambiguous.get(form)
        if amb is not None and entry.kind != BLOCK:
            rules, conf = amb
            entry = Entry(
                entry.kind,
                entry.target,
                entry.via,
                entry.sector,
                min(entry.confidence, conf),
                entry.rules | rules,
                entry.confirm,
                form,
            )
        else:
            entry = Entry(
                entry.kind,
                entry.target,
                entry.via,
                entry.sector,
                entry.confidence,
                entry.rules,
                entry.confirm,
                form,
            )
        keys = {tuple(self._tokenize(form))}
        if variants and "cased" not in entry.rules:
            if form.startswith("the "):
                keys.add(tuple(self._tokenize("The" + form[3:])))
            # Headlines in capitals: "CHINA, RUSSIA VIE FOR ..." (only for forms long enough to be safe).
            if len(form) >= 4 and not form.isupper():
                keys.add(tuple(self._tokenize(form.upper())))
        for key in keys:
            bucket = self.entries.setdefault(key, [])
            if entry not in bucket:
                bucket.append(entry)
                bucket.sort(key=lambda e: _PRIORITY[e.kind])
            self.max_len = max(self.max_len, len(key))
            self.first[key[0]] = max(self.first.get(key[0], 0), len(key))

    def _build(self) -> None:
        kb = self.kb
        state_forms: dict[str, str] = {}
        for c in kb.countries.values():
            for form in (c.name, *c.forms):
                state_forms.setdefault(form, c.iso3)
        for c in kb.countries.values():
            for form in (c.name, *c.forms):
                # "the Kremlin"/"the UN"-style forms are kept only when the bare form is not a form.
                if form.startswith(("the ", "The ")) and form[4:] in state_forms:
                    continue
                self._add(form, Entry(STATE, c.iso3, "gazetteer", confidence=1.0 if form == c.name else 0.95))
            for form in c.demonyms:
                self._add(form, Entry(STATE, c.iso3, "demonym", confidence=0.9))
                for plural in _plurals(form):
                    self._add(plural, Entry(STATE, c.iso3, "demonym", confidence=0.85))
            for form in c.capitals:
                self._add(form, Entry(STATE, c.iso3, "capital", sector="GOV", confidence=0.85))
        for form, code, conf in kb.seats:
            iso3, sector = code[:3], code[3:] or None
            self._add(form, Entry(STATE, iso3, "seat", sector=sector, confidence=conf))
        for form, iso3 in kb.cities:
            self._add(form, Entry(STATE, iso3, "city", confidence=0.6))
        for key, forms in kb.org_forms.items():
            for form in forms:
                if form.startswith(("the ", "The ")) and form[4:] in forms:
                    continue
                self._add(form, Entry(ORG, key, "org", confidence=0.95))
        for person in kb.persons.values():
            self._add(person.name, Entry(PERSON_FULL, person.key, "leader", confidence=1.0))
            for alias in person.aliases:
                confirm = alias.startswith("~")
                alias = alias.lstrip("~")
                n_tokens = len(self._tokenize(alias))
                kind = PERSON_FULL if n_tokens > 1 and not alias.startswith("President ") else PERSON_ALIAS
                conf = 0.95 if kind == PERSON_FULL else 0.85
                self._add(
                    alias, Entry(kind, person.key, "leader", confidence=conf, confirm=confirm), variants=False
                )
        for form, g in kb.regions.items():
            self._add(form, Entry(REGION, g.code, "region", confidence=0.8, rules=frozenset({"not_person"})))
        for form, g in kb.ethnic.items():
            # Several forms are also first names or surnames ("Christian", "Hazara"): checked like "Jordan".
            self._add(form, Entry(ETHNIC, g.code, "ethnic", confidence=0.8, rules=frozenset({"not_person"})))
        for form in kb.blocklist:
            self._add(form, Entry(BLOCK, "", "block"), variants=False)

    # ------------------------------------------------------------------ lookup
    def lookup(self, words: tuple[str, ...]) -> list[Entry] | None:
        return self.entries.get(words)

    def forms(self) -> Iterable[tuple[str, ...]]:
        return self.entries.keys()


def _plurals(demonym: str) -> list[str]:
    """Plural nouns of a demonym: "Russian" -> "Russians"; "Chinese", "Swiss", "Dutch" have none."""
    last = demonym.split()[-1]
    if last.endswith(("ese", "s", "sh", "ch", "x", "z")) or last in {"Lao", "Khmer", "Inuit"}:
        return []
    if last.endswith("man"):
        return [demonym[: -len("man")] + "men"]
    return [demonym + "s"]
