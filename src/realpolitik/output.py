"""Writing events: JSONL (the output contract), CSV (flattened) and a terminal table."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

FORMATS = ("jsonl", "csv", "table")

# Flattened CSV columns, in order. Nested fields of the JSONL contract become dotted names.
CSV_COLUMNS = [
    "event_id",
    "doc_id",
    "sentence_index",
    "span_start",
    "span_end",
    "date",
    "date_basis",
    "source.text",
    "source.code",
    "source.country",
    "source.sector",
    "source.name",
    "target.text",
    "target.code",
    "target.country",
    "target.sector",
    "target.name",
    "cameo.code",
    "cameo.root",
    "cameo.name",
    "cameo.goldstein",
    "cameo.quad_class",
    "plover.event",
    "plover.mode",
    "polarity",
    "modality",
    "attribution",
    "confidence",
    "trigger",
    "sentence",
]


def flatten(event: Mapping[str, Any]) -> dict[str, Any]:
    """One event dict (output contract) as a flat row of CSV_COLUMNS."""
    row: dict[str, Any] = {}
    for col in CSV_COLUMNS:
        if col in ("span_start", "span_end"):
            span = event.get("span") or [None, None]
            row[col] = span[0] if col == "span_start" else span[1]
        elif "." in col:
            outer, inner = col.split(".", 1)
            value = event.get(outer)
            row[col] = value.get(inner) if isinstance(value, Mapping) else None
        else:
            row[col] = event.get(col)
    return row


class EventWriter:
    """Streams events to a text stream in one of FORMATS; call close() at the end."""

    def __init__(self, stream: TextIO, fmt: str = "jsonl") -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.stream = stream
        self.fmt = fmt
        self.count = 0
        self._csv: csv.DictWriter[str] | None = None
        self._rows: list[dict[str, Any]] = []

    def write(self, event: Mapping[str, Any]) -> None:
        self.count += 1
        if self.fmt == "jsonl":
            self.stream.write(json.dumps(event, ensure_ascii=False) + "\n")
        elif self.fmt == "csv":
            if self._csv is None:
                self._csv = csv.DictWriter(self.stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
                self._csv.writeheader()
            self._csv.writerow(flatten(event))
        else:
            self._rows.append(dict(event))

    def write_all(self, events: Iterable[Mapping[str, Any]]) -> None:
        for e in events:
            self.write(e)

    def close(self) -> None:
        if self.fmt == "table":
            render_table(self._rows, self.stream)
        self.stream.flush()


def _actor_cell(actor: Mapping[str, Any] | None) -> str:
    if not actor:
        return "-"
    return f"{actor.get('code')} ({actor.get('text')})"


def render_table(events: list[dict[str, Any]], stream: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False, title=f"{len(events)} events")
    for name in ("doc", "date", "source", "CAMEO", "target", "mode", "sentence"):
        table.add_column(name, overflow="fold")
    for e in events:
        cameo = e.get("cameo") or {}
        flags = e.get("modality", "actual")
        if e.get("polarity") == "negated":
            flags = "NOT " + flags
        table.add_row(
            str(e.get("doc_id")),
            str(e.get("date") or ""),
            _actor_cell(e.get("source")),
            f"{cameo.get('code')} {cameo.get('name', '')}",
            _actor_cell(e.get("target")),
            flags,
            str(e.get("sentence", ""))[:160],
        )
    Console(file=stream, width=200 if not stream.isatty() else None).print(table)
