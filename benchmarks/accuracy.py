#!/usr/bin/env python3
"""Accuracy of the event coder on the shared gold data, written to benchmarks/accuracy.md.

    python benchmarks/accuracy.py [--shared ../shared/data] [--out benchmarks/accuracy.md]

Figures (targets in brackets):
  seed article       P/R/F1 at (source country, target country, CAMEO root)  [R >= 0.94, P >= 0.85]
  CAMEO manual gold  P/R/F1, same level                                      [F1 >= 0.75]
  codebook examples  share of the 346 CAMEO codebook sentences whose main event has the example's
                     root [>= 80%]. "Main event" is defined two ways and both are reported:
                     *top*  the sentence's highest-confidence event (ties: the first in text order)
                            has the example's root; a sentence with no event counts as wrong;
                     *any*  some event of the sentence has the example's root.
                     Actors do not matter here (many examples have no state on one side).
  TimeSET dates      accuracy of benchmarks/score_dates.py on gold/timeset_wikinews.jsonl
  per-root summary   the manual gold's root confusion (realpolitik.evaluation.confusion) and the
                     codebook's per-root right/total with the most frequent wrong root.
  codebook misses    the codebook sentences without any event, by cause, from the coder's own
                     account (EventCoder.explain on the whole sentence): no actor mention, actors but
                     no coded word, a coded word without a source actor, or dropped by the rules.

The gold files are coded as `realpolitik eval GOLD.jsonl` codes them: Pipeline().extract([path]);
the codebook file (no id/text fields) is coded with Pipeline().analyse, one Article a sentence.
Scores use realpolitik.evaluation.score, which agrees with ../shared/tools/score_events.py.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
PLACEHOLDER = re.compile(r"^CAMEO\s+\d+\.?$")
TARGETS = {"seed_recall": 0.94, "seed_precision": 0.85, "manual_f1": 0.75, "codebook": 0.80}


def code_gold(pipeline: Any, path: Path) -> list[dict[str, Any]]:
    """Events of a gold JSONL as `realpolitik eval` codes them (one Article a record)."""
    return [e.to_dict() for analysed in pipeline.extract([str(path)]) for e in analysed.events]


def score_gold(pipeline: Any, path: Path) -> dict[str, Any]:
    from realpolitik.evaluation import confusion, load_gold, score

    gold = load_gold(path)
    t0 = time.perf_counter()
    preds = code_gold(pipeline, path)
    seconds = time.perf_counter() - t0
    result = score(gold, preds)
    return {"score": result, "confusion": confusion(gold, preds), "seconds": seconds, "docs": len(gold)}


def codebook(pipeline: Any, path: Path) -> dict[str, Any]:
    """Per example: its root, the root of the main (top) event, and the set of all event roots."""
    from realpolitik.models import Article

    rows = []
    t0 = time.perf_counter()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        text = rec["example"]
        article = Article(id=f"codebook-{n}", text=text, origin=f"{path}:{n}")
        events = pipeline.analyse(article).events
        top = max(events, key=lambda e: e.confidence) if events else None  # max keeps the first of ties
        rows.append(
            {
                "code": rec["code"],
                "root": rec["code"][:2],
                "top": top.cameo.root if top else None,
                "roots": sorted({e.cameo.root for e in events}),
                # Some "examples" only point to another code ("CAMEO 0342"): no sentence to code.
                "placeholder": bool(PLACEHOLDER.match(text.strip())),
                "miss": None if events else text,  # the cause is filled in below, outside the timing
            }
        )
    seconds = time.perf_counter() - t0
    for row in rows:
        if row["miss"] is not None:
            row["miss"] = miss_cause(pipeline, row["miss"])
    return {"rows": rows, "seconds": seconds}


MISS_CAUSES = {
    "actor": "no actor mention in the sentence",
    "trigger": "actors, but no lexicon word with a code",
    "source": "a coded word, but no actor as its source (unresolved subject, agentless passive, bad parse)",
    "other": "a coded word with a source, dropped by the coder's rules (no target for an event noun, "
    "source = target, ...)",
}


def miss_cause(pipeline: Any, text: str) -> str:
    """Why a sentence gave no event, from the coder's own account (EventCoder.explain). The whole
    text is parsed and resolved here: the pipeline's sentence selection skips sentences without a
    coded word, which would otherwise all look like sentences without actors."""
    from realpolitik.nlp import parse

    parsed = parse(text, nlp=pipeline.nlp)
    mentions = pipeline.resolver.resolve(parsed, None)
    if not mentions:
        return "actor"
    infos = []
    for sent in parsed.sentences:
        ms = [m for m in mentions if m.sentence_index == sent.index]
        if ms:
            infos += pipeline.coder.explain(sent, ms)
    coded = [i for i in infos if i.code is not None and i.live]
    if not coded:
        return "trigger"
    if not any(i.sources for i in coded):
        return "source"
    return "other"


def timeset(shared: Path) -> str:
    """The one summary line of benchmarks/score_dates.py."""
    gold = shared / "gold" / "timeset_wikinews.jsonl"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "score_dates.py"), str(gold)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    return (
        lines[-1] if run.returncode == 0 and lines else f"score_dates.py failed: {run.stderr.strip()[-300:]}"
    )


def _ok(value: float, target: float) -> str:
    return "yes" if value >= target else "**no**"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def confusion_md(table: Mapping[tuple[str, str], int]) -> list[str]:
    """Per gold root: right/total on its actor pairs, and where the rest went."""
    from realpolitik.evaluation import NO_EVENT

    by_gold: dict[str, Counter[str]] = defaultdict(Counter)
    for (g, p), n in table.items():
        by_gold[g][p] += n
    lines = [
        "| gold root | tallied | right root | other roots predicted | no event on the pair |",
        "|---|---:|---:|---|---:|",
    ]
    for g in sorted(by_gold):
        c = by_gold[g]
        total = sum(c.values())
        wrong = ", ".join(f"{p} ({n})" for p, n in c.most_common() if p not in (g, NO_EVENT))
        lines.append(f"| {g} | {total} | {c[g]} | {wrong or '-'} | {c[NO_EVENT]} |")
    return lines


def codebook_md(rows: list[dict[str, Any]]) -> list[str]:
    by_root: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_root[r["root"]].append(r)
    lines = [
        "| root | examples | top right | any right | no event | most frequent wrong top root |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for root in sorted(by_root):
        rs = by_root[root]
        top = sum(r["top"] == root for r in rs)
        anyr = sum(root in r["roots"] for r in rs)
        none = sum(r["top"] is None for r in rs)
        wrong = Counter(r["top"] for r in rs if r["top"] not in (None, root)).most_common(1)
        lines.append(
            f"| {root} | {len(rs)} | {top} | {anyr} | {none} | "
            + (f"{wrong[0][0]} ({wrong[0][1]})" if wrong else "-")
            + " |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared data directory")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "accuracy.md")
    args = ap.parse_args(argv)
    shared: Path = args.shared
    if not (shared / "gold").is_dir():
        print(f"shared data not found at {shared}", file=sys.stderr)
        return 2

    from realpolitik import __version__
    from realpolitik.pipeline import Pipeline

    t0 = time.perf_counter()
    pipeline = Pipeline()
    load_s = time.perf_counter() - t0
    seed = score_gold(pipeline, shared / "seed" / "expected_events.jsonl")
    manual = score_gold(pipeline, shared / "gold" / "cameo_manual_examples.jsonl")
    book = codebook(pipeline, shared / "cameo" / "cameo_examples.jsonl")
    dates = timeset(shared)

    s, m, rows = seed["score"], manual["score"], book["rows"]
    n = len(rows)
    top = sum(r["top"] == r["root"] for r in rows) / n
    anyr = sum(r["root"] in r["roots"] for r in rows) / n
    with_event = sum(r["top"] is not None for r in rows) / n
    coded = [r for r in rows if r["top"] is not None]
    top_coded = sum(r["top"] == r["root"] for r in coded) / len(coded) if coded else 0.0
    real = [r for r in rows if not r["placeholder"]]
    top_real = sum(r["top"] == r["root"] for r in real) / len(real) if real else 0.0

    md = [
        "# Event coding accuracy",
        "",
        f"Generated by `python benchmarks/accuracy.py` (`make bench-accuracy`), realpolitik {__version__}, "
        "on the shared gold data (`../shared/data`, not in the repository). Scores are at the level "
        "(source country, target country, CAMEO root), computed by `realpolitik.evaluation.score`, which "
        "agrees with `shared/tools/score_events.py` to three decimals (tests/test_evaluation.py). "
        "Gold files are coded as `realpolitik eval GOLD.jsonl` codes them. No gold sentence is in the "
        "package (tests/test_no_tuning.py).",
        "",
        "## Summary",
        "",
        "| measure | value | target | met |",
        "|---|---|---|---|",
        f"| seed article recall | {s.recall:.3f} ({s.tp_gold}/{s.n_gold}) | >= 0.94 | "
        f"{_ok(s.recall, TARGETS['seed_recall'])} |",
        f"| seed article precision | {s.precision:.3f} ({s.tp_pred}/{s.n_pred}) | >= 0.85 | "
        f"{_ok(s.precision, TARGETS['seed_precision'])} |",
        f"| seed article F1 | {s.f1:.3f} | | |",
        f"| CAMEO manual examples precision | {m.precision:.3f} ({m.tp_pred}/{m.n_pred}) | | |",
        f"| CAMEO manual examples recall | {m.recall:.3f} ({m.tp_gold}/{m.n_gold}) | | |",
        f"| CAMEO manual examples F1 | {m.f1:.3f} | >= 0.75 | {_ok(m.f1, TARGETS['manual_f1'])} |",
        f"| codebook examples, main (top) event root right | {_pct(top)} ({round(top * n)}/{n}) | >= 80% | "
        f"{_ok(top, TARGETS['codebook'])} |",
        f"| codebook examples, some event with the root | {_pct(anyr)} ({round(anyr * n)}/{n}) | | |",
        f"| codebook examples with at least one event | {_pct(with_event)} | | |",
        f"| codebook, main event root right, of the sentences with an event | {_pct(top_coded)} "
        f"({round(top_coded * len(coded))}/{len(coded)}) | | |",
        f"| codebook, main event root right, without the {n - len(real)} cross-reference placeholders "
        f'("CAMEO 0342") | {_pct(top_real)} ({round(top_real * len(real))}/{len(real)}) | | |',
        f"| TimeSET time expressions | {dates} | | |",
        "",
        "Definitions. *Seed article*: `seed/expected_events.jsonl` (17 required events; optional ones count "
        "as right but not in recall). *CAMEO manual examples*: `gold/cameo_manual_examples.jsonl`, 322 "
        "sentences of the CAMEO manual coded by the PLOVER team; only each example's own event is listed, "
        "so precision there is a lower bound. *Codebook examples*: the 346 example sentences of "
        "`cameo/cameo_examples.jsonl`, each with its full CAMEO code; the *main event* is the sentence's "
        "highest-confidence event (ties: first in text order), and a sentence without events counts as "
        "wrong; *some event* accepts any event of the sentence with the example's root. Actors are not "
        "judged on the codebook. *TimeSET*: `benchmarks/score_dates.py` on `gold/timeset_wikinews.jsonl` "
        "(dates resolved right at the annotation's granularity).",
        "",
        "## Per-root confusion, CAMEO manual examples",
        "",
        "Predictions on a gold event's actor pair (either direction when the gold is symmetric), by gold "
        "root: how many had the right root, which other roots were predicted, and how many required gold "
        "events had no prediction on their pair at all (those misses are the actors' or the trigger's, not "
        "a confusion of types); *tallied* counts both. `realpolitik eval GOLD -v` prints the full matrix.",
        "",
        *confusion_md(manual["confusion"]),
        "",
        "## Per-root results, codebook examples",
        "",
        *codebook_md(rows),
        "",
        "Codebook sentences without any event, by cause (placeholders left out):",
        "",
        "| cause | sentences |",
        "|---|---:|",
        *[
            f"| {text} | {sum(r['miss'] == key and not r['placeholder'] for r in rows)} |"
            for key, text in MISS_CAUSES.items()
        ],
        "",
        "## Run",
        "",
        f"Models loaded in {load_s:.1f} s; seed coded in {seed['seconds']:.1f} s, manual examples "
        f"({manual['docs']} sentences) in {manual['seconds']:.1f} s, codebook ({n} sentences) in "
        f"{book['seconds']:.1f} s.",
        "",
    ]
    args.out.write_text("\n".join(md), encoding="utf-8")
    print("\n".join(md[md.index("## Summary") : md.index("## Per-root confusion, CAMEO manual examples")]))
    print(f"-> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
