"""The Store: every query realpolitik runs against its database, in portable SQL.

The SQL here uses only standard types and functions that DuckDB and PostgreSQL share
(``substr``, ``LEAST``/``GREATEST``, ``NULLS LAST``, ``ILIKE``, ``ON CONFLICT``) and ``?``
placeholders that the backend translates (:mod:`~realpolitik.store.postgres_store` turns them into
``%s``): there is one copy of every query, whatever the database. Rows are turned back into the
contract dataclasses of :mod:`realpolitik.models` so that what comes out is exactly
``Event.to_dict()``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from realpolitik.errors import StoreError
from realpolitik.models import Actor, ActorRef, Article, CameoCode, Event, Mention, PloverType
from realpolitik.store.schema import Backend

_ARTICLE_COLS = (
    "id",
    "title",
    "text",
    "date",
    "date_source",
    "publisher",
    "url",
    "attributed_to",
    "origin",
    "content_hash",
    "metadata",
    "ingested_at",
)
_EVENT_COLS = (
    "event_id",
    "article_id",
    "sentence_index",
    "span_start",
    "span_end",
    "sentence",
    "date",
    "date_basis",
    "source_text",
    "source_code",
    "source_country",
    "source_sector",
    "source_name",
    "target_text",
    "target_code",
    "target_country",
    "target_sector",
    "target_name",
    "cameo_code",
    "cameo_root",
    "cameo_name",
    "goldstein",
    "quad_class",
    "plover_event",
    "plover_mode",
    "polarity",
    "modality",
    "attribution",
    "confidence",
    "trigger",
    "coder",
)
_ACTOR_COLS = ("code", "name", "country", "sector", "kind")
_MENTION_COLS = (
    "id", "article_id", "sentence_index", "start_char", "end_char", "text", "actor_code", "via", "confidence",
)  # fmt: skip
_CHUNK = 500  # rows per INSERT: 500 x 31 event columns < 65535 PostgreSQL parameters
_EVENT_SELECT = ", ".join(f"e.{c}" for c in _EVENT_COLS)
_EVENT_ORDER = "e.sentence_index, e.span_start, e.span_end, e.event_id"


def _placeholders(n: int) -> str:
    return ", ".join("?" * n)


def _event_row(e: Event) -> tuple[Any, ...]:
    t = e.target
    return (
        e.event_id,
        e.doc_id,
        e.sentence_index,
        e.span[0],
        e.span[1],
        e.sentence,
        e.date,
        e.date_basis,
        e.source.text,
        e.source.code,
        e.source.country,
        e.source.sector,
        e.source.name,
        t.text if t else None,
        t.code if t else None,
        t.country if t else None,
        t.sector if t else None,
        t.name if t else None,
        e.cameo.code,
        e.cameo.root,
        e.cameo.name,
        float(e.cameo.goldstein),
        int(e.cameo.quad_class),
        e.plover.event,
        e.plover.mode,
        e.polarity,
        e.modality,
        e.attribution,
        float(e.confidence),
        e.trigger,
        e.coder,
    )


def _row_event(row: dict[str, Any]) -> Event:
    """Rebuild the Event dataclass so the output is produced by Event.to_dict() itself."""
    target = None
    if row["target_code"] is not None:
        target = ActorRef(
            row["target_text"],
            row["target_code"],
            row["target_country"],
            row["target_sector"],
            row["target_name"],
        )
    return Event(
        doc_id=row["article_id"],
        sentence_index=row["sentence_index"],
        span=(row["span_start"], row["span_end"]),
        sentence=row["sentence"],
        date=row["date"],
        source=ActorRef(
            row["source_text"],
            row["source_code"],
            row["source_country"],
            row["source_sector"],
            row["source_name"],
        ),
        target=target,
        cameo=CameoCode(
            row["cameo_code"], row["cameo_root"], row["cameo_name"], row["goldstein"], row["quad_class"]
        ),
        plover=PloverType(row["plover_event"], row["plover_mode"]),
        polarity=row["polarity"],
        modality=row["modality"],
        attribution=row["attribution"],
        confidence=row["confidence"],
        trigger=row["trigger"],
        date_basis=row["date_basis"],
        coder=row["coder"],
    )


def _event_dict(row: dict[str, Any]) -> dict[str, Any]:
    d = _row_event(row).to_dict()
    d["event_id"] = row["event_id"]  # the stored id is authoritative (equal unless the id recipe changed)
    return d


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _code(value: str, what: str) -> str:
    value = value.strip().upper()
    if not value:
        raise StoreError(f"empty {what} filter")
    return value


class NotFoundError(StoreError):
    """The article or event a write refers to is not in the store."""


CORRECTION_ACTIONS = ("confirm", "recode", "reject")
_COMMENT_COLS = ("id", "article_id", "event_id", "author", "body", "created_at")
_CORRECTION_COLS = (
    "id", "event_id", "article_id", "action", "cameo_code", "source_code", "source_country",
    "target_code", "target_country", "note", "author", "created_at",
)  # fmt: skip
_LIKE_ESCAPE = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
_SNIPPET = 200


def _new_id() -> str:
    """A random id that sorts by creation time (so "latest correction wins" has no ties)."""
    return f"{time.time_ns():016x}{secrets.token_hex(4)}"


def _paging(params: list[Any], limit: int | None, offset: int) -> str:
    """``LIMIT ? OFFSET ?`` with the values appended to ``params``; StoreError when negative."""
    sql = ""
    if limit is not None:
        if int(limit) < 0:
            raise StoreError(f"limit must be >= 0, not {limit}")
        sql += " LIMIT ?"
        params.append(int(limit))
    if int(offset) < 0:
        raise StoreError(f"offset must be >= 0, not {offset}")
    if offset:
        sql += " OFFSET ?"
        params.append(int(offset))
    return sql


def _event_filters(
    *,
    actor: str | None,
    country: str | None,
    root: str | None,
    code: str | None,
    since: date | None,
    until: date | None,
    doc_id: str | None,
    include_negated: bool,
    quad_class: int | Sequence[int] | None,
    publisher: str | None,
    polarity: str | None,
    pair: tuple[str, str] | None,
    min_confidence: float | None = None,
) -> tuple[list[str], list[Any]]:
    """WHERE clauses (over ``events e JOIN articles a``) and their parameters: values are
    always bound, never pasted into the SQL."""
    where: list[str] = []
    params: list[Any] = []
    if actor is not None:
        a = _code(actor, "actor")
        where.append("(substr(e.source_code, 1, ?) = ? OR substr(e.target_code, 1, ?) = ?)")
        params += [len(a), a, len(a), a]
    if country is not None:
        c = _code(country, "country")
        where.append("(e.source_country = ? OR e.target_country = ?)")
        params += [c, c]
    if root is not None:
        r = str(root).strip()
        where.append("e.cameo_root = ?")
        params.append(r.zfill(2) if r.isdigit() else r)
    if code is not None:
        k = str(code).strip()
        where.append("substr(e.cameo_code, 1, ?) = ?")
        params += [len(k), k]
    if since is not None:
        where.append("e.date >= ?")
        params.append(since)
    if until is not None:
        where.append("e.date <= ?")
        params.append(until)
    if doc_id is not None:
        where.append("e.article_id = ?")
        params.append(doc_id)
    if not include_negated:
        where.append("e.polarity <> 'negated'")
    if quad_class is not None:
        quads = [int(quad_class)] if isinstance(quad_class, int) else [int(q) for q in quad_class]
        if not quads or any(q not in (1, 2, 3, 4) for q in quads):
            raise StoreError(f"quad_class must be 1 to 4, not {quad_class}")
        where.append(f"e.quad_class IN ({_placeholders(len(quads))})")
        params += quads
    if publisher is not None:
        where.append("a.publisher = ?")
        params.append(publisher)
    if min_confidence is not None:
        if not 0.0 <= float(min_confidence) <= 1.0:
            raise StoreError(f"min_confidence must be between 0 and 1, not {min_confidence}")
        where.append("e.confidence >= ?")
        params.append(float(min_confidence))
    if polarity is not None:
        if polarity not in ("asserted", "negated"):
            raise StoreError(f"polarity must be asserted or negated, not {polarity!r}")
        where.append("e.polarity = ?")
        params.append(polarity)
    if pair is not None:
        x, y = _code(pair[0], "pair"), _code(pair[1], "pair")
        where.append(
            "((e.source_country = ? AND e.target_country = ?) "
            "OR (e.source_country = ? AND e.target_country = ?))"
        )
        params += [x, y, y, x]
    return where, params


def _terms(q: str | None) -> list[str]:
    return [t for t in (q or "").split() if t][:10]


def _like(term: str) -> str:
    return "%" + term.translate(_LIKE_ESCAPE) + "%"


def _article_filters(
    q: str | None, publisher: str | None, since: date | None, until: date | None
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for term in _terms(q):
        where.append("(a.title ILIKE ? ESCAPE '\\' OR a.text ILIKE ? ESCAPE '\\')")
        params += [_like(term), _like(term)]
    if publisher is not None:
        where.append("a.publisher = ?")
        params.append(publisher)
    if since is not None:
        where.append("a.date >= ?")
        params.append(since)
    if until is not None:
        where.append("a.date <= ?")
        params.append(until)
    return where, params


def _actor_filters(q: str | None, kind: str | None, country: str | None) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for term in _terms(q):
        where.append("(c.code ILIKE ? ESCAPE '\\' OR c.name ILIKE ? ESCAPE '\\')")
        params += [_like(term), _like(term)]
    if kind is not None:
        where.append("c.kind = ?")
        params.append(kind)
    if country is not None:
        where.append("c.country = ?")
        params.append(_code(country, "country"))
    return where, params


def _snippet(text: str, terms: list[str]) -> str:
    """Up to ~200 characters of ``text`` around the first search term (the start without one)."""
    flat = " ".join(text.split())
    at = -1
    low = flat.casefold()
    for t in terms:
        at = low.find(t.casefold())
        if at >= 0:
            break
    start = max(0, at - _SNIPPET // 3) if at >= 0 else 0
    piece = flat[start : start + _SNIPPET]
    return ("…" if start else "") + piece + ("…" if start + _SNIPPET < len(flat) else "")


class Store:
    """An open realpolitik database. Use :func:`realpolitik.store.open_store` to get one."""

    def __init__(self, backend: Backend, schema_version: int) -> None:
        self._db = backend
        self.schema_version = schema_version
        self.location = backend.location
        self.read_only = backend.read_only

    # -- plumbing ------------------------------------------------------------------------------

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, list(params))
        except self._db.errors as e:
            raise StoreError(f"{self.location}: query failed: {e}") from e

    def _dicts(self, sql: str, params: Sequence[Any], cols: Sequence[str]) -> list[dict[str, Any]]:
        return [dict(zip(cols, r, strict=True)) for r in self._rows(sql, params)]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------

    def find_duplicate(self, article: Article) -> str | None:
        """Id of a stored article with the same URL, else with the same normalised text; else None."""
        if article.url:
            rows = self._rows(
                "SELECT id FROM articles WHERE url = ? ORDER BY ingested_at, id LIMIT 1", [article.url]
            )
            if rows:
                return str(rows[0][0])
        rows = self._rows(
            "SELECT id FROM articles WHERE content_hash = ? ORDER BY ingested_at, id LIMIT 1",
            [article.content_hash],
        )
        return str(rows[0][0]) if rows else None

    def admission_lookups(self, articles: Sequence[Article]) -> list[tuple[str | None, bool]]:
        """For each article, ``(find_duplicate(article), has_article_id(article.id))``, with three
        queries for all of them: asked article by article, the lookups of a bulk ingest cost its
        main process about 4 ms an article (DuckDB), time taken from the workers it feeds."""
        if not articles:
            return []
        first: dict[str, dict[str, str]] = {}
        for column, values in (
            ("url", {a.url for a in articles if a.url}),
            ("content_hash", {a.content_hash for a in articles}),
        ):
            rows = self._rows_in(
                f"SELECT {column}, id FROM articles WHERE {column}", values, " ORDER BY ingested_at, id"
            )
            found: dict[str, str] = {}
            for value, article_id in rows:
                found.setdefault(str(value), str(article_id))  # the first stored, as find_duplicate
            first[column] = found
        taken = {
            str(r[0]) for r in self._rows_in("SELECT id FROM articles WHERE id", {a.id for a in articles})
        }
        out: list[tuple[str | None, bool]] = []
        for a in articles:
            duplicate = first["url"].get(a.url) if a.url else None
            if duplicate is None:
                duplicate = first["content_hash"].get(a.content_hash)
            out.append((duplicate, a.id in taken))
        return out

    def _rows_in(self, select: str, values: set[str], suffix: str = "") -> list[tuple[Any, ...]]:
        """Rows of ``{select} IN (values){suffix}``, asked 500 values at a time (ordered within each)."""
        ordered = sorted(values)
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            rows.extend(self._rows(f"{select} IN ({_placeholders(len(chunk))}){suffix}", chunk))
        return rows

    def has_article_id(self, article_id: str) -> bool:
        return bool(self._rows("SELECT COUNT(*) FROM articles WHERE id = ?", [article_id])[0][0])

    def save_article(self, article: Article, mentions: list[Mention], events: list[Event]) -> None:
        """Store an article with its actors, mentions and events in ONE transaction: all or nothing.

        An article id that is already stored is refused (StoreError); events with the same
        ``event_id`` (the same coding of the same words) are stored once.
        """
        where = f"article {article.id!r}" + (f" ({article.origin})" if article.origin else "")
        if self.read_only:
            raise StoreError(f"{self.location}: opened read-only, cannot save {where}")
        for ev in events:
            if ev.doc_id != article.id:
                raise StoreError(f"cannot save {where}: it has an event of another article ({ev.doc_id!r})")
        try:
            self._db.begin()
        except self._db.errors as e:
            raise StoreError(f"{self.location}: cannot start a transaction: {e}") from e
        try:
            if self.has_article_id(article.id):
                raise StoreError(f"{self.location}: {where} is already stored")
            self._insert_article(article)
            self._upsert_actors(mentions, events)
            self._insert_mentions(article.id, mentions)
            self._insert_events(events)
            self._db.commit()
        except BaseException as e:
            try:
                self._db.rollback()
            except self._db.errors:
                pass  # the original error is the one worth reporting
            if isinstance(e, StoreError) or not isinstance(e, Exception):
                raise
            raise StoreError(f"{self.location}: cannot save {where}, nothing was written: {e}") from e

    def save_articles(self, batch: Sequence[tuple[Article, list[Mention], list[Event]]]) -> None:
        """Store several articles, each with its actors, mentions and events, in ONE transaction:
        all or nothing. The stored result is the same as ``save_article`` of each in turn; one
        commit and one multi-row insert per table for the whole batch is what makes a bulk ingest
        faster (a commit and five statements an article cost about 20 ms in DuckDB). Any
        problem (an id already stored, a bad row) refuses the whole batch: the caller may then
        save its articles one by one to find the culprit."""
        if len(batch) == 1:
            self.save_article(*batch[0])
            return
        if not batch:
            return
        if self.read_only:
            raise StoreError(f"{self.location}: opened read-only, cannot save {len(batch)} articles")
        ids = [article.id for article, _, _ in batch]
        if len(set(ids)) != len(ids):
            raise StoreError(f"cannot save a batch that holds an article id twice: {ids}")
        for article, _, events in batch:
            if any(ev.doc_id != article.id for ev in events):
                raise StoreError(f"cannot save article {article.id!r}: it has an event of another article")
        try:
            self._db.begin()
        except self._db.errors as e:
            raise StoreError(f"{self.location}: cannot start a transaction: {e}") from e
        try:
            stored = self._rows(f"SELECT id FROM articles WHERE id IN ({_placeholders(len(ids))})", ids)
            if stored:
                raise StoreError(f"{self.location}: article {stored[0][0]!r} is already stored")
            self._insert("articles", _ARTICLE_COLS, [self._article_row(a) for a, _, _ in batch])
            # As if saved in turn: within an article its first mention of a code names the actor,
            # and a later article's resolution replaces an earlier one's.
            actors: dict[str, Actor] = {}
            for _, mentions, _ in batch:
                actors.update({m.actor.code: m.actor for m in reversed(mentions)})
            events = [ev for _, _, evs in batch for ev in evs]
            self._upsert_actor_rows(actors, events)
            self._insert(
                "mentions", _MENTION_COLS, [row for a, ms, _ in batch for row in self._mention_rows(a.id, ms)]
            )
            self._insert_events(events)
            self._db.commit()
        except BaseException as e:
            try:
                self._db.rollback()
            except self._db.errors:
                pass
            if isinstance(e, StoreError) or not isinstance(e, Exception):
                raise
            where = f"{self.location}: cannot save {len(batch)} articles"
            raise StoreError(f"{where}, nothing was written: {e}") from e

    def _insert_article(self, a: Article) -> None:
        self._insert("articles", _ARTICLE_COLS, [self._article_row(a)])

    @staticmethod
    def _article_row(a: Article) -> tuple[Any, ...]:
        metadata = json.dumps(a.metadata, ensure_ascii=False, sort_keys=True, default=str)
        ingested = datetime.now(UTC).replace(tzinfo=None)
        return (
            a.id,
            a.title,
            a.text,
            a.date,
            a.date_source,
            a.publisher,
            a.url,
            a.attributed_to,
            a.origin,
            a.content_hash,
            metadata,
            ingested,
        )

    def _insert(self, table: str, cols: Sequence[str], rows: list[tuple[Any, ...]], suffix: str = "") -> None:
        """Multi-row ``INSERT ... VALUES (..), (..)``: portable and far faster in DuckDB than
        executemany. Chunked to stay under PostgreSQL's 65535 bind parameters. A backend with
        an ``insert_rows`` of its own (DuckDB: from an Arrow table) uses it."""
        if not rows:
            return
        bulk = getattr(self._db, "insert_rows", None)
        if bulk is not None:
            try:
                bulk(table, cols, rows, suffix)
                return
            except NotImplementedError:
                pass
        one = f"({_placeholders(len(cols))})"
        for i in range(0, len(rows), _CHUNK):
            chunk = rows[i : i + _CHUNK]
            values = ", ".join([one] * len(chunk))
            params = [v for row in chunk for v in row]
            self._db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES {values}{suffix}", params)

    def _upsert_actors(self, mentions: list[Mention], events: list[Event]) -> None:
        self._upsert_actor_rows({m.actor.code: m.actor for m in reversed(mentions)}, events)

    def _upsert_actor_rows(self, actors: dict[str, Actor], events: list[Event]) -> None:
        # Mentions carry the full Actor: upsert, so the latest resolution of a code wins.
        # One row per code: PostgreSQL refuses to update the same row twice in one statement.
        self._insert(
            "actors",
            _ACTOR_COLS,
            [(a.code, a.name, a.country, a.sector, a.kind) for a in actors.values()],
            " ON CONFLICT (code) DO UPDATE SET name = excluded.name, country = excluded.country, "
            "sector = excluded.sector, kind = excluded.kind",
        )
        # Event actors normally come from mentions; any other one is recorded without a kind.
        refs = {
            r.code: r for e in events for r in (e.source, e.target) if r is not None and r.code not in actors
        }
        self._insert(
            "actors",
            _ACTOR_COLS,
            [(r.code, r.name, r.country, r.sector, None) for r in refs.values()],
            " ON CONFLICT (code) DO NOTHING",
        )

    def _insert_mentions(self, article_id: str, mentions: list[Mention]) -> None:
        self._insert("mentions", _MENTION_COLS, self._mention_rows(article_id, mentions))

    @staticmethod
    def _mention_rows(article_id: str, mentions: list[Mention]) -> list[tuple[Any, ...]]:
        return [
            (f"{article_id}#{i}", article_id, m.sentence_index, m.start, m.end, m.text, m.actor.code, m.via,
             float(m.confidence))
            for i, m in enumerate(mentions)
        ]  # fmt: skip

    def _insert_events(self, events: list[Event]) -> None:
        unique = {e.event_id: e for e in reversed(events)}  # first occurrence wins
        self._insert("events", _EVENT_COLS, [_event_row(e) for e in unique.values()])

    # -- reading -------------------------------------------------------------------------------

    def article(self, article_id: str) -> dict[str, Any] | None:
        rows = self._dicts(
            f"SELECT {', '.join(_ARTICLE_COLS)} FROM articles WHERE id = ?", [article_id], _ARTICLE_COLS
        )
        if not rows:
            return None
        d = rows[0]
        d["date"] = _iso(d["date"])
        d["ingested_at"] = _iso(d["ingested_at"])
        d["metadata"] = json.loads(d["metadata"])
        return d

    def article_mentions(self, article_id: str) -> list[dict[str, Any]]:
        cols = (
            "text",
            "start",
            "end",
            "sentence_index",
            "actor_code",
            "country",
            "sector",
            "name",
            "kind",
            "via",
            "confidence",
        )
        return self._dicts(
            "SELECT m.text, m.start_char, m.end_char, m.sentence_index, m.actor_code, a.country, a.sector, "
            "a.name, a.kind, m.via, m.confidence FROM mentions m JOIN actors a ON a.code = m.actor_code "
            "WHERE m.article_id = ? ORDER BY m.start_char, m.end_char, m.sentence_index",
            [article_id],
            cols,
        )

    def article_events(self, article_id: str) -> list[dict[str, Any]]:
        rows = self._dicts(
            f"SELECT {_EVENT_SELECT} FROM events e WHERE e.article_id = ? ORDER BY {_EVENT_ORDER}",
            [article_id],
            _EVENT_COLS,
        )
        return [_event_dict(r) for r in rows]

    def events(
        self,
        *,
        actor: str | None = None,
        country: str | None = None,
        root: str | None = None,
        code: str | None = None,
        since: date | None = None,
        until: date | None = None,
        doc_id: str | None = None,
        include_negated: bool = True,
        limit: int | None = 1000,
        offset: int = 0,
        quad_class: int | Sequence[int] | None = None,
        publisher: str | None = None,
        polarity: str | None = None,
        pair: tuple[str, str] | None = None,
        newest_first: bool = False,
        min_confidence: float | None = None,
    ) -> list[dict[str, Any]]:
        """Events matching every given filter, oldest first (undated last), each with its ``article``.

        ``actor`` is a CAMEO code prefix matched on source or target (``CHN`` matches ``CHNGOV``);
        ``country`` an ISO alpha-3 on source or target; ``root`` a CAMEO root (``"4"`` = ``"04"``);
        ``code`` a CAMEO code prefix (``"112"`` matches 112 and 1121..1125); ``since``/``until`` are
        inclusive bounds on the event date (undated events never match a date bound).
        ``quad_class`` one QuadClass or several; ``publisher`` the article's publisher (exact);
        ``polarity`` ``asserted`` or ``negated``; ``pair`` two ISO alpha-3 countries, events between
        them in either direction. ``newest_first`` sorts by date descending (undated still last).
        ``min_confidence`` keeps events coded with at least that confidence.
        """
        where, params = _event_filters(
            actor=actor, country=country, root=root, code=code, since=since, until=until, doc_id=doc_id,
            include_negated=include_negated, quad_class=quad_class, publisher=publisher,
            polarity=polarity, pair=pair, min_confidence=min_confidence,
        )  # fmt: skip
        order = "e.date DESC NULLS LAST" if newest_first else "e.date NULLS LAST"
        sql = (
            f"SELECT {_EVENT_SELECT}, a.title, a.publisher, a.url FROM events e "
            "JOIN articles a ON a.id = e.article_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY {order}, e.article_id, {_EVENT_ORDER}"
        )
        sql += _paging(params, limit, offset)
        out = []
        for row in self._dicts(sql, params, (*_EVENT_COLS, "title", "publisher", "url")):
            d = _event_dict(row)
            d["article"] = {"title": row["title"], "publisher": row["publisher"], "url": row["url"]}
            out.append(d)
        return out

    def count_events(
        self,
        *,
        actor: str | None = None,
        country: str | None = None,
        root: str | None = None,
        code: str | None = None,
        since: date | None = None,
        until: date | None = None,
        doc_id: str | None = None,
        include_negated: bool = True,
        quad_class: int | Sequence[int] | None = None,
        publisher: str | None = None,
        polarity: str | None = None,
        pair: tuple[str, str] | None = None,
        min_confidence: float | None = None,
    ) -> int:
        """How many events :meth:`events` would return without a limit (for paging)."""
        where, params = _event_filters(
            actor=actor, country=country, root=root, code=code, since=since, until=until, doc_id=doc_id,
            include_negated=include_negated, quad_class=quad_class, publisher=publisher,
            polarity=polarity, pair=pair, min_confidence=min_confidence,
        )  # fmt: skip
        sql = "SELECT COUNT(*) FROM events e JOIN articles a ON a.id = e.article_id" + (
            " WHERE " + " AND ".join(where) if where else ""
        )
        return int(self._rows(sql, params)[0][0])

    def event(self, event_id: str) -> dict[str, Any] | None:
        """One event (output contract plus ``article``: id, title, date, publisher, url), or None."""
        rows = self._dicts(
            f"SELECT {_EVENT_SELECT}, a.title, a.date, a.publisher, a.url FROM events e "
            "JOIN articles a ON a.id = e.article_id WHERE e.event_id = ?",
            [event_id],
            (*_EVENT_COLS, "title", "article_date", "publisher", "url"),
        )
        if not rows:
            return None
        row = rows[0]
        d = _event_dict(row)
        d["article"] = {
            "id": row["article_id"],
            "title": row["title"],
            "date": _iso(row["article_date"]),
            "publisher": row["publisher"],
            "url": row["url"],
        }
        return d

    # -- serving: article listing and search, actors ----------------------------------------------

    def articles(
        self,
        *,
        q: str | None = None,
        publisher: str | None = None,
        since: date | None = None,
        until: date | None = None,
        ids: Sequence[str] | None = None,
        limit: int | None = 20,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Articles newest first (undated last) with a ``snippet`` and their ``events`` count.

        ``q`` is a full-text search: every word must occur in the title or the text,
        case-insensitively (ILIKE substring matching: simple and portable, fine for thousands of
        articles; a real full-text index can replace it behind this method). With ``ids`` only
        those articles are returned, with their ``text``, and no limit applies.
        """
        where, params = _article_filters(q, publisher, since, until)
        if ids is not None:
            wanted = list(dict.fromkeys(str(i) for i in ids))
            if not wanted:
                return []
            where.append(f"a.id IN ({_placeholders(len(wanted))})")
            params += wanted
            limit = None
        sql = (
            "SELECT a.id, a.title, a.date, a.publisher, a.url, a.text, "
            "(SELECT COUNT(*) FROM events e WHERE e.article_id = a.id) FROM articles a"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY a.date DESC NULLS LAST, a.id"
        )
        sql += _paging(params, limit, offset)
        terms = _terms(q)
        out = []
        for aid, title, day, pub, url, text, n in self._rows(sql, params):
            item = {
                "id": aid,
                "title": title,
                "date": _iso(day),
                "publisher": pub,
                "url": url,
                "events": int(n),
                "snippet": _snippet(text, terms),
            }
            if ids is not None:
                item["text"] = text
            out.append(item)
        return out

    def count_articles(
        self,
        *,
        q: str | None = None,
        publisher: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> int:
        where, params = _article_filters(q, publisher, since, until)
        sql = "SELECT COUNT(*) FROM articles a" + (" WHERE " + " AND ".join(where) if where else "")
        return int(self._rows(sql, params)[0][0])

    def publishers(self) -> list[dict[str, Any]]:
        """Publishers with their article counts, most articles first."""
        rows = self._rows(
            "SELECT publisher, COUNT(*) FROM articles WHERE publisher IS NOT NULL "
            "GROUP BY publisher ORDER BY COUNT(*) DESC, publisher"
        )
        return [{"publisher": p, "articles": int(n)} for p, n in rows]

    def actors(
        self,
        *,
        q: str | None = None,
        kind: str | None = None,
        country: str | None = None,
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Actors with their ``mentions`` and ``events`` (as source or target) counts, most
        mentioned first. ``q`` matches the code or the name (case-insensitive substring)."""
        where, params = _actor_filters(q, kind, country)
        sql = (
            "SELECT c.code, c.name, c.country, c.sector, c.kind, "
            "(SELECT COUNT(*) FROM mentions m WHERE m.actor_code = c.code) AS n_mentions, "
            "(SELECT COUNT(*) FROM events e WHERE e.source_code = c.code OR e.target_code = c.code) "
            "FROM actors c"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY n_mentions DESC, c.code"
        )
        sql += _paging(params, limit, offset)
        cols = ("code", "name", "country", "sector", "kind", "mentions", "events")
        return [
            {**d, "mentions": int(d["mentions"]), "events": int(d["events"])}
            for d in self._dicts(sql, params, cols)
        ]

    def count_actors(
        self, *, q: str | None = None, kind: str | None = None, country: str | None = None
    ) -> int:
        where, params = _actor_filters(q, kind, country)
        sql = "SELECT COUNT(*) FROM actors c" + (" WHERE " + " AND ".join(where) if where else "")
        return int(self._rows(sql, params)[0][0])

    def actor(self, code: str) -> dict[str, Any] | None:
        rows = self._dicts(
            f"SELECT {', '.join(_ACTOR_COLS)} FROM actors WHERE code = ?", [code.strip().upper()], _ACTOR_COLS
        )
        return rows[0] if rows else None

    # -- serving: comments and corrections (written by analysts, beside the machine coding) ------

    def _check_writable(self, what: str) -> None:
        if self.read_only:
            raise StoreError(f"{self.location}: opened read-only, cannot save {what}")

    def _write_one(self, table: str, cols: Sequence[str], row: tuple[Any, ...], what: str) -> None:
        self._check_writable(what)
        try:
            self._db.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({_placeholders(len(cols))})", row
            )
        except self._db.errors as e:
            raise StoreError(f"{self.location}: cannot save {what}: {e}") from e

    def add_comment(
        self, body: str, *, author: str, article_id: str | None = None, event_id: str | None = None
    ) -> dict[str, Any]:
        """Store a comment on an article, or on an event (its article is found from the event).
        Raises NotFoundError for an unknown article or event, StoreError for an empty body."""
        body, author = (body or "").strip(), (author or "").strip()
        if not body:
            raise StoreError("a comment needs a body")
        if not author:
            raise StoreError("a comment needs an author")
        if event_id is not None:
            rows = self._rows("SELECT article_id FROM events WHERE event_id = ?", [event_id])
            if not rows:
                raise NotFoundError(f"no event {event_id!r}")
            if article_id is not None and article_id != rows[0][0]:
                raise StoreError(f"event {event_id!r} is not in article {article_id!r}")
            article_id = str(rows[0][0])
        elif article_id is None or not self.has_article_id(article_id):
            raise NotFoundError(f"no article {article_id!r}")
        comment = {
            "id": _new_id(),
            "article_id": article_id,
            "event_id": event_id,
            "author": author,
            "body": body,
            "created_at": datetime.now(UTC).replace(tzinfo=None),
        }
        self._write_one("comments", _COMMENT_COLS, tuple(comment[c] for c in _COMMENT_COLS), "a comment")
        comment["created_at"] = _iso(comment["created_at"])
        return comment

    def comments(
        self, *, article_id: str | None = None, event_id: str | None = None, limit: int | None = 500
    ) -> list[dict[str, Any]]:
        """Comments, oldest first: on an event, or every comment on an article and its events."""
        return self._annotations(
            "comments", _COMMENT_COLS, {"article_id": article_id, "event_id": event_id}, limit, 0
        )

    def add_correction(
        self,
        event_id: str,
        action: str,
        *,
        author: str,
        cameo_code: str | None = None,
        source_code: str | None = None,
        source_country: str | None = None,
        target_code: str | None = None,
        target_country: str | None = None,
        note: str | None = None,
    ) -> dict[str, Any]:
        """Record an analyst's verdict on an event, BESIDE the machine coding (never over it).

        ``action``: ``confirm`` (the coding is right), ``reject`` (there is no such event) or
        ``recode`` (right event, other code and/or other actors: the fields given replace the
        machine's, those left None keep it). The latest correction of an event is its verdict.
        Validation of codes against the CAMEO table is the caller's (the API's) job."""
        action = (action or "").strip().lower()
        if action not in CORRECTION_ACTIONS:
            choices = ", ".join(CORRECTION_ACTIONS)
            raise StoreError(f"correction action must be one of {choices}, not {action!r}")
        author = (author or "").strip()
        if not author:
            raise StoreError("a correction needs an author")
        fields = {
            "cameo_code": cameo_code,
            "source_code": source_code,
            "source_country": source_country,
            "target_code": target_code,
            "target_country": target_country,
        }
        fields = {k: (v.strip().upper() if v and v.strip() else None) for k, v in fields.items()}
        if action == "recode" and not any(fields.values()):
            raise StoreError("a recode correction needs a new CAMEO code or new actors")
        if action != "recode" and any(fields.values()):
            raise StoreError(f"a {action} correction takes no new code or actors (use recode)")
        rows = self._rows("SELECT article_id FROM events WHERE event_id = ?", [event_id])
        if not rows:
            raise NotFoundError(f"no event {event_id!r}")
        correction = {
            "id": _new_id(),
            "event_id": event_id,
            "article_id": str(rows[0][0]),
            "action": action,
            **fields,
            "note": (note or "").strip() or None,
            "author": author,
            "created_at": datetime.now(UTC).replace(tzinfo=None),
        }
        self._write_one(
            "corrections", _CORRECTION_COLS, tuple(correction[c] for c in _CORRECTION_COLS), "a correction"
        )
        correction["created_at"] = _iso(correction["created_at"])
        return correction

    def corrections(
        self,
        *,
        event_id: str | None = None,
        article_id: str | None = None,
        limit: int | None = 1000,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Corrections, oldest first (so the last one of an event is its verdict)."""
        return self._annotations(
            "corrections", _CORRECTION_COLS, {"event_id": event_id, "article_id": article_id}, limit, offset
        )

    def _annotations(
        self,
        table: str,
        cols: Sequence[str],
        equal_to: Mapping[str, str | None],
        limit: int | None,
        offset: int,
    ) -> list[dict[str, Any]]:
        """Rows of an analysts' table (comments, corrections), oldest first, filtered on the
        columns of ``equal_to`` whose value is not None. Table and column names are this
        module's constants, never user input; values are bound parameters."""
        where = [f"{col} = ?" for col, value in equal_to.items() if value is not None]
        params: list[Any] = [value for value in equal_to.values() if value is not None]
        sql = (
            f"SELECT {', '.join(cols)} FROM {table}"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY created_at, id"
        )
        sql += _paging(params, limit, offset)
        rows = self._dicts(sql, params, cols)
        for r in rows:
            r["created_at"] = _iso(r["created_at"])
        return rows

    def count_corrections(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM corrections")[0][0])

    def gold_records(self) -> list[dict[str, Any]]:
        """The analysts' corrections as gold records for ``realpolitik eval`` (the format of
        ``shared/data/gold``: ``id, text, date, events, optional``), one per corrected article.

        Per event of the article, the latest verdict decides: ``confirm`` -> the machine's
        (source country, target country, root) is REQUIRED; ``recode`` -> the corrected one is
        required; ``reject`` -> left out; no verdict yet -> OPTIONAL (unreviewed, so neither
        required nor counted as an error). Only country-to-country events can be scored, as in
        the scorer; negated events count only when an analyst recoded them."""
        latest: dict[str, dict[str, Any]] = {}
        for c in self.corrections(limit=None):
            latest[c["event_id"]] = c  # oldest first: the last one wins
        articles = sorted({c["article_id"] for c in latest.values()})
        out = []
        for aid in articles:
            art = self.article(aid)
            if art is None:  # pragma: no cover - foreign keys keep this from happening
                continue
            required: list[dict[str, Any]] = []
            optional: list[dict[str, Any]] = []
            for ev in self.article_events(aid):
                verdict = latest.get(ev["event_id"])
                src = (ev["source"] or {}).get("country")
                tgt = (ev.get("target") or {}).get("country")
                root = ev["cameo"]["root"]
                if verdict is None:
                    if ev["polarity"] == "negated":
                        continue
                    bucket = optional
                elif verdict["action"] == "reject":
                    continue
                elif verdict["action"] == "confirm":
                    if ev["polarity"] == "negated":
                        continue
                    bucket = required
                else:
                    src = verdict["source_country"] or (src if not verdict["source_code"] else None)
                    tgt = verdict["target_country"] or (tgt if not verdict["target_code"] else None)
                    root = (verdict["cameo_code"] or root)[:2]
                    bucket = required
                if src and tgt and src != tgt:
                    item = {"source": src, "target": tgt, "cameo": [root]}
                    if item not in bucket:
                        bucket.append(item)
            record: dict[str, Any] = {"id": aid, "text": art["text"], "date": art["date"], "events": required}
            if optional:
                record["optional"] = optional
            out.append(record)
        return out

    def data_version(self) -> tuple[int, int, int]:
        """A fingerprint that changes whenever anything is written, by this or ANY other process
        (with PostgreSQL, ``realpolitik ingest`` can write while a server reads): the article,
        comment and correction counts. Enough because the store is append-only: rows are never
        deleted, and nothing is updated except actor names, which change only with a new article.
        A server can key its caches on it instead of on its own writes."""
        row = self._rows(
            "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM comments), "
            "(SELECT COUNT(*) FROM corrections)"
        )[0]
        return int(row[0]), int(row[1]), int(row[2])

    def stats(self) -> dict[str, Any]:
        """Counts and coverage. ``first_date``/``last_date`` span the article dates;
        ``by_quad_class`` and ``top_roots`` count asserted (non-negated) events only."""
        one = self._rows(
            "SELECT (SELECT COUNT(*) FROM articles), (SELECT COUNT(*) FROM events), "
            "(SELECT COUNT(*) FROM events WHERE polarity = 'negated'), (SELECT COUNT(*) FROM mentions), "
            "(SELECT COUNT(*) FROM actors), (SELECT COUNT(DISTINCT publisher) FROM articles), "
            "(SELECT MIN(date) FROM articles), (SELECT MAX(date) FROM articles)"
        )[0]
        quads = {q: 0 for q in (1, 2, 3, 4)}
        for q, n in self._rows(
            "SELECT quad_class, COUNT(*) FROM events WHERE polarity <> 'negated' GROUP BY quad_class"
        ):
            quads[int(q)] = int(n)
        roots = [
            {"root": r, "name": name, "events": int(n)}
            for r, name, n in self._rows(
                # A root's name is known when some event was coded with the root code itself.
                "SELECT cameo_root, MIN(CASE WHEN cameo_code = cameo_root THEN cameo_name END), COUNT(*) "
                "FROM events WHERE polarity <> 'negated' GROUP BY cameo_root "
                "ORDER BY COUNT(*) DESC, cameo_root LIMIT 10"
            )
        ]
        return {
            "articles": int(one[0]),
            "events": int(one[1]),
            "events_negated": int(one[2]),
            "mentions": int(one[3]),
            "actors": int(one[4]),
            "publishers": int(one[5]),
            "first_date": _iso(one[6]),
            "last_date": _iso(one[7]),
            "schema_version": self.schema_version,
            "by_quad_class": quads,
            "top_roots": roots,
        }

    def top_dyads(self, n: int = 10) -> list[dict[str, Any]]:
        """The ``n`` most active country pairs (undirected, ``a`` < ``b``) over asserted events
        between two different countries; ties broken by the pair's codes."""
        if int(n) < 0:
            raise StoreError(f"n must be >= 0, not {n}")
        pair = "LEAST(source_country, target_country), GREATEST(source_country, target_country)"
        rows = self._rows(
            f"SELECT {pair}, COUNT(*), "
            "SUM(CASE WHEN quad_class IN (1, 2) THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN quad_class IN (3, 4) THEN 1 ELSE 0 END), SUM(goldstein), AVG(goldstein) "
            "FROM events WHERE polarity <> 'negated' AND source_country IS NOT NULL "
            "AND target_country IS NOT NULL AND source_country <> target_country "
            f"GROUP BY {pair} ORDER BY COUNT(*) DESC, 1, 2 LIMIT ?",
            [int(n)],
        )
        return [
            {
                "a": a,
                "b": b,
                "events": int(k),
                "cooperation": int(coop),
                "conflict": int(conf),
                "goldstein_sum": round(float(gsum), 3),
                "goldstein_mean": round(float(gmean), 3),
            }
            for a, b, k, coop, conf, gsum, gmean in rows
        ]
