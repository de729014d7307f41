"""Time expressions resolved against the article date, and the dates events get."""

from __future__ import annotations

import json
from datetime import date

import pytest

from realpolitik.events import default_coder
from realpolitik.events.dates import find_timexes, resolve
from realpolitik.models import Actor, Article, Mention
from realpolitik.nlp import parse

REF = date(2019, 5, 8)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "future", "expected", "granularity", "basis"),
    [
        ("today", False, date(2019, 5, 8), "day", "relative"),
        ("yesterday", False, date(2019, 5, 7), "day", "relative"),
        ("on Saturday", False, date(2019, 5, 4), "day", "relative"),
        ("Saturday", True, date(2019, 5, 11), "day", "relative"),
        ("Wednesday", False, date(2019, 5, 8), "day", "relative"),
        ("last Wednesday", False, date(2019, 5, 1), "day", "relative"),
        ("this weekend", False, date(2019, 5, 4), "day", "relative"),
        ("this weekend", True, date(2019, 5, 11), "day", "relative"),
        ("last month", False, date(2019, 4, 1), "month", "relative"),
        ("last year", False, date(2018, 1, 1), "year", "relative"),
        ("last week", False, date(2019, 4, 29), "week", "relative"),
        ("three days ago", False, date(2019, 5, 5), "day", "relative"),
        ("in 2013", False, date(2013, 1, 1), "year", "explicit"),
        ("May 31, 2009", False, date(2009, 5, 31), "day", "explicit"),
        ("2018-12-25", False, date(2018, 12, 25), "day", "explicit"),
        ("in March", False, date(2019, 3, 1), "month", "relative"),
        ("in November", False, date(2018, 11, 1), "month", "relative"),
        ("last February", False, date(2019, 2, 1), "month", "relative"),
    ],
)
def test_resolve(text: str, future: bool, expected: date, granularity: str, basis: str) -> None:
    res = resolve(text, REF, future=future)
    assert res is not None, text
    assert (res.value, res.granularity, res.basis) == (expected, granularity, basis)


def test_weekend_seen_from_the_weekend() -> None:
    assert resolve("this weekend", date(2019, 5, 12)).value == date(2019, 5, 11)  # Sunday -> Saturday
    assert resolve("last weekend", date(2019, 5, 12)).value == date(2019, 5, 4)


def test_unresolvable() -> None:
    assert resolve("for three hours", REF) is None
    assert resolve("the following day", REF) is None  # dates from the story, not the article
    assert resolve("Saturday", None) is None  # relative needs an article date
    assert resolve("in 2013", None).value == date(2013, 1, 1)  # explicit needs none


def test_find_timexes_in_sentence(nlp) -> None:
    parsed = parse("Leaders met on Saturday and will meet again next Monday.", nlp=nlp)
    sent = parsed.sentences[0]
    found = {t.text: t.value for t, _ in find_timexes(sent.span, sent.offset, REF)}
    assert found["Saturday"] == date(2019, 5, 4)
    assert found["next Monday"] == date(2019, 5, 13)


def _event_date(nlp, text: str, day: date | None):
    parsed = parse(text, nlp=nlp)
    ms = []
    for surface, code in (("Russia", "RUS"), ("China", "CHN")):
        i = text.index(surface)
        span = parsed.sentences[0].span.doc.char_span(i, i + len(surface))
        ms.append(Mention(surface, i, i + len(surface), 0, span.start, span.end, Actor(code, surface, code)))
    (event,) = default_coder().code(parsed, ms, Article(id="d", text=text, date=day))
    return event.date, event.date_basis


def test_event_dates_and_basis(nlp) -> None:
    assert _event_date(nlp, "Russia criticized China on Saturday.", REF) == (date(2019, 5, 4), "relative")
    assert _event_date(nlp, "Russia criticized China in 2013.", REF) == (date(2013, 1, 1), "explicit")
    assert _event_date(nlp, "Russia criticized China.", REF) == (REF, "article")
    assert _event_date(nlp, "Russia criticized China on Saturday.", None) == (None, "none")


def test_timeset_accuracy(shared_data, nlp) -> None:
    """The first TimeSET articles: relative expressions resolve to the annotated day."""
    path = shared_data / "gold" / "timeset_wikinews.jsonl"
    checked = right = 0
    with path.open(encoding="utf-8") as fh:
        for line in list(fh)[:25]:
            rec = json.loads(line)
            ref = date.fromisoformat(rec["date"])
            parsed = None
            for tx in rec["timexes"]:
                value = tx["value"]
                if len(value) != 10 or "x" in value or not value[:4].isdigit():
                    continue
                parsed = parsed or parse(rec["text"], nlp=nlp)
                start, end = tx["spans"][0]
                sent = next(s for s in parsed.sentences if s.start <= start < s.end)
                got = [
                    t.value
                    for t, _ in find_timexes(sent.span, sent.offset, ref)
                    if t.start < end and start < t.end
                ]
                checked += 1
                right += bool(got and got[0] and got[0].isoformat() == value)
    assert checked >= 10
    assert right / checked >= 0.7
