"""Actor recall on the shared gold data (skipped when ../shared is absent).

Measured when written (en_core_web_sm 3.8.0):

- ConfliBERT CAMEO actor spans (train/conflibert_cameo_actors.jsonl, 1,604 sentences, 3,047
  source/target/reciprocal spans): 83.4% of all gold spans overlap an explicit actor mention;
  91.3% of the 2,538 spans that contain a spaCy GPE/NORP/ORG entity (the state/organisation
  actors). Most misses are not codable as CAMEO actors (cities, companies, US domestic bodies).
- CAMEO manual examples (gold/cameo_manual_examples.jsonl): 98.0% of the countries of the gold
  country-to-country events are among the sentence's mention countries; the misses are gold codes
  that are not ISO3 (JAP, ITL, VTN), a typo ("Afganistan") and an old-style "Congo" (COG).

The floors below sit a little under these figures so that a regression fails the test.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from realpolitik.actors import default_resolver
from realpolitik.nlp import parse_many


def _spans(row: dict) -> tuple[str, list[tuple[int, int]]]:
    """The sentence text (tokens joined by spaces) and the character spans of its BIO actor tags."""
    text, offsets = "", []
    for tok in row["tokens"]:
        if text:
            text += " "
        offsets.append(len(text))
        text += tok
    spans, cur = [], None
    for k, tag in enumerate([*row["tags"], "O"]):
        if cur is not None and not (tag.startswith("I-") and tag[2:] == cur[2]):
            spans.append((offsets[cur[0]], offsets[cur[1] - 1] + len(row["tokens"][cur[1] - 1])))
            cur = None
        if tag.startswith("B-"):
            cur = [k, k + 1, tag[2:]]
        elif tag.startswith("I-") and cur is not None:
            cur[1] = k + 1
    return text, spans


def test_conflibert_actor_span_recall(shared_data: Path, nlp) -> None:  # noqa: ANN001
    rows = [json.loads(line) for line in (shared_data / "train" / "conflibert_cameo_actors.jsonl").open()]
    data = [_spans(r) for r in rows]
    resolver = default_resolver()
    total = hit = ner_total = ner_hit = 0
    for (_text, spans), parsed in zip(data, parse_many([t for t, _ in data], nlp=nlp), strict=True):
        mentions = [m for m in resolver.resolve(parsed) if m.via != "anaphora"]
        ents = [
            (s.offset + e.start_char, s.offset + e.end_char)
            for s in parsed.sentences
            for e in s.span.ents
            if e.label_ in ("GPE", "NORP", "ORG")
        ]
        for a, b in spans:
            found = any(m.start < b and m.end > a for m in mentions)
            total += 1
            hit += found
            if any(a <= ea and eb <= b for ea, eb in ents):
                ner_total += 1
                ner_hit += found
    assert total > 3000 and ner_total > 2400
    assert hit / total >= 0.81, hit / total
    assert ner_hit / ner_total >= 0.89, ner_hit / ner_total


def test_cameo_manual_gold_countries_found(shared_data: Path, nlp) -> None:  # noqa: ANN001
    rows = [json.loads(line) for line in (shared_data / "gold" / "cameo_manual_examples.jsonl").open()]
    rows = [r for r in rows if r["events"]]
    resolver = default_resolver()
    need = got = 0
    for row, parsed in zip(rows, parse_many([r["text"] for r in rows], nlp=nlp), strict=True):
        day = date.fromisoformat(row["date"]) if row.get("date") else None
        countries = {m.actor.country for m in resolver.resolve(parsed, day)}
        for event in row["events"]:
            for code in (event["source"], event["target"]):
                need += 1
                got += code in countries
    assert need > 300
    assert got / need >= 0.96, got / need


def test_seed_expected_event_countries_all_found(shared_data: Path, nlp) -> None:  # noqa: ANN001
    row = json.loads(
        (shared_data / "seed" / "expected_events.jsonl").read_text(encoding="utf-8").splitlines()[0]
    )
    parsed = next(parse_many([row["text"]], nlp=nlp))
    countries = {m.actor.country for m in default_resolver().resolve(parsed, date(2018, 11, 1))}
    for event in row["events"]:
        assert event["source"] in countries and event["target"] in countries, event


@pytest.mark.parametrize("n", [40])
def test_wikinews_sample_has_no_crash_and_sane_offsets(shared_data: Path, nlp, n: int) -> None:  # noqa: ANN001
    rows = [json.loads(line) for line in (shared_data / "corpus" / "wikinews_2019_2020.jsonl").open()][:n]
    resolver = default_resolver()
    for row, parsed in zip(rows, parse_many([r["text"] for r in rows], nlp=nlp), strict=True):
        day = date.fromisoformat(row["date"][:10]) if row.get("date") else None
        for m in resolver.resolve(parsed, day):
            assert parsed.text[m.start : m.end] == m.text
            assert 0 < m.confidence <= 1
            assert m.actor.code
