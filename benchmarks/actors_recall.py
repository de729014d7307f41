#!/usr/bin/env python3
"""Actor detection against the ConfliBERT CAMEO actor spans, and the resolver's cost beside spaCy's.

    python benchmarks/actors_recall.py [--data ../shared/data/train/conflibert_cameo_actors.jsonl]

The file holds 1,604 tokenised sentences whose source (S), target (T) and reciprocal (R) actors are
BIO-tagged spans. Each sentence is detokenised (with character offsets per token), parsed with
realpolitik.nlp and resolved with realpolitik.actors.default_resolver() (no article date: office
holders get their most recent office). Then
  recall     = annotated spans that overlap at least one detected mention (by role S/T/R and overall);
  precision  = detected mentions that overlap at least one annotated span.
The annotation marks only the actors of the sentence's event, and many are not states or known
organisations ("a car bomb", "the rebels"): recall is bounded by what a knowledge base can name, and
precision counts a correctly found actor that plays no role in the annotated event as wrong.
Timing: knowledge-base load (data files -> KnowledgeBase, uncached) and resolver build; spaCy time
(parse of all sentences, nlp.pipe) and resolution time on the same parses, as a share of spaCy's.
Prints a Markdown section.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "train" / "conflibert_cameo_actors.jsonl"
TARGET_OVERHEAD = 0.20
# Mentions of sector nouns ("police"; country None unless "in <country>" follows), regions
# ("Europe"), peoples ("Kurds") and organisations known only by their name's head noun ("the
# Ceasefire Violations Committee"): reported apart, to show what they add and how precise they are.
COUNTRYLESS = frozenset({"sector", "region", "ethnic", "org_head"})

_NO_SPACE_BEFORE = frozenset(
    {",", ".", ":", ";", "!", "?", ")", "]", "}", "%", "'s", "'", "n't", "'re", "'ve"}
)
_NO_SPACE_AFTER = frozenset({"(", "[", "{", "$"})


def detokenise(tokens: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """Text and each token's character span: spaces between tokens except around punctuation."""
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    pos = 0
    prev = None
    for tok in tokens:
        if prev is not None and tok not in _NO_SPACE_BEFORE and prev not in _NO_SPACE_AFTER:
            parts.append(" ")
            pos += 1
        offsets.append((pos, pos + len(tok)))
        parts.append(tok)
        pos += len(tok)
        prev = tok
    return "".join(parts), offsets


def spans(tags: list[str], offsets: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """(role, start char, end char) of each BIO span; an I- without its B- starts a span too."""
    found: list[tuple[str, int, int]] = []
    current: list | None = None
    for tag, (a, b) in zip(tags, offsets, strict=True):
        if tag.startswith("B-") or (tag.startswith("I-") and (current is None or current[0] != tag[2:])):
            if current:
                found.append(tuple(current))
            current = [tag[2:], a, b]
        elif tag.startswith("I-") and current is not None:
            current[2] = b
        else:
            if current:
                found.append(tuple(current))
            current = None
    if current:
        found.append(tuple(current))
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("-v", "--verbose", action="store_true", help="list missed spans")
    args = ap.parse_args(argv)
    if not args.data.is_file():
        print(f"data not found: {args.data}", file=sys.stderr)
        return 2

    from realpolitik.actors.kb import KnowledgeBase
    from realpolitik.actors.resolver import ActorResolver
    from realpolitik.nlp import load_nlp, parse_many

    records = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]
    texts, gold = [], []
    for rec in records:
        text, offsets = detokenise(rec["tokens"])
        texts.append(text)
        gold.append(spans(rec["tags"], offsets))

    nlp = load_nlp()
    t0 = time.perf_counter()
    kb = KnowledgeBase()
    kb._load()  # uncached on purpose: the cost a process pays once
    kb_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    resolver = ActorResolver(kb)
    build_s = time.perf_counter() - t0

    list(parse_many(texts[:50], nlp))  # warm-up: first-call costs are not spaCy's steady state
    t0 = time.perf_counter()
    parsed = list(parse_many(texts, nlp))
    spacy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    mentions = [resolver.resolve(p, None) for p in parsed]
    resolve_s = time.perf_counter() - t0

    hit: Counter[str] = Counter()
    total: Counter[str] = Counter()
    n_mentions = good_mentions = 0
    n_stateful = 0  # spans found by a mention with a country (without the country-less kinds)
    n_countryless = good_countryless = 0
    vias: Counter[str] = Counter()
    for text, gspans, ms in zip(texts, gold, mentions, strict=True):
        for role, a, b in gspans:
            total[role] += 1
            if any(m.start < b and a < m.end for m in ms):
                hit[role] += 1
            elif args.verbose:
                print(f"miss {role}: {text[a:b]!r} in {text[:120]!r}", file=sys.stderr)
            if any(m.start < b and a < m.end and m.via not in COUNTRYLESS for m in ms):
                n_stateful += 1
        for m in ms:
            n_mentions += 1
            vias[m.via] += 1
            good = any(m.start < b and a < m.end for _, a, b in gspans)
            good_mentions += good
            if m.via in COUNTRYLESS:
                n_countryless += 1
                good_countryless += good

    n_gold, n_hit = sum(total.values()), sum(hit.values())
    recall = n_hit / n_gold if n_gold else 0.0
    precision = good_mentions / n_mentions if n_mentions else 0.0
    overhead = resolve_s / spacy_s if spacy_s else 0.0
    names = {"S": "source", "T": "target", "R": "reciprocal"}
    lines = [
        "## Actor detection (ConfliBERT CAMEO actor spans)",
        "",
        f"`python benchmarks/actors_recall.py` on `train/conflibert_cameo_actors.jsonl` ({len(records)} "
        "sentences, tokens rejoined into text). A span counts as found when a detected mention overlaps "
        "it; a mention counts as right when it overlaps an annotated span. The annotation marks only the "
        'actors of each sentence\'s event, many of them not nameable from a knowledge base ("a car bomb", '
        '"the rebels"), so recall is bounded below 1 and precision counts true actors outside the '
        "event as wrong.",
        "",
        "| measure | value |",
        "|---|---|",
        f"| recall, all annotated spans | {recall:.3f} ({n_hit}/{n_gold}) |",
    ]
    for role in ("S", "T", "R"):
        if total[role]:
            lines.append(
                f"| recall, {names[role]} spans | {hit[role] / total[role]:.3f} ({hit[role]}/{total[role]}) |"
            )
    lines += [
        f"| precision, detected mentions | {precision:.3f} ({good_mentions}/{n_mentions}) |",
        f"| recall without the sector/region/ethnic/org_head mentions | "
        f"{n_stateful / n_gold if n_gold else 0:.3f} ({n_stateful}/{n_gold}) |",
        "| precision of the sector/region/ethnic/org_head mentions | "
        f"{good_countryless / n_countryless if n_countryless else 0:.3f} "
        f"({good_countryless}/{n_countryless}) |",
        "| mentions by method | " + ", ".join(f"{v} {n}" for v, n in vias.most_common()) + " |",
        f"| knowledge base load (data files, uncached) | {kb_s * 1000:.0f} ms |",
        f"| resolver build (gazetteer, tables) | {build_s * 1000:.0f} ms |",
        f"| spaCy parse of the {len(texts)} sentences | {spacy_s:.2f} s |",
        f"| actor resolution on the same parses | {resolve_s:.2f} s |",
        f"| resolution / spaCy time | {100 * overhead:.1f}% (target < {100 * TARGET_OVERHEAD:.0f}%: "
        f"{'met' if overhead < TARGET_OVERHEAD else 'not met'}) |",
        "",
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
