"""Time expressions in a sentence, resolved against the article's date.

News dates events relative to the day of publication ("on Saturday", "last month", "this weekend").
Those are resolved with the rules below (a weekday in a past-tense clause is the most recent such
day on or before the article date; in a future clause the next one). Explicit dates ("May 31, 2009",
"2013-07-11") go to dateparser with the article date as RELATIVE_BASE. A period (a month, a year) is
represented by its first day; ``granularity`` says which period it was.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from realpolitik.events.syntax import children_of

if TYPE_CHECKING:
    from spacy.tokens import Span, Token

Granularity = Literal["day", "week", "month", "year"]
Basis = Literal["explicit", "relative"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}
# Every expression ``resolve`` turns into a date holds one of these words (lower case), or a
# number of four digits, or digits and a slash: the words of its patterns below. A sentence with
# none of them has no time expression that can date an event, whatever spaCy's NER would tag in
# it (realpolitik.selection leaves NER out of such sentences when they name no unknown actor).
# Month names that are also common words ("may", "march", "sep") count only capitalised.
_CUE_WORDS = frozenset(
    WEEKDAYS
    + tuple(m for m in MONTHS if m not in ("may", "march"))
    + ("sept", "yesterday", "today", "tomorrow", "tonight", "now", "currently", "this", "last")
    + ("day", "week", "weeks", "month", "months", "year", "years", "weekend", "ago")
)
_CASED_CUES = frozenset(("may", "march", *(m[:3] for m in MONTHS)))
_NUMBER_CUE = re.compile(r"\d{4}|\d/|/\d")


def may_hold_date(words: list[str]) -> bool:
    """Can a sentence of these words hold a time expression that ``resolve`` dates?"""
    for w in words:
        lower = w.lower().rstrip(".")  # "Sept.", "Dec."
        if lower in _CUE_WORDS or _NUMBER_CUE.search(w):
            return True
        if w[:1].isupper() and lower in _CASED_CUES:
            return True
    return False


_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "several": 3,
    "few": 3,
    "couple": 2,
}
_LEAD = re.compile(
    r"^(?:on|in|at|during|since|by|from|until|through|over|the|of|around|about|early|late|"
    r"earlier|later|mid|mid-)\s+",
    re.I,
)
_PART_OF_DAY = re.compile(r"\s+(?:morning|afternoon|evening|night|nights)$", re.I)
_YEAR = re.compile(r"^(?:the\s+year\s+)?((?:1[6-9]|20)\d\d)$")
_AGO = re.compile(r"^(\w+)\s+(day|week|month|year)s?\s+ago$")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_RE = "|".join(MONTHS + tuple(_MONTH_ABBR))
_MONTH_DAY_YEAR = re.compile(
    rf"^(?:(?P<wd>{'|'.join(WEEKDAYS)}),?\s+)?(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?)?"
    rf"(?P<m>{_MONTH_RE})\.?(?:\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?)?(?:,?\s+(?P<y>(?:1[6-9]|20)\d\d))?$",
    re.I,
)
_SINGLE_WORDS = frozenset(WEEKDAYS + ("yesterday", "today", "tomorrow", "tonight"))
_LAST_MONTH_NAME = re.compile(rf"^(last|this|next|past|coming)\s+({_MONTH_RE})$")
_REL_PERIOD = re.compile(
    r"^(last|this|next|past|previous|coming|earlier this|later this)\s+(week|month|year)$"
)
_WEEKEND = re.compile(r"^(last|this|next|past|the|coming)?\s*weekend$")
_WEEKDAY = re.compile(rf"^(last|this|next|past|coming)?\s*({'|'.join(WEEKDAYS)})$")


@dataclass(frozen=True)
class Resolution:
    value: date
    granularity: Granularity
    basis: Basis


@dataclass(frozen=True)
class Timex:
    """A time expression of a sentence: where it is and what date it stands for."""

    text: str
    start: int  # character offsets in the document
    end: int
    token_start: int  # token offsets in the paragraph Doc
    token_end: int
    value: date | None
    granularity: Granularity | None
    basis: Basis | None


def _shift_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def _weekday_before(ref: date, weekday: int, strictly: bool = False) -> date:
    delta = (ref.weekday() - weekday) % 7
    if strictly and delta == 0:
        delta = 7
    return ref - timedelta(days=delta)


def _weekday_after(ref: date, weekday: int, strictly: bool = False) -> date:
    delta = (weekday - ref.weekday()) % 7
    if strictly and delta == 0:
        delta = 7
    return ref + timedelta(days=delta)


def _clean(text: str) -> str:
    t = " ".join(text.lower().replace("’", "'").split()).strip(" ,.;:")
    for _ in range(3):
        new = _LEAD.sub("", t)
        if new == t:
            break
        t = new
    return t


def resolve(text: str, ref: date | None, future: bool = False) -> Resolution | None:
    """Resolve one time expression against the reference (article) date.

    ``future`` says the clause is about the future (a weekday then means the next such day).
    Returns None when the expression is not a date (a duration, a time of day) or cannot be resolved.
    """
    t = _clean(text)
    if not t:
        return None
    # explicit dates first: they need no reference
    m = _ISO.search(t)
    if m:
        try:
            return Resolution(date(int(m[1]), int(m[2]), int(m[3])), "day", "explicit")
        except ValueError:
            return None
    m = _YEAR.match(t)
    if m:
        return Resolution(date(int(m[1]), 1, 1), "year", "explicit")
    m = _MONTH_DAY_YEAR.match(t)
    if m:
        month = _MONTH_ABBR.get(m["m"].lower()[:3]) if m["m"].lower() != "may" else 5
        if month is None:
            return None
        day_s = m["d1"] or m["d2"]
        year = int(m["y"]) if m["y"] else None
        if year is None:
            if ref is None:
                return None
            year = ref.year
            if day_s:
                candidate = date(year, month, min(int(day_s), 28))
                if not future and candidate > ref + timedelta(days=1):
                    year -= 1
                elif future and candidate < ref - timedelta(days=1):
                    year += 1
            elif not future and month > ref.month:
                year -= 1
            elif future and month < ref.month:
                year += 1
        try:
            if day_s:
                return Resolution(date(year, month, int(day_s)), "day", "explicit" if m["y"] else "relative")
            return Resolution(date(year, month, 1), "month", "explicit" if m["y"] else "relative")
        except ValueError:
            return None
    if ref is None:
        return None
    t = _PART_OF_DAY.sub("", t) if t not in ("last night",) else t
    if t in (
        "today",
        "tonight",
        "this",
        "now",
        "currently",
        "this morning",
        "this afternoon",
        "this evening",
        "earlier today",
        "later today",
        "same day",
        "day",
    ):
        return Resolution(ref, "day", "relative")
    if t in ("yesterday", "last night", "last"):
        return Resolution(ref - timedelta(days=1), "day", "relative")
    if t == "tomorrow":  # ("the following day" dates from the story's last event, not the article)
        return Resolution(ref + timedelta(days=1), "day", "relative")
    m = _WEEKDAY.match(t)
    if m:
        wd = WEEKDAYS.index(m[2])
        which = m[1]
        if which in ("next", "coming") or (future and which != "last"):
            return Resolution(_weekday_after(ref, wd, strictly=which == "next"), "day", "relative")
        return Resolution(_weekday_before(ref, wd, strictly=which == "last"), "day", "relative")
    m = _WEEKEND.match(t)
    if m:
        which = m[1]
        if which in ("next", "coming") or (future and which != "last"):
            return Resolution(_weekday_after(ref, 5, strictly=which == "next"), "day", "relative")
        sat = _weekday_before(ref, 5)  # the Saturday of the weekend on or before the reference
        if which == "last" and ref.weekday() in (5, 6):
            sat -= timedelta(days=7)
        return Resolution(sat, "day", "relative")
    m = _LAST_MONTH_NAME.match(t)
    if m:  # "last February": the most recent February before this month; "next May" the coming one
        which, month = m[1], MONTHS.index(m[2]) + 1 if m[2] in MONTHS else _MONTH_ABBR[m[2][:3]]
        if which in ("last", "past"):
            year = ref.year if month < ref.month else ref.year - 1
        elif which in ("next", "coming"):
            year = ref.year if month > ref.month else ref.year + 1
        else:
            year = ref.year
        return Resolution(date(year, month, 1), "month", "relative")
    m = _REL_PERIOD.match(t)
    if m:
        which, unit = m[1], m[2]
        step = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(which, 0)
        if unit == "week":
            monday = ref - timedelta(days=ref.weekday()) + timedelta(weeks=step)
            return Resolution(monday, "week", "relative")
        if unit == "month":
            return Resolution(_shift_months(ref, step), "month", "relative")
        return Resolution(date(ref.year + step, 1, 1), "year", "relative")
    m = _AGO.match(t)
    if m:
        n_s, unit = m[1], m[2]
        n = int(n_s) if n_s.isdigit() else _NUMBER_WORDS.get(n_s)
        if n is None:
            return None
        if unit == "day":
            return Resolution(ref - timedelta(days=n), "day", "relative")
        if unit == "week":
            return Resolution(ref - timedelta(weeks=n), "week", "relative")
        if unit == "month":
            return Resolution(_shift_months(ref, -n), "month", "relative")
        return Resolution(date(ref.year - n, 1, 1), "year", "relative")
    if re.search(r"\d", t) and re.search(rf"\b(?:{_MONTH_RE})\b|\d{{4}}|/", t):
        return _dateparser(text, ref)
    return None


def _dateparser(text: str, ref: date | None) -> Resolution | None:
    # dateparser takes milliseconds a call, and news repeats its dates ("May 31, 2009" in many
    # sentences of one story). Relative to a reference date its answer depends on the text and that
    # date only; without one it reads the clock, so that case is not cached.
    if ref is None:
        return _run_dateparser(text, ref)
    return _cached_dateparser(text, ref)


def _run_dateparser(text: str, ref: date | None) -> Resolution | None:
    try:
        import dateparser
    except ImportError:  # pragma: no cover - dateparser is a declared dependency
        return None
    settings = {"PREFER_DATES_FROM": "past", "RETURN_AS_TIMEZONE_AWARE": False}
    if ref is not None:
        settings["RELATIVE_BASE"] = datetime(ref.year, ref.month, ref.day)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = dateparser.parse(text, languages=["en"], settings=settings)
        except Exception:  # dateparser raises assorted errors on odd strings; treat them as no date
            return None
    if parsed is None:
        return None
    return Resolution(parsed.date(), "day", "explicit")


_cached_dateparser = lru_cache(maxsize=4096)(_run_dateparser)


def _is_future(anchor: Token | None) -> bool:
    if anchor is None:
        return False
    cur = anchor
    for _ in range(4):
        for c in children_of(cur):
            if c.dep_ == "aux" and c.lower_ in ("will", "'ll", "shall", "wo"):
                return True
        if cur.dep_ in ("xcomp", "conj") and cur.head.i != cur.i:
            cur = cur.head
            continue
        break
    return anchor.tag_ == "VB" and anchor.dep_ == "xcomp" and anchor.head.lemma_ == "go"


def anchor_of(span: Span) -> Token:
    """The word a time expression modifies: climb out of the expression through prepositions."""
    root = span.root
    cur = root
    for _ in range(6):
        head = cur.head
        if head.i == cur.i:
            return cur
        if head.i >= span.start and head.i < span.end:
            cur = head
            continue
        if head.dep_ == "prep" or head.pos_ == "ADP":
            cur = head
            continue
        return head
    return cur


def find_timexes(
    sent: Span, offset: int, ref: date | None, tokens: list[Token] | None = None
) -> list[tuple[Timex, Token]]:
    """Time expressions of a sentence (spaCy DATE entities and weekday/relative words it missed),
    each with its anchor word, resolved against ``ref``. ``tokens``: the sentence's tokens, when the
    caller has them already (iterating the span makes new Token objects)."""
    out: list[tuple[Timex, Token]] = []
    taken: set[int] = set()
    spans: list[Span] = [e for e in sent.ents if e.label_ in ("DATE", "TIME")]
    doc = sent.doc
    for tok in sent if tokens is None else tokens:  # weekdays and "yesterday" that the NER left out
        if tok.lower_ in _SINGLE_WORDS and not any(s.start <= tok.i < s.end for s in spans):
            spans.append(doc[tok.i : tok.i + 1])
    expanded: list[Span] = []
    for span in sorted(spans, key=lambda s: s.start):
        # "Friday, April 21, 2023 Monday": a dateline run into the first sentence is two expressions
        if len(span) > 1 and resolve(span.text, ref) is None:
            singles = [doc[t.i : t.i + 1] for t in span if t.lower_ in _SINGLE_WORDS]
            if singles:
                expanded.extend(singles)
                continue
        expanded.append(span)
    for span in expanded:
        if any(i in taken for i in range(span.start, span.end)):
            continue
        taken.update(range(span.start, span.end))
        anchor = anchor_of(span)
        res = resolve(span.text, ref, future=_is_future(anchor))
        timex = Timex(
            text=span.text,
            start=offset + span.start_char,
            end=offset + span.end_char,
            token_start=span.start,
            token_end=span.end,
            value=res.value if res else None,
            granularity=res.granularity if res else None,
            basis=res.basis if res else None,
        )
        out.append((timex, anchor))
    return out


def timex_for(trigger: Token, timexes: list[tuple[Timex, Token]]) -> Timex | None:
    """The resolved time expression that dates an event: one attached to its trigger or to a word above
    it in the same sentence (closest first); else the only one of the sentence if it hangs off the root."""
    usable = [(t, a) for t, a in timexes if t.value is not None]
    if not usable:
        return None
    chain: list[int] = []
    cur = trigger
    for _ in range(40):
        chain.append(cur.i)
        if cur.head.i == cur.i:
            break
        cur = cur.head
    best: tuple[int, Timex] | None = None
    for t, a in usable:
        if a.i in chain:
            rank = chain.index(a.i)
            if best is None or rank < best[0]:
                best = (rank, t)
    if best is not None:
        return best[1]
    if len(usable) == 1 and usable[0][1].head.i == usable[0][1].i:
        return usable[0][0]
    return None
