"""Lossless Article / Mention / Event <-> Arrow rows, for results that travel through Parquet.

The Ray engine ships articles to its workers and their results back as Parquet files, so every
field of the contract dataclasses must survive ``dataclass -> dict row -> Arrow -> Parquet ->
Arrow -> dict row -> dataclass`` unchanged (``==`` on the dataclasses, the same ``Event.to_dict()``
and ``event_id``). The schema is explicit: inferring it from Python values would give a column
that is all ``None`` in one batch the ``null`` type and break concatenating batches.

``Article.metadata`` is a free-form JSON-like tree; it is written as JSON text, with a small tag
for the few Python values JSON cannot hold exactly (tuples, dates, bytes, sets, non-string keys),
so those come back as they went in. Values of other types are written as ``str(value)``, which is
what the store keeps of them anyway (it writes metadata with ``json.dumps(default=str)``).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from realpolitik.models import Actor, ActorRef, Article, CameoCode, Event, Mention, PloverType
from realpolitik.pipeline import AnalysedArticle

# -- schema ------------------------------------------------------------------------------------

_STR = pa.string()
_INT = pa.int64()
_FLOAT = pa.float64()

ACTOR = pa.struct([("code", _STR), ("name", _STR), ("country", _STR), ("sector", _STR), ("kind", _STR)])
MENTION = pa.struct(
    [
        ("text", _STR),
        ("start", _INT),
        ("end", _INT),
        ("sentence_index", _INT),
        ("token_start", _INT),
        ("token_end", _INT),
        ("actor", ACTOR),
        ("via", _STR),
        ("confidence", _FLOAT),
    ]
)
ACTOR_REF = pa.struct([("text", _STR), ("code", _STR), ("country", _STR), ("sector", _STR), ("name", _STR)])
CAMEO = pa.struct(
    [("code", _STR), ("root", _STR), ("name", _STR), ("goldstein", _FLOAT), ("quad_class", _INT)]
)
PLOVER = pa.struct([("event", _STR), ("mode", _STR)])
EVENT = pa.struct(
    [
        ("doc_id", _STR),
        ("sentence_index", _INT),
        ("span_start", _INT),
        ("span_end", _INT),
        ("sentence", _STR),
        ("date", pa.date32()),
        ("source", ACTOR_REF),
        ("target", ACTOR_REF),
        ("cameo", CAMEO),
        ("plover", PLOVER),
        ("polarity", _STR),
        ("modality", _STR),
        ("attribution", _STR),
        ("confidence", _FLOAT),
        ("trigger", _STR),
        ("date_basis", _STR),
        ("coder", _STR),
    ]
)

#: One input article. ``seq`` is its position in the run's input order (results are put back
#: in that order before they are saved, whatever order the workers finish in).
ARTICLE_FIELDS: list[pa.Field] = [
    pa.field("seq", _INT, nullable=False),
    pa.field("id", _STR, nullable=False),
    pa.field("text", _STR, nullable=False),
    pa.field("title", _STR),
    pa.field("date", pa.date32()),
    pa.field("date_source", _STR),
    pa.field("publisher", _STR),
    pa.field("url", _STR),
    pa.field("attributed_to", _STR),
    pa.field("origin", _STR),
    pa.field("metadata", _STR),
]
ARTICLE_SCHEMA = pa.schema(ARTICLE_FIELDS)

#: One analysed article: the input columns plus the results. ``error`` is set (and mentions and
#: events empty) when the analysis raised a RealpolitikError; ``analyser`` names the worker
#: instance that did it (it shows that each worker loads its models once and serves many batches).
RESULT_SCHEMA = pa.schema(
    [
        *ARTICLE_FIELDS,
        pa.field("mentions", pa.list_(MENTION)),
        pa.field("events", pa.list_(EVENT)),
        pa.field("error", _STR),
        pa.field("analyser", _STR),
    ]
)

# -- metadata: JSON with a tag for what JSON cannot hold ------------------------------------------

_TAG = "$rp"


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        # JSON has no NaN/Infinity: json.dumps would write a non-standard token.
        return value if math.isfinite(value) else {_TAG: "float", "v": repr(value)}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and _TAG not in value:
            return {k: _encode(v) for k, v in value.items()}
        return {_TAG: "dict", "v": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {_TAG: "tuple", "v": [_encode(v) for v in value]}
    if isinstance(value, frozenset | set):
        return {_TAG: type(value).__name__, "v": [_encode(v) for v in value]}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, bytes):
        return {_TAG: "bytes", "v": base64.b64encode(value).decode("ascii")}
    return str(value)  # what the store keeps of it (json.dumps(default=str))


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(_TAG)
    if tag is None:
        return {k: _decode(v) for k, v in value.items()}
    v = value["v"]
    if tag == "dict":
        return {_decode(k): _decode(x) for k, x in v}
    if tag == "tuple":
        return tuple(_decode(x) for x in v)
    if tag == "set":
        return {_decode(x) for x in v}
    if tag == "frozenset":
        return frozenset(_decode(x) for x in v)
    if tag == "datetime":
        return datetime.fromisoformat(v)
    if tag == "date":
        return date.fromisoformat(v)
    if tag == "bytes":
        return base64.b64decode(v)
    if tag == "float":
        return float(v)
    raise ValueError(f"unknown metadata tag {tag!r}")


def encode_metadata(metadata: dict[str, Any]) -> str:
    return json.dumps(_encode(metadata), ensure_ascii=False, allow_nan=False)


def decode_metadata(text: str | None) -> dict[str, Any]:
    return _decode(json.loads(text)) if text else {}


# -- dataclasses <-> rows ------------------------------------------------------------------------


def article_row(article: Article, seq: int) -> dict[str, Any]:
    return {
        "seq": seq,
        "id": article.id,
        "text": article.text,
        "title": article.title,
        "date": article.date,
        "date_source": article.date_source,
        "publisher": article.publisher,
        "url": article.url,
        "attributed_to": article.attributed_to,
        "origin": article.origin,
        "metadata": encode_metadata(article.metadata),
    }


def row_article(row: dict[str, Any]) -> Article:
    return Article(
        id=row["id"],
        text=row["text"],
        title=row["title"],
        date=row["date"],
        date_source=row["date_source"],
        publisher=row["publisher"],
        url=row["url"],
        attributed_to=row["attributed_to"],
        origin=row["origin"],
        metadata=decode_metadata(row["metadata"]),
    )


def mention_row(m: Mention) -> dict[str, Any]:
    a = m.actor
    return {
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "sentence_index": m.sentence_index,
        "token_start": m.token_start,
        "token_end": m.token_end,
        "actor": {"code": a.code, "name": a.name, "country": a.country, "sector": a.sector, "kind": a.kind},
        "via": m.via,
        "confidence": float(m.confidence),
    }


def row_mention(row: dict[str, Any]) -> Mention:
    return Mention(
        text=row["text"],
        start=row["start"],
        end=row["end"],
        sentence_index=row["sentence_index"],
        token_start=row["token_start"],
        token_end=row["token_end"],
        actor=Actor(**row["actor"]),
        via=row["via"],
        confidence=row["confidence"],
    )


def event_row(e: Event) -> dict[str, Any]:
    return {
        "doc_id": e.doc_id,
        "sentence_index": e.sentence_index,
        "span_start": e.span[0],
        "span_end": e.span[1],
        "sentence": e.sentence,
        "date": e.date,
        "source": e.source.to_dict(),
        "target": e.target.to_dict() if e.target else None,
        "cameo": e.cameo.to_dict(),
        "plover": e.plover.to_dict(),
        "polarity": e.polarity,
        "modality": e.modality,
        "attribution": e.attribution,
        "confidence": float(e.confidence),
        "trigger": e.trigger,
        "date_basis": e.date_basis,
        "coder": e.coder,
    }


def row_event(row: dict[str, Any]) -> Event:
    target = row["target"]
    return Event(
        doc_id=row["doc_id"],
        sentence_index=row["sentence_index"],
        span=(row["span_start"], row["span_end"]),
        sentence=row["sentence"],
        date=row["date"],
        source=ActorRef(**row["source"]),
        target=ActorRef(**target) if target is not None else None,
        cameo=CameoCode(**row["cameo"]),
        plover=PloverType(**row["plover"]),
        polarity=row["polarity"],
        modality=row["modality"],
        attribution=row["attribution"],
        confidence=row["confidence"],
        trigger=row["trigger"],
        date_basis=row["date_basis"],
        coder=row["coder"],
    )


def result_row(
    seq: int,
    article: Article,
    analysed: AnalysedArticle | None,
    *,
    error: str | None = None,
    analyser: str | None = None,
) -> dict[str, Any]:
    """The output row of one article: its analysis, or the error that stopped it."""
    row = article_row(analysed.article if analysed else article, seq)
    row["mentions"] = [mention_row(m) for m in analysed.mentions] if analysed else []
    row["events"] = [event_row(e) for e in analysed.events] if analysed else []
    row["error"] = error
    row["analyser"] = analyser
    return row


def row_analysed(row: dict[str, Any]) -> AnalysedArticle:
    return AnalysedArticle(
        article=row_article(row),
        mentions=[row_mention(m) for m in row["mentions"] or ()],
        events=[row_event(e) for e in row["events"] or ()],
    )


# -- tables ---------------------------------------------------------------------------------------


def to_table(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)


def iter_rows(tables: Iterable[pa.Table | pa.RecordBatch]) -> Iterator[dict[str, Any]]:
    for table in tables:
        yield from table.to_pylist()
