-- Migration 2: what the REST API and the dashboard write: analysts' comments and corrections.
-- Corrections sit BESIDE the machine coding (the events table is never updated): each row is one
-- analyst's verdict on one event, the latest verdict per event wins, and all are kept as history.
-- Portable SQL only (see 0001_initial.sql).

CREATE TABLE comments (
    id          TEXT PRIMARY KEY,          -- random hex id
    article_id  TEXT NOT NULL REFERENCES articles (id),
    event_id    TEXT REFERENCES events (event_id),   -- NULL: a comment on the article itself
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL         -- UTC
);

CREATE INDEX comments_article_idx ON comments (article_id);
CREATE INDEX comments_event_idx ON comments (event_id);

CREATE TABLE corrections (
    id              TEXT PRIMARY KEY,      -- random hex id
    event_id        TEXT NOT NULL REFERENCES events (event_id),
    article_id      TEXT NOT NULL REFERENCES articles (id),
    action          TEXT NOT NULL,         -- confirm | recode | reject
    cameo_code      TEXT,                  -- recode: the right CAMEO code (NULL: unchanged)
    source_code     TEXT,                  -- recode: the right source actor code (NULL: unchanged)
    source_country  TEXT,
    target_code     TEXT,                  -- recode: the right target actor code (NULL: unchanged)
    target_country  TEXT,
    note            TEXT,
    author          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL     -- UTC
);

CREATE INDEX corrections_event_idx ON corrections (event_id);
CREATE INDEX corrections_article_idx ON corrections (article_id);
