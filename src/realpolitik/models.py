"""The typed contracts between realpolitik's stages.

Data flows one way: ingest -> nlp -> actors -> events -> store -> relations -> api.
Every stage consumes and produces the dataclasses below, so each stage can be tested alone.
The JSON form of an :class:`Event` (:meth:`Event.to_dict`) is the public output contract
documented in the README; change it only by adding fields.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Polarity = Literal["asserted", "negated"]
Modality = Literal["actual", "intended", "hypothetical", "reported"]
DateBasis = Literal["explicit", "relative", "article", "none"]

_SPACE = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Text as compared for duplicate detection: NFKC, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def text_hash(text: str) -> str:
    """SHA-256 of the normalised text: the duplicate key and the fallback article id."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


@dataclass
class Article:
    """One news article, as ingested.

    ``id`` is stable: the id given by the input, or ``"sha256:" + text_hash(text)[:16]``.
    ``origin`` says where it came from (``path`` or ``path:line`` or a URL) for messages.
    """

    id: str
    text: str
    title: str | None = None
    date: date | None = None
    date_source: Literal["given", "metadata", "dateline", "none"] = "none"
    publisher: str | None = None
    url: str | None = None
    attributed_to: str | None = None
    origin: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return text_hash(self.text)


@dataclass
class InputProblem:
    """An input that could not be (fully) read. It is reported, counted and skipped."""

    origin: str  # file path or URL
    message: str
    line: int | None = None  # 1-based line number for line-oriented inputs
    kind: Literal["error", "skipped"] = "error"

    def __str__(self) -> str:
        where = f"{self.origin}:{self.line}" if self.line is not None else self.origin
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Actor:
    """A resolved actor: a CAMEO actor code and what it stands for.

    ``code`` is the full CAMEO code (``"CHN"``, ``"CHNGOV"``, ``"RUSMIL"``, ``"IGOUNO"``,
    ``"NGOIMGISI"``...). ``country`` is the ISO 3166-1 alpha-3 code of a state actor and
    ``None`` for international or transnational actors. ``kind`` is one of
    ``state``, ``igo``, ``ngo``, ``armed_group``, ``person``, ``region`` (CAMEO region codes such
    as ``EUR``, ``WST``), ``ethnic`` (ethnic and religious groups: ``KUR``, ``SHI``) and
    ``sector`` (an unnamed actor known only by its sector, "the rebels" ``REB``, country ``None``).
    """

    code: str
    name: str
    country: str | None = None
    sector: str | None = None
    kind: str = "state"


@dataclass
class Mention:
    """A span of the document that refers to an actor.

    ``start``/``end`` are character offsets in the article text. ``sentence_index`` is the
    index of the sentence in :attr:`ParsedText.sentences`. ``token_start``/``token_end`` are
    token offsets in the sentence's paragraph ``Doc`` (``ParsedText.sentences[i].span.doc``),
    so the event coder can walk the dependency tree. ``via`` says how it was found
    (``gazetteer``, ``ner``, ``leader``, ``capital``, ``demonym``, ``anaphora``, ``sector``,
    ``region``, ``ethnic``, ...).
    """

    text: str
    start: int
    end: int
    sentence_index: int
    token_start: int
    token_end: int
    actor: Actor
    via: str = "gazetteer"
    confidence: float = 1.0


@dataclass(frozen=True)
class ActorRef:
    """An event's source or target as written in the output contract."""

    text: str
    code: str
    country: str | None
    sector: str | None
    name: str

    @classmethod
    def from_mention(cls, mention: Mention) -> ActorRef:
        a = mention.actor
        return cls(text=mention.text, code=a.code, country=a.country, sector=a.sector, name=a.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "code": self.code,
            "country": self.country,
            "sector": self.sector,
            "name": self.name,
        }


@dataclass(frozen=True)
class CameoCode:
    code: str  # "051", "1211", ...
    root: str  # "05"
    name: str
    goldstein: float
    quad_class: int  # 1 verbal coop, 2 material coop, 3 verbal conflict, 4 material conflict

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "root": self.root,
            "name": self.name,
            "goldstein": self.goldstein,
            "quad_class": self.quad_class,
        }


@dataclass(frozen=True)
class PloverType:
    event: str | None
    mode: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.event, "mode": self.mode}


@dataclass
class Event:
    """One coded event: who did what to whom, when, with the sentence as evidence."""

    doc_id: str
    sentence_index: int
    span: tuple[int, int]  # character offsets in the article text covering the event's words
    sentence: str
    date: date | None
    source: ActorRef
    target: ActorRef | None
    cameo: CameoCode
    plover: PloverType
    polarity: Polarity = "asserted"
    modality: Modality = "actual"
    attribution: str | None = None
    confidence: float = 0.5
    trigger: str = ""  # the word(s) that express the action, e.g. "accuse", "sanctions"
    date_basis: DateBasis = "none"
    coder: str = "lexicon"  # which component coded it

    @property
    def event_id(self) -> str:
        """A stable id: the same article coded the same way gives the same ids."""
        key = "|".join(
            [
                self.doc_id,
                str(self.sentence_index),
                f"{self.span[0]}-{self.span[1]}",
                self.source.code,
                self.target.code if self.target else "",
                self.cameo.code,
                self.polarity,
                self.modality,
            ]
        )
        return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "doc_id": self.doc_id,
            "sentence_index": self.sentence_index,
            "span": [self.span[0], self.span[1]],
            "sentence": self.sentence,
            "date": self.date.isoformat() if self.date else None,
            "date_basis": self.date_basis,
            "source": self.source.to_dict(),
            "target": self.target.to_dict() if self.target else None,
            "cameo": self.cameo.to_dict(),
            "plover": self.plover.to_dict(),
            "polarity": self.polarity,
            "modality": self.modality,
            "attribution": self.attribution,
            "confidence": round(float(self.confidence), 3),
            "trigger": self.trigger,
        }
