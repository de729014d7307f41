-- Migration 1: the initial schema.
-- Portable SQL only (DuckDB today, PostgreSQL later): standard types, no DuckDB-only features.
-- Character offsets are named *_start/*_end or start_char/end_char because END is reserved in SQL.
-- Statements are separated by a semicolon at the end of a line (see schema.split_statements).

CREATE TABLE articles (
    id            TEXT PRIMARY KEY,
    title         TEXT,
    text          TEXT NOT NULL,
    date          DATE,
    date_source   TEXT NOT NULL,
    publisher     TEXT,
    url           TEXT,
    attributed_to TEXT,
    origin        TEXT,
    content_hash  TEXT NOT NULL,
    metadata      TEXT NOT NULL,          -- JSON object as text (portable; PG may cast to jsonb)
    ingested_at   TIMESTAMP NOT NULL      -- UTC
);

-- Not UNIQUE: duplicate policy belongs to the pipeline (find_duplicate); the index makes it fast.
CREATE INDEX articles_content_hash_idx ON articles (content_hash);
CREATE INDEX articles_url_idx ON articles (url);
CREATE INDEX articles_date_idx ON articles (date);

CREATE TABLE actors (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    country TEXT,
    sector  TEXT,
    kind    TEXT                          -- NULL when only known from an event reference
);

CREATE TABLE mentions (
    id             TEXT PRIMARY KEY,      -- article id + '#' + ordinal
    article_id     TEXT NOT NULL REFERENCES articles (id),
    sentence_index INTEGER NOT NULL,
    start_char     INTEGER NOT NULL,
    end_char       INTEGER NOT NULL,
    text           TEXT NOT NULL,
    actor_code     TEXT NOT NULL REFERENCES actors (code),
    via            TEXT NOT NULL,
    confidence     DOUBLE PRECISION NOT NULL
);

CREATE INDEX mentions_article_idx ON mentions (article_id);
CREATE INDEX mentions_actor_idx ON mentions (actor_code);

CREATE TABLE events (
    event_id       TEXT PRIMARY KEY,
    article_id     TEXT NOT NULL REFERENCES articles (id),
    sentence_index INTEGER NOT NULL,
    span_start     INTEGER NOT NULL,
    span_end       INTEGER NOT NULL,
    sentence       TEXT NOT NULL,
    date           DATE,
    date_basis     TEXT NOT NULL,
    source_text    TEXT NOT NULL,
    source_code    TEXT NOT NULL,
    source_country TEXT,
    source_sector  TEXT,
    source_name    TEXT NOT NULL,
    target_text    TEXT,
    target_code    TEXT,
    target_country TEXT,
    target_sector  TEXT,
    target_name    TEXT,
    cameo_code     TEXT NOT NULL,
    cameo_root     TEXT NOT NULL,
    cameo_name     TEXT NOT NULL,
    goldstein      DOUBLE PRECISION NOT NULL,
    quad_class     INTEGER NOT NULL,
    plover_event   TEXT,
    plover_mode    TEXT,
    polarity       TEXT NOT NULL,
    modality       TEXT NOT NULL,
    attribution    TEXT,
    confidence     DOUBLE PRECISION NOT NULL,
    trigger        TEXT NOT NULL,
    coder          TEXT NOT NULL
);

CREATE INDEX events_article_idx ON events (article_id);
CREATE INDEX events_date_idx ON events (date);
CREATE INDEX events_root_idx ON events (cameo_root);
CREATE INDEX events_code_idx ON events (cameo_code);
CREATE INDEX events_source_country_idx ON events (source_country);
CREATE INDEX events_target_country_idx ON events (target_country);
CREATE INDEX events_source_code_idx ON events (source_code);
CREATE INDEX events_target_code_idx ON events (target_code);
