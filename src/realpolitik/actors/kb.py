"""The actor knowledge base: states, organisations, office holders and the tables that code them.

Everything here is read from the versioned data files in ``data/`` (see ``data/README.md`` for the
origin of each). Nothing needs a network at run time. The knowledge base is time-aware: an office
holder is coded with the office's CAMEO code (``USAGOV``) while in office at the article's date, and
with the plain country code of their nationality (``USA``) outside it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from realpolitik.errors import InputError
from realpolitik.models import Actor

DATA_DIR = Path(__file__).resolve().parent / "data"

STATE_KINDS = frozenset({"state"})


def _rows(name: str, columns: int) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields) of a TSV data file, skipping comments and blank lines."""
    path = DATA_DIR / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read actor data file: {exc}") from exc
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = next(csv.reader([line], delimiter="\t", quoting=csv.QUOTE_NONE))
        if len(fields) < columns:
            fields += [""] * (columns - len(fields))
        if len(fields) != columns:
            raise InputError(str(path), f"expected {columns} tab-separated fields, got {len(fields)}", lineno)
        yield lineno, [f.strip() for f in fields]


def _lines(name: str) -> Iterator[str]:
    path = DATA_DIR / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read actor data file: {exc}") from exc
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def _date(value: str, origin: str, lineno: int) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(origin, f"bad date {value!r}", lineno) from exc


@dataclass(frozen=True)
class Country:
    """A state (UN member or observer) or a territory coded like one (Taiwan, Kosovo, Hong Kong)."""

    iso3: str
    name: str
    status: str  # member | observer | other
    forms: tuple[str, ...]  # other names and short forms
    demonyms: tuple[str, ...]
    capitals: tuple[str, ...]


@dataclass(frozen=True)
class Office:
    """One term of one person in one office. ``end`` None means still in office."""

    code: str  # CAMEO code of the office: USAGOV, RUSMIL, IGOUNO, ...
    role: str  # head_of_state, head_of_government, foreign_minister, ...
    start: date
    end: date | None

    def holds(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass
class Person:
    """A leader or official. ``aliases`` prefixed with ``~`` need confirmation in text (NER or title)."""

    key: str
    name: str
    nationality: str
    gender: str
    aliases: list[str] = field(default_factory=list)
    offices: list[Office] = field(default_factory=list)

    def office_at(self, day: date | None) -> Office | None:
        """The office held on ``day``; with no date, the most recent office ("in office at some time")."""
        if not self.offices:
            return None
        if day is None:
            return max(self.offices, key=lambda o: o.start)
        holding = [o for o in self.offices if o.holds(day)]
        if holding:
            # Several offices at once (e.g. president and party chief): the latest started wins.
            return max(holding, key=lambda o: o.start)
        return None

    def distance(self, day: date | None) -> int:
        """Days between ``day`` and the nearest of this person's terms (0 when in office)."""
        if day is None:
            return 0
        best = 10**9
        for o in self.offices:
            if o.holds(day):
                return 0
            if day < o.start:
                best = min(best, (o.start - day).days)
            elif o.end is not None:
                best = min(best, (day - o.end).days)
        return best

    def actor(self, day: date | None, former: bool = False) -> Actor:
        office = None if former else self.office_at(day)
        if office is None:
            return Actor(
                code=self.nationality, name=self.name, country=self.nationality, sector=None, kind="person"
            )
        code = office.code
        country, sector = code_country(code)
        return Actor(code=code, name=self.name, country=country, sector=sector, kind="person")


_TRANSNATIONAL = ("IGO", "NGO", "IMG")


def code_country(code: str) -> tuple[str | None, str | None]:
    """Country and sector of a CAMEO code.

    International and transnational codes (``IGO...``, ``NGO...``, ``IMG...``) have no country.
    A code that starts with a country is that country's actor, as in CAMEO: ``USAGOV`` is the US
    government, ``PSEREBHMS`` (Hamas) a Palestinian rebel group, ``AFGINSTAL`` (the Taliban before
    2021) Afghan insurgents. This follows the Actor contract in models.py (``country`` is None only
    for international or transnational actors) and the gold data, which codes Hamas as PSE.
    """
    if len(code) < 3 or code.startswith(_TRANSNATIONAL):
        return None, None
    return code[:3], code[3:6] or None


@dataclass(frozen=True)
class OrgTerm:
    """One row of organisations.tsv: an organisation's code over a period."""

    key: str
    code: str
    name: str
    kind: str  # igo | ngo | armed_group | state
    start: date | None
    end: date | None
    origin: str  # cameo | ext


@dataclass(frozen=True)
class SectorRule:
    sector: str
    person: bool
    role: str


@dataclass(frozen=True)
class UnnamedRule:
    """A noun that names an actor with no country (unnamed.tsv): "police" -> COP.

    ``sector`` is None for group nouns that name no actor alone ("group", "countries").
    ``role`` is ``noun``, ``collective``, ``modifier`` or ``counted`` (see unnamed.tsv).
    """

    sector: str | None
    role: str


@dataclass(frozen=True)
class GroupForm:
    """A surface form of a region (regions.tsv) or an ethnic/religious group (ethnic.tsv)."""

    code: str  # CAMEO region code (EUR, WST) or the group's code (KUR, SHI)
    name: str
    kind: str  # region | ethnic | religious
    adjective: bool  # counts only in front of an actor noun


class KnowledgeBase:
    """States, organisations, office holders and sector tables, loaded once from ``data/``."""

    def __init__(self) -> None:
        self.countries: dict[str, Country] = {}
        self.persons: dict[str, Person] = {}
        self.orgs: dict[str, list[OrgTerm]] = {}
        self.org_forms: dict[str, list[str]] = {}
        self.seats: list[tuple[str, str, float]] = []
        self.cities: list[tuple[str, str]] = []
        self.sectors: dict[str, SectorRule] = {}
        self.sector_labels: dict[str, str] = {}
        self.ambiguous: dict[str, tuple[frozenset[str], float]] = {}
        self.blocklist: list[str] = []
        self.honorifics: frozenset[str] = frozenset()
        self.anaphora: dict[str, tuple[str, str]] = {}
        self.leader_roles: dict[str, str] = {}
        self.us_state_cues: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self.us_state_words: tuple[str, ...] = ()
        self.unnamed: dict[str, UnnamedRule] = {}
        # org_heads.tsv: role (head | name | modifier) -> word -> CAMEO sector
        self.org_words: dict[str, dict[str, str]] = {"head": {}, "name": {}, "modifier": {}}
        self.asset_words: frozenset[str] = frozenset()
        self.regions: dict[str, GroupForm] = {}
        self.ethnic: dict[str, GroupForm] = {}
        self._group_names: dict[str, tuple[str, str]] = {}  # code -> (name, kind)
        self._org_by_code: dict[str, OrgTerm] = {}

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls) -> KnowledgeBase:
        """Load the knowledge base from the package data files (cached: built once per process)."""
        return _load_cached()

    def _load(self) -> None:
        origin = str(DATA_DIR)
        for _, (iso3, name, status, forms, demonyms, capitals) in _rows("countries.tsv", 6):
            self.countries[iso3] = Country(
                iso3, name, status, tuple(_split(forms)), tuple(_split(demonyms)), tuple(_split(capitals))
            )
        for lineno, (name, aliases, nationality, code, role, start, end, gender) in _rows("leaders.tsv", 8):
            key = f"{name}|{nationality}"
            person = self.persons.get(key)
            if person is None:
                person = self.persons[key] = Person(
                    key=key, name=name, nationality=nationality, gender=gender
                )
            for alias in _split(aliases):
                if alias not in person.aliases:
                    person.aliases.append(alias)
            begin = _date(start, origin + "/leaders.tsv", lineno)
            if begin is None:
                raise InputError(origin + "/leaders.tsv", "an office needs a start date", lineno)
            person.offices.append(Office(code, role, begin, _date(end, origin + "/leaders.tsv", lineno)))
        for lineno, (key, code, name, kind, forms, start, end, org_origin) in _rows("organisations.tsv", 8):
            term = OrgTerm(
                key,
                code,
                name,
                kind,
                _date(start, origin + "/organisations.tsv", lineno),
                _date(end, origin + "/organisations.tsv", lineno),
                org_origin,
            )
            self.orgs.setdefault(key, []).append(term)
            self.org_forms.setdefault(key, []).extend(_split(forms))
            self._org_by_code.setdefault(code, term)
        for _, (form, code, conf) in _rows("seats.tsv", 3):
            self.seats.append((form, code, float(conf)))
        for _, (form, iso3) in _rows("cities.tsv", 2):
            self.cities.append((form, iso3))
        for _, (phrase, sector, person, role) in _rows("sectors.tsv", 4):
            self.sectors[phrase.lower()] = SectorRule(sector, person == "1", role)
        for _, (sector, label) in _rows("sector_labels.tsv", 2):
            self.sector_labels[sector] = label
        for _, (form, rules, conf) in _rows("ambiguous.tsv", 3):
            self.ambiguous[form] = (frozenset(r for r in rules.split("|") if r and r != "none"), float(conf))
        for _, (phrase, kind, arg) in _rows("anaphora.tsv", 3):
            self.anaphora[phrase.lower()] = (kind, arg)
        for _, (iso3, role) in _rows("leader_roles.tsv", 2):
            self.leader_roles[iso3] = role
        for _, (form, us, country) in _rows("us_state_cues.tsv", 3):
            self.us_state_cues[form] = (tuple(_split(us)), tuple(_split(country)))
        self.us_state_words = tuple(_lines("us_states.txt"))
        for lineno, (phrase, sector, role) in _rows("unnamed.tsv", 3):
            if role not in ("noun", "collective", "modifier", "counted"):
                raise InputError(origin + "/unnamed.tsv", f"unknown role {role!r}", lineno)
            self.unnamed[phrase.lower()] = UnnamedRule(None if sector == "-" else sector, role)
        self.asset_words = frozenset(w.lower() for w in _lines("asset_words.txt"))
        for lineno, (word, sector, role) in _rows("org_heads.tsv", 3):
            if role not in self.org_words:
                raise InputError(origin + "/org_heads.tsv", f"unknown role {role!r}", lineno)
            self.org_words[role][word.lower()] = sector
        for _, (form, code, name, adjective) in _rows("regions.tsv", 4):
            self.regions[form] = GroupForm(code, name, "region", adjective == "1")
            self._group_names.setdefault(code, (name, "region"))
        for _, (form, code, name, kind, adjective) in _rows("ethnic.tsv", 5):
            self.ethnic[form] = GroupForm(code, name, kind, adjective == "1")
            self._group_names.setdefault(code, (name, "ethnic"))
        self.blocklist = list(_lines("blocklist.txt"))
        self.honorifics = frozenset(line.lower() for line in _lines("honorifics.txt"))

    # ------------------------------------------------------------------ lookups
    def country_name(self, iso3: str) -> str | None:
        c = self.countries.get(iso3)
        return c.name if c else None

    def state_actor(self, iso3: str, sector: str | None = None, name: str | None = None) -> Actor:
        """The actor for a state, optionally with a CAMEO sector (``CHN`` + ``GOV`` -> ``CHNGOV``)."""
        country = self.countries[iso3]
        if sector is None:
            return Actor(code=iso3, name=name or country.name, country=iso3, sector=None, kind="state")
        label = self.sector_labels.get(sector, sector.lower())
        return Actor(
            code=iso3 + sector,
            name=name or f"{country.name} ({label})",
            country=iso3,
            sector=sector,
            kind="state",
        )

    def group_actor(self, code: str, sector: str | None = None) -> Actor:
        """A region or ethnic/religious group, optionally with a sector: ``EUR``, ``KURREB``.

        Country None: a region or a people is no state (models.Actor: None for transnational actors).
        """
        name, kind = self._group_names[code]
        if sector is None:
            return Actor(code=code, name=name, country=None, sector=None, kind=kind)
        label = self.sector_labels.get(sector, sector.lower())
        return Actor(code=code + sector, name=f"{name} ({label})", country=None, sector=sector, kind=kind)

    def unnamed_actor(self, sector: str, name: str | None = None) -> Actor:
        """An actor named by its sector alone, country unknown: "police" -> ``COP``."""
        label = self.sector_labels.get(sector, sector.lower())
        return Actor(code=sector, name=name or label, country=None, sector=sector, kind="sector")

    def org_actor(self, key: str, day: date | None) -> Actor | None:
        """The actor of an organisation at a date (the Taliban are AFGGOV from 2021-08-15)."""
        terms = self.orgs.get(key)
        if not terms:
            return None
        term = _term_at(terms, day)
        country, sector = code_country(term.code)
        if country is not None and country not in self.countries:
            country, sector = None, None
        return Actor(code=term.code, name=term.name, country=country, sector=sector, kind=term.kind)

    def actor(self, code: str) -> Actor | None:
        """The actor a CAMEO code stands for: ``CHN``, ``CHNGOV``, ``IGOUNO``, ``IMGMOSISI``, ...

        Person actors are not addressable by code (many people share ``USAGOV``).
        """
        if code in self._org_by_code:
            term = self._org_by_code[code]
            if term.kind == "state":
                return self.state_actor(code[:3], code[3:6] or None)
            country, sector = code_country(code)
            if country not in self.countries:
                country, sector = None, None
            return Actor(code=code, name=term.name, country=country, sector=sector, kind=term.kind)
        if len(code) == 3 and code in self.countries:
            return self.state_actor(code)
        if code in self._group_names:
            return self.group_actor(code)
        if len(code) == 6 and code[:3] in self._group_names and code[3:] in self.sector_labels:
            return self.group_actor(code[:3], code[3:])
        if code in self.sector_labels:
            return self.unnamed_actor(code)
        if len(code) == 6 and code[:3] in self.countries and code[3:] in self.sector_labels:
            return self.state_actor(code[:3], code[3:])
        return None

    def office_holder(self, iso3: str, role: str, day: date | None) -> Person | None:
        """Who held ``role`` (head_of_state, foreign_minister, ...) of ``iso3`` on ``day``."""
        if role == "leader":
            role = self.leader_roles.get(iso3, "head_of_state")
        if role == "president":
            # Iran's president is not its head of state; elsewhere the president is.
            return self._holder(iso3, "president", day) or self._holder(iso3, "head_of_state", day)
        return self._holder(iso3, role, day)

    def _holder(self, iso3: str, role: str, day: date | None) -> Person | None:
        best: tuple[date, Person] | None = None
        for person in self.persons.values():
            for office in person.offices:
                if office.role != role or office.code[:3] != iso3:
                    continue
                if day is not None and not office.holds(day):
                    continue
                if day is None and office.end is not None:
                    continue
                if best is None or office.start > best[0]:
                    best = (office.start, person)
        return best[1] if best else None

    def sector_rule(self, phrase: str) -> SectorRule | None:
        return self.sectors.get(phrase.lower())


def _term_at(terms: list[OrgTerm], day: date | None) -> OrgTerm:
    if day is None:
        return max(terms, key=lambda t: t.start or date.min)
    for t in terms:
        if (t.start is None or t.start <= day) and (t.end is None or day <= t.end):
            return t
    return terms[0]


@lru_cache(maxsize=1)
def _load_cached() -> KnowledgeBase:
    kb = KnowledgeBase()
    kb._load()
    return kb
