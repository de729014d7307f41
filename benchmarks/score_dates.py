#!/usr/bin/env python3
"""Measure time-expression resolution against TimeSET (../shared/data/gold/timeset_wikinews.jsonl).

For every annotated time expression whose value is a date ("2023-07-11", "2023-03-xx", "2015-xx-xx"),
the sentence holding it is parsed, realpolitik.events.dates finds and resolves its time expressions
against the article's date, and the one overlapping the annotation is compared at the annotation's
granularity (day, month or year). Durations and unparseable values are left out.

    python benchmarks/score_dates.py ../shared/data/gold/timeset_wikinews.jsonl [-v]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date
from pathlib import Path

VALUE = re.compile(r"^(\d{4})[-_](\d{2}|xx)[-_](\d{2}|xx)$")


def gold_value(value: str) -> tuple[int, int | None, int | None] | None:
    m = VALUE.match(value.strip())
    if not m:
        return None
    y, mo, d = m.groups()
    return int(y), None if mo == "xx" else int(mo), None if d == "xx" or mo == "xx" else int(d)


def main(argv: list[str] | None = None) -> int:
    from realpolitik.events.dates import find_timexes
    from realpolitik.nlp import parse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    total = right = found = 0
    for line in args.gold.open(encoding="utf-8"):
        rec = json.loads(line)
        if not rec.get("date"):
            continue
        ref = date.fromisoformat(rec["date"][:10])
        parsed = None
        for tx in rec.get("timexes", []):
            gv = gold_value(tx.get("value", ""))
            if gv is None:
                continue
            total += 1
            if parsed is None:
                parsed = parse(rec["text"])
            start, end = tx["spans"][0]
            sent = next((s for s in parsed.sentences if s.start <= start < s.end), None)
            mine = None
            if sent is not None:
                for timex, _anchor in find_timexes(sent.span, sent.offset, ref):
                    if timex.start < end and start < timex.end and timex.value is not None:
                        mine = timex
                        break
            ok = False
            if mine is not None:
                found += 1
                y, mo, d = gv
                v = mine.value
                ok = v.year == y and (mo is None or v.month == mo) and (d is None or v.day == d)
                right += ok
            if args.verbose and not ok:
                got = f"{mine.value} ({mine.granularity})" if mine else "-"
                print(f"{rec['id']}: {tx['text']!r} gold {tx['value']} got {got} (article {ref})")
    acc = right / total if total else 0.0
    print(f"time expressions {total}: resolved {found}, correct {right}, accuracy {acc:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
