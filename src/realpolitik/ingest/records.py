"""JSON Lines and JSON records: ``{id, title, date, source, url, text, ...}`` -> Article.

The gold format of the shared data (``id, text, title?, date?, events, ...``) is the same shape;
every field that is not an Article field is kept in ``metadata`` (``events``, ``license``, ...).
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from typing import Any, BinaryIO

from realpolitik.errors import InputError
from realpolitik.ingest.articles import check_length, make_article
from realpolitik.ingest.dates import parse_date
from realpolitik.ingest.encoding import decode_bytes, looks_binary
from realpolitik.ingest.limits import IngestLimits, limit_hint
from realpolitik.ingest.streams import iter_lines, peek
from realpolitik.models import Article, InputProblem

ARTICLE_FIELDS = ("id", "title", "date", "source", "url", "text")
# A stream whose first lines all fail is not JSON Lines: one problem, not one per line.
_GIVE_UP_AFTER = 20
_HEAD = 8192
# Python refuses to convert integers of more than 4300 digits (CVE-2020-10735 guard) and raises a
# plain ValueError mid-decoding; longer digit strings are kept as written, as strings.
_MAX_INT_DIGITS = 4000


def _parse_int(digits: str) -> int | str:
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else digits


def _parse_float(literal: str) -> float | str:
    """Numbers too large for a float (1e999) stay as written: inf is not JSON and cannot be stored."""
    value = float(literal)
    return value if math.isfinite(value) else literal


def _parse_constant(name: str) -> str:
    """NaN and Infinity are not JSON (Python accepts them): kept as the words written."""
    return name


DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)


def _json_problem(exc: ValueError, *, line_numbers: bool) -> str:
    """The reason of a decoding failure, for "malformed JSON (...)"."""
    if isinstance(exc, json.JSONDecodeError):
        at = f"line {exc.lineno} column {exc.colno}" if line_numbers else f"column {exc.colno}"
        return f"{exc.msg} at {at}"
    return str(exc).split(";")[0]


def json_type(value: Any) -> str:
    """A decoded value's JSON type, as the user wrote it: "an array", not "a list"."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {dict: "an object", list: "an array", str: "a string"}.get(type(value), "null")


def record_to_article(
    obj: Any, origin: str, limits: IngestLimits, *, line: int | None, where: str, encoding: str | None = None
) -> Article:
    """One JSON object to an Article; raises InputError naming ``where`` ("item 3: ...")."""
    if not isinstance(obj, dict):
        raise InputError(origin, f"{where}expected a JSON object, got {json_type(obj)}", line)
    text = obj.get("text")
    if text is None:
        raise InputError(origin, f"{where}missing 'text'", line)
    if not isinstance(text, str):
        raise InputError(origin, f"{where}'text' is {json_type(text)}, not a string", line)
    if not text.strip():
        raise InputError(origin, f"{where}empty 'text'", line)
    check_length(text, origin, limits, line, where)
    metadata = {k: v for k, v in obj.items() if k not in ARTICLE_FIELDS}
    raw_date = obj.get("date")
    day = parse_date(raw_date)
    if raw_date not in (None, "") and day is None:
        metadata["raw_date"] = raw_date
    raw_id = obj.get("id")
    article_id = str(raw_id).strip() if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else ""
    if raw_id not in (None, "") and not article_id:
        metadata["raw_id"] = raw_id
    return make_article(
        text=text,
        origin=f"{origin}:{line}" if line is not None else origin,
        id=article_id or None,
        title=_string(obj.get("title")),
        date=day,
        date_source="given" if day else "none",
        publisher=_publisher(obj.get("source")),
        url=_string(obj.get("url")),
        encoding=encoding,
        metadata=metadata,
    )


def _string(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _publisher(source: Any) -> str | None:
    """``source`` is the publisher's name, or an object with a ``name`` (NewsAPI style)."""
    if isinstance(source, dict):
        source = source.get("name")
    return _string(source)


def read_jsonl(stream: BinaryIO, origin: str, limits: IngestLimits) -> Iterator[Article | InputProblem]:
    """Stream a JSON Lines file: each bad line is one problem and the rest are still read."""
    head, stream = peek(stream, _HEAD)
    if looks_binary(head):
        raise InputError(origin, "binary file (not JSON Lines text)")
    good = bad = 0
    seen = False
    for number, raw in iter_lines(stream, limits.max_line_bytes):
        if raw is None:
            yield InputProblem(
                origin,
                f"line longer than {limits.max_line_bytes:,} bytes (6 x max_article_chars + 1 MiB): "
                f"skipped; {limit_hint('max_article_chars')}",
                number,
            )
            continue
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        seen = True
        try:
            article = _line_article(raw, number, origin, limits)
        except InputError as exc:
            bad += 1
            yield InputProblem(exc.origin, exc.message, exc.line)
            if good == 0 and bad >= _GIVE_UP_AFTER:
                yield InputProblem(
                    origin, f"the first {bad} lines all failed: not JSON Lines, stopped", number
                )
                return
            continue
        good += 1
        yield article
    if not seen:
        raise InputError(origin, "empty file")


def _line_article(raw: bytes, number: int, origin: str, limits: IngestLimits) -> Article:
    try:
        line, encoding = raw.decode("utf-8"), None
    except UnicodeDecodeError:  # a line in a legacy encoding: decode it, note it in metadata
        line, encoding = decode_bytes(raw, origin, line=number)
    try:
        obj = DECODER.decode(line)
    except RecursionError:
        raise InputError(origin, "malformed JSON (nested too deeply)", number) from None
    except ValueError as exc:
        raise InputError(
            origin, f"malformed JSON ({_json_problem(exc, line_numbers=False)})", number
        ) from None
    return record_to_article(obj, origin, limits, line=number, where="", encoding=encoding)


def read_json(data: bytes, origin: str, limits: IngestLimits) -> Iterator[Article | InputProblem]:
    """A JSON document: an array of records (read item by item) or a single record."""
    text, encoding = decode_bytes(data, origin)
    decoder = DECODER
    pos = _skip_ws(text, 0)
    if not text.startswith("[", pos):
        try:
            obj, end = decoder.raw_decode(text, pos)
        except RecursionError:
            raise InputError(origin, "malformed JSON (nested too deeply)") from None
        except ValueError as exc:
            raise InputError(origin, f"malformed JSON ({_json_problem(exc, line_numbers=True)})") from None
        rest = _skip_ws(text, end)
        if rest != len(text):
            if text.startswith("{", rest):  # JSON Lines saved as .json: read it as such
                yield from read_jsonl(io.BytesIO(data), origin, limits)
                return
            raise InputError(origin, "malformed JSON (extra data after the first value)")
        del data
        yield record_to_article(obj, origin, limits, line=None, where="", encoding=encoding)
        return
    # An array: decode one item at a time, so a bad item is reported by its index and memory
    # holds the text plus one item, never the whole list of parsed objects.
    pos = _skip_ws(text, pos + 1)
    index = 0
    if text.startswith("]", pos):
        yield InputProblem(origin, "empty JSON array: no articles", kind="skipped")
        return
    while True:
        index += 1
        try:
            obj, pos = decoder.raw_decode(text, pos)
        except RecursionError:
            raise InputError(origin, f"item {index}: malformed JSON (nested too deeply)", index) from None
        except ValueError as exc:
            raise InputError(
                origin,
                f"item {index}: malformed JSON ({_json_problem(exc, line_numbers=True)}); "
                "the rest of the array cannot be read",
                index,
            ) from None
        try:
            yield record_to_article(
                obj, origin, limits, line=index, where=f"item {index}: ", encoding=encoding
            )
        except InputError as exc:
            yield InputProblem(exc.origin, exc.message, exc.line)
        pos = _skip_ws(text, pos)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1)
            continue
        if text.startswith("]", pos):
            return
        raise InputError(origin, f"item {index}: malformed JSON (expected ',' or ']' after the item)", index)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos
