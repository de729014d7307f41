"""The Store: every query realpolitik runs against its database, in portable SQL.

The SQL here uses only standard types and functions that DuckDB and PostgreSQL share
(``substr``, ``LEAST``/``GREATEST``, ``NULLS LAST``, ``ON CONFLICT``) and ``?`` placeholders that
the backend translates. Rows are turned back into the contract dataclasses of
:mod:`realpolitik.models` so that what comes out is exactly ``Event.to_dict()``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from realpolitik.errors import StoreError
from realpolitik.models import ActorRef, Article, CameoCode, Event, Mention, PloverType
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

    def _insert_article(self, a: Article) -> None:
        metadata = json.dumps(a.metadata, ensure_ascii=False, sort_keys=True, default=str)
        ingested = datetime.now(UTC).replace(tzinfo=None)
        self._db.execute(
            f"INSERT INTO articles ({', '.join(_ARTICLE_COLS)}) VALUES ({_placeholders(len(_ARTICLE_COLS))})",
            [
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
            ],
        )

    def _insert(self, table: str, cols: Sequence[str], rows: list[tuple[Any, ...]], suffix: str = "") -> None:
        """Multi-row ``INSERT ... VALUES (..), (..)``: portable and far faster in DuckDB than
        executemany. Chunked to stay under PostgreSQL's 65535 bind parameters."""
        one = f"({_placeholders(len(cols))})"
        for i in range(0, len(rows), _CHUNK):
            chunk = rows[i : i + _CHUNK]
            values = ", ".join([one] * len(chunk))
            params = [v for row in chunk for v in row]
            self._db.execute(f"INSERT INTO {table} ({', '.join(cols)}) VALUES {values}{suffix}", params)

    def _upsert_actors(self, mentions: list[Mention], events: list[Event]) -> None:
        # Mentions carry the full Actor: upsert, so the latest resolution of a code wins.
        # One row per code: PostgreSQL refuses to update the same row twice in one statement.
        actors = {m.actor.code: m.actor for m in reversed(mentions)}
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
        rows = [
            (f"{article_id}#{i}", article_id, m.sentence_index, m.start, m.end, m.text, m.actor.code, m.via,
             float(m.confidence))
            for i, m in enumerate(mentions)
        ]  # fmt: skip
        self._insert("mentions", _MENTION_COLS, rows)

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
    ) -> list[dict[str, Any]]:
        """Events matching every given filter, oldest first (undated last), each with its ``article``.

        ``actor`` is a CAMEO code prefix matched on source or target (``CHN`` matches ``CHNGOV``);
        ``country`` an ISO alpha-3 on source or target; ``root`` a CAMEO root (``"4"`` = ``"04"``);
        ``code`` a CAMEO code prefix (``"112"`` matches 112 and 1121..1125); ``since``/``until`` are
        inclusive bounds on the event date (undated events never match a date bound).
        """
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
        sql = (
            f"SELECT {_EVENT_SELECT}, a.title, a.publisher, a.url FROM events e "
            "JOIN articles a ON a.id = e.article_id"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY e.date NULLS LAST, e.article_id, {_EVENT_ORDER}"
        )
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
        out = []
        for row in self._dicts(sql, params, (*_EVENT_COLS, "title", "publisher", "url")):
            d = _event_dict(row)
            d["article"] = {"title": row["title"], "publisher": row["publisher"], "url": row["url"]}
            out.append(d)
        return out

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
