"""A small hand-coded store for the API's tests and for trying the dashboard without spaCy.

Articles, mentions and events are written directly with the contract dataclasses: the store and
the server are exercised exactly as after a real ingest, in a fraction of a second. One article
carries ``<script>`` and HTML in its title and text, for the escaping tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from realpolitik.events.cameo import cameo_code, plover_for
from realpolitik.models import Actor, ActorRef, Article, Event, Mention
from realpolitik.store import Store, open_store

ACTORS = {
    "USA": Actor("USA", "United States", "USA", None, "state"),
    "USAGOV": Actor("USAGOV", "United States government", "USA", "GOV", "state"),
    "CHN": Actor("CHN", "China", "CHN", None, "state"),
    "RUS": Actor("RUS", "Russia", "RUS", None, "state"),
    "UKR": Actor("UKR", "Ukraine", "UKR", None, "state"),
    "IRN": Actor("IRN", "Iran", "IRN", None, "state"),
    "DEU": Actor("DEU", "Germany", "DEU", None, "state"),
    "FRA": Actor("FRA", "France", "FRA", None, "state"),
    "PAK": Actor("PAK", "Pakistan", "PAK", None, "state"),
    "IND": Actor("IND", "India", "IND", None, "state"),
    "IGOUNO": Actor("IGOUNO", "United Nations", None, None, "igo"),
}

SCRIPT = "<script>alert('xss')</script>"


@dataclass
class S:
    """One sentence: its text, the words of the source and target with their actor codes, the
    CAMEO code of the event and its trigger word."""

    text: str
    source: tuple[str, str] | None = None
    target: tuple[str, str] | None = None
    code: str | None = None
    trigger: str = ""
    polarity: str = "asserted"


ARTICLES: list[dict[str, object]] = [
    {
        "id": "a1",
        "title": "China and the United States trade accusations over tariffs",
        "date": date(2019, 5, 6),
        "publisher": "Wikinews",
        "url": "https://en.wikinews.org/wiki/Example_one",
        "sentences": [
            S(
                "China accused the United States of bullying on Monday.",
                ("China", "CHN"),
                ("United States", "USA"),
                "112",
                "accused",
            ),
            S(
                "Washington criticized Beijing over its trade practices.",
                ("Washington", "USAGOV"),
                ("Beijing", "CHN"),
                "111",
                "criticized",
            ),
            S(
                "Russia did not condemn China for the move.",
                ("Russia", "RUS"),
                ("China", "CHN"),
                "122",
                "condemn",
                "negated",
            ),
        ],
    },
    {
        "id": "a2",
        "title": "Russia and China sign energy deal",
        "date": date(2019, 6, 5),
        "publisher": "Wikinews",
        "url": "https://en.wikinews.org/wiki/Example_two",
        "sentences": [
            S(
                "Russia and China signed an energy agreement in Moscow.",
                ("Russia", "RUS"),
                ("China", "CHN"),
                "057",
                "signed",
            ),
            S("China praised Russia for its support.", ("China", "CHN"), ("Russia", "RUS"), "051", "praised"),
        ],
    },
    {
        "id": "a3",
        "title": "Fighting in eastern Ukraine",
        "date": date(2019, 9, 12),
        "publisher": "Example Post",
        "url": "https://example.org/ukraine",
        "sentences": [
            S(
                "Russia attacked Ukraine near Donetsk.",
                ("Russia", "RUS"),
                ("Ukraine", "UKR"),
                "190",
                "attacked",
            ),
            S(
                "Ukraine accused Russia of shelling civilians.",
                ("Ukraine", "UKR"),
                ("Russia", "RUS"),
                "112",
                "accused",
            ),
            S("Germany urged Russia to stop.", ("Germany", "DEU"), ("Russia", "RUS"), "102", "urged"),
        ],
    },
    {
        "id": "a4",
        "title": "Iran talks: France and Germany meet Iran",
        "date": date(2019, 11, 20),
        "publisher": "Example Post",
        "url": "https://example.org/iran",
        "sentences": [
            S("France met Iran in Paris.", ("France", "FRA"), ("Iran", "IRN"), "042", "met"),
            S(
                "The United States imposed sanctions on Iran.",
                ("United States", "USA"),
                ("Iran", "IRN"),
                "163",
                "imposed",
            ),
            S(
                "China criticized the United States over the sanctions.",
                ("China", "CHN"),
                ("United States", "USA"),
                "111",
                "criticized",
            ),
        ],
    },
    {
        "id": "a5",
        "title": "Kashmir tensions rise",
        "date": date(2020, 2, 27),
        "publisher": "Wikinews",
        "url": "https://en.wikinews.org/wiki/Example_five",
        "sentences": [
            S(
                "India accused Pakistan of backing militants.",
                ("India", "IND"),
                ("Pakistan", "PAK"),
                "112",
                "accused",
            ),
            S(
                "Pakistan threatened India with retaliation.",
                ("Pakistan", "PAK"),
                ("India", "IND"),
                "130",
                "threatened",
            ),
            S(
                "The United Nations appealed to India for calm.",
                ("United Nations", "IGOUNO"),
                ("India", "IND"),
                "020",
                "appealed",
            ),
        ],
    },
    {
        "id": "a6",
        "title": f"Markup test {SCRIPT} <b>bold</b>",
        "date": date(2020, 3, 2),
        "publisher": "Example Post",
        "url": "javascript:alert('url')",
        "sentences": [
            S(
                f"China praised Pakistan. {SCRIPT} <img src=x onerror=alert(1)> <b>not bold</b>",
                ("China", "CHN"),
                ("Pakistan", "PAK"),
                "051",
                "praised",
            ),
            S(
                "The United States met China in Geneva.",
                ("United States", "USA"),
                ("China", "CHN"),
                "042",
                "met",
            ),
        ],
    },
]


# Weekly USA-China meetings, then a week of threats: a dyad that moves against its own past (shifts).
for _i, _day in enumerate((date(2020, 1, 6), date(2020, 1, 13), date(2020, 1, 20))):
    ARTICLES.append(
        {
            "id": f"w{_i + 1}",
            "title": f"US and Chinese envoys meet, round {_i + 1}",
            "date": _day,
            "publisher": "Wikinews",
            "url": f"https://en.wikinews.org/wiki/Example_round_{_i + 1}",
            "sentences": [
                S(
                    f"The United States met China in Geneva for round {_i + 1} of talks.",
                    ("United States", "USA"),
                    ("China", "CHN"),
                    "042",
                    "met",
                ),
            ],
        }
    )
ARTICLES.append(
    {
        "id": "w4",
        "title": "Talks collapse as Washington threatens Beijing",
        "date": date(2020, 2, 3),
        "publisher": "Wikinews",
        "url": "https://en.wikinews.org/wiki/Example_collapse",
        "sentences": [
            S(
                "The United States threatened China with new tariffs.",
                ("United States", "USA"),
                ("China", "CHN"),
                "130",
                "threatened",
            ),
            S(
                "China accused the United States of bad faith.",
                ("China", "CHN"),
                ("United States", "USA"),
                "112",
                "accused",
            ),
        ],
    }
)


def _ref(words: str, code: str) -> ActorRef:
    a = ACTORS[code]
    return ActorRef(words, a.code, a.country, a.sector, a.name)


def build_article(spec: dict[str, object]) -> tuple[Article, list[Mention], list[Event]]:
    """The article, its mentions and its events, with exact character offsets."""
    sentences: list[S] = spec["sentences"]  # type: ignore[assignment]
    text = "\n\n".join(s.text for s in sentences)
    aid = str(spec["id"])
    day: date = spec["date"]  # type: ignore[assignment]
    article = Article(
        id=aid,
        text=text,
        title=str(spec["title"]),
        date=day,
        date_source="given",
        publisher=str(spec["publisher"]),
        url=str(spec["url"]),
        origin=f"testing:{aid}",
    )
    mentions: list[Mention] = []
    events: list[Event] = []
    offset = 0
    for i, s in enumerate(sentences):
        found: list[tuple[int, int]] = []
        for part in (s.source, s.target):
            if part is None:
                continue
            words, code = part
            start = offset + s.text.index(words)
            mentions.append(
                Mention(words, start, start + len(words), i, 0, 1, ACTORS[code], "gazetteer", 1.0)
            )
            found.append((start, start + len(words)))
        if s.code and s.source:
            t = offset + s.text.index(s.trigger) if s.trigger else found[0][0]
            lo = min([t, *[f[0] for f in found]])
            hi = max([t + len(s.trigger), *[f[1] for f in found]])
            events.append(
                Event(
                    doc_id=aid,
                    sentence_index=i,
                    span=(lo, hi),
                    sentence=s.text,
                    date=day,
                    source=_ref(*s.source),
                    target=_ref(*s.target) if s.target else None,
                    cameo=cameo_code(s.code),
                    plover=plover_for(s.code),
                    polarity=s.polarity,  # type: ignore[arg-type]
                    confidence=0.8,
                    trigger=s.trigger,
                    date_basis="article",
                    coder="testing",
                )
            )
        offset += len(s.text) + 2
    mentions.sort(key=lambda m: m.start)
    return article, mentions, events


def build_store(path: str | Path) -> Store:
    """A new store at ``path`` holding :data:`ARTICLES` (open, writable: close it when done)."""
    store = open_store(path)
    for spec in ARTICLES:
        store.save_article(*build_article(spec))
    return store


class FakeAnalysed:
    def __init__(self, article: Article, mentions: list[Mention], events: list[Event]) -> None:
        self.article, self.mentions, self.events = article, mentions, events


class FakePipeline:
    """Stands in for :class:`realpolitik.pipeline.Pipeline` in tests: finds the actors of
    :data:`ACTORS` by name and codes ``A criticized B`` (111) in each sentence, nothing else."""

    def analyse(self, article: Article) -> FakeAnalysed:
        import re

        names = sorted(
            ((a.name, a) for a in ACTORS.values() if a.kind == "state" and a.sector is None),
            key=lambda x: -len(x[0]),
        )
        mentions: list[Mention] = []
        events: list[Event] = []
        for i, m in enumerate(re.finditer(r"[^.!?\n]+[.!?]?", article.text)):
            sent, base = m.group(0), m.start()
            hits = []
            for name, actor in names:
                for h in re.finditer(re.escape(name), sent):
                    if not any(h.start() < e and s < h.end() for s, e, _ in hits):
                        hits.append((h.start(), h.end(), actor))
            hits.sort(key=lambda h: h[0])
            for s, e, actor in hits:
                mentions.append(Mention(sent[s:e], base + s, base + e, i, 0, 1, actor, "gazetteer", 1.0))
            trig = sent.find("criticized")
            if trig >= 0 and len(hits) >= 2:
                (s1, e1, a1), (s2, e2, a2) = hits[0], hits[1]
                events.append(
                    Event(
                        article.id,
                        i,
                        (base + s1, base + e2),
                        sent.strip(),
                        article.date,
                        ActorRef(sent[s1:e1], a1.code, a1.country, a1.sector, a1.name),
                        ActorRef(sent[s2:e2], a2.code, a2.country, a2.sector, a2.name),
                        cameo_code("111"),
                        plover_for("111"),
                        trigger="criticized",
                        coder="fake",
                    )
                )
        return FakeAnalysed(article, mentions, events)
