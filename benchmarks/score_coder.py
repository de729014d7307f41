#!/usr/bin/env python3
"""Score the event coder end to end on a gold JSONL (gold format of ../shared/data/README.md).

Each record's text is parsed (realpolitik.nlp), its actors resolved (realpolitik.actors), its events
coded (realpolitik.events); the events are written one JSON object a line (Event.to_dict()) and scored
with the shared scorer at the (source country, target country, CAMEO root) level.

    python benchmarks/score_coder.py ../shared/data/seed/expected_events.jsonl
    python benchmarks/score_coder.py ../shared/data/gold/cameo_manual_examples.jsonl -v --out /tmp/ev.jsonl
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT.parent / "shared" / "tools" / "score_events.py"


def code_gold(gold: Path, out: Path) -> int:
    from realpolitik.actors import default_resolver
    from realpolitik.events import default_coder
    from realpolitik.models import Article
    from realpolitik.nlp import parse_many

    records = [json.loads(line) for line in gold.open(encoding="utf-8") if line.strip()]
    resolver, coder = default_resolver(), default_coder()
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for rec, parsed in zip(records, parse_many(r["text"] for r in records), strict=True):
            day = date.fromisoformat(rec["date"][:10]) if rec.get("date") else None
            article = Article(id=str(rec["id"]), text=rec["text"], date=day)
            for event in coder.code(parsed, resolver.resolve(parsed, day), article):
                fh.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")
                n += 1
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gold", type=Path)
    ap.add_argument("--out", type=Path, help="where to write the coded events (default: a temp file)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list misses and false events")
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkstemp(suffix=".jsonl", prefix="events-")[1])
    n = code_gold(args.gold, out)
    print(f"{n} events -> {out}", file=sys.stderr)
    cmd = [sys.executable, str(SCORER), str(args.gold), str(out)] + (["-v"] if args.verbose else [])
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
