"""Publication dates: parsing given dates, and finding a dateline in the text.

Only full dates (day, month, year) are accepted: a record dated "May 2019" or "2019" keeps its
raw value in metadata rather than pretending to be the 1st. Relative expressions ("yesterday")
are refused too, since they would be resolved against the day of ingestion, not of writing.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any

_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T ]\d)")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_MAX_RAW = 100

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs?)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)"
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # March 3, 2019 / Jan. 5, 2020
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"  # 3 May 2019
    r"|\d{4}-\d{2}-\d{2})"  # 2019-05-02
)
# A place before the date: "WASHINGTON, ", "NEW YORK, ", "Kyiv, Ukraine, ".
_PLACE = r"(?:[A-Z][\w.'’-]*(?:[ /][A-Z][\w.'’-]*)*(?:,\s+[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*)*)?,\s+)"
_DATELINES = (
    # "WASHINGTON, March 3, 2019 (Reuters) -", "Jan. 5, 2020 —", a date alone on its line
    re.compile(rf"^{_PLACE}?{_WEEKDAY}?(?P<date>{_DATE})\s*(?:\([^)]{{1,40}}\))?\s*(?:[-—–:|]|$)"),
    # "Published: 2019-05-02", "Updated on March 3, 2019 10:00 GMT", "Posted Tuesday, 3 May 2019"
    re.compile(
        rf"^(?i:published|updated|last\s+updated|posted|first\s+published|date)(?:\s+on)?\s*:?\s*"
        rf"{_WEEKDAY}?(?P<date>{_DATE})"
    ),
)
_DATELINE_LINES = 10  # the dateline sits near the top: look at the first non-empty lines only
_DATELINE_LINE_CHARS = 300
_DATELINE_SCAN_CHARS = 8000  # never split a whole (possibly huge) text to read its top


@lru_cache(maxsize=4096)
def _dateparser_parse(raw: str) -> date | None:
    import dateparser  # slow to import: only dates that are not ISO need it

    parsed = dateparser.parse(
        raw,
        languages=["en"],
        settings={
            "REQUIRE_PARTS": ["day", "month", "year"],
            "PREFER_DAY_OF_MONTH": "first",
            "RETURN_AS_TIMEZONE_AWARE": False,
            "DATE_ORDER": "MDY",
        },
    )
    return parsed.date() if parsed else None


def parse_date(raw: Any) -> date | None:
    """A given date (ISO, RFC 822, "March 3, 2019", ...) as a ``date``, or None.

    The date is the one written (the publisher's local day); time zones are not converted.
    """
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return None
    raw = raw.strip()
    if not raw or len(raw) > _MAX_RAW:
        return None
    m = _ISO.match(raw)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if not _YEAR.search(raw):  # no year: relative or partial ("yesterday", "March 3")
        return None
    try:
        return _dateparser_parse(raw)
    except (ValueError, OverflowError, TypeError):
        return None


def find_dateline(text: str) -> date | None:
    """The date of a dateline near the top of the text, or None."""
    seen = 0
    for line in text[:_DATELINE_SCAN_CHARS].splitlines():
        line = line.strip()
        if not line:
            continue
        seen += 1
        if seen > _DATELINE_LINES:
            break
        line = line[:_DATELINE_LINE_CHARS]
        for pattern in _DATELINES:
            m = pattern.match(line)
            if m:
                found = parse_date(m["date"])
                if found:
                    return found
    return None
