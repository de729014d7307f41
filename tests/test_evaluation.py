"""`realpolitik eval` agrees with the project's reference scorer, rule for rule."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from realpolitik.evaluation import load_gold, prediction_triple, score


def _event(doc: str, s: str | None, t: str | None, code: str, polarity: str = "asserted") -> dict:
    return {
        "doc_id": doc,
        "source": {"country": s, "code": s or "IGOUNO"},
        "target": {"country": t, "code": t or "IGOUNO"} if t else None,
        "cameo": {"code": code},
        "polarity": polarity,
    }


def test_rules_by_hand(tmp_path: Path) -> None:
    gold = {
        "d1": {
            "id": "d1",
            "events": [
                {"source": "CHN", "target": "RUS", "cameo": ["04"], "symmetric": True},
                {"source": "USA", "target": "CHN", "cameo": ["11", "12"]},
            ],
            "optional": [{"source": "USA", "target": "IRN", "cameo": ["17"]}],
        }
    }
    preds = [
        _event("d1", "RUS", "CHN", "042"),  # symmetric: right in reverse
        _event("d1", "RUS", "CHN", "043"),  # same triple again: counted once
        _event("d1", "CHN", "USA", "112"),  # wrong direction, not symmetric: false
        _event("d1", "USA", "IRN", "172"),  # optional: correct, not counted in recall
        _event("d1", "USA", "CHN", "111", polarity="negated"),  # negated: left out
        _event("d1", "USA", None, "111"),  # no target country: left out
        _event("d1", "USA", "USA", "111"),  # same country: left out
        _event("other", "USA", "CHN", "111"),  # unknown doc: left out
    ]
    result = score(gold, preds)
    assert (result.tp_pred, result.n_pred) == (2, 3)
    assert (result.tp_gold, result.n_gold) == (1, 2)
    assert result.misses == [("d1", "USA", "CHN", "11/12")]
    assert result.false_positives == [("d1", "CHN", "USA", "11")]
    assert result.line() == "precision 0.667 (2/3)  recall 0.500 (1/2)  F1 0.571"
    assert prediction_triple(_event("x", "USA", "CHN", "1712")) == ("USA", "CHN", "17")


def test_agrees_with_reference_scorer_on_real_gold(shared_data: Path, tmp_path: Path) -> None:
    scorer = shared_data.parent / "tools" / "score_events.py"
    gold_path = shared_data / "gold" / "cameo_manual_examples.jsonl"
    gold = load_gold(gold_path)
    rng = random.Random(7)
    countries = ["USA", "CHN", "RUS", "HUN", "ROU", "ISR", "IRN", "FRA", None]
    preds = []
    # Predictions made to hit and miss: some gold events copied (maybe reversed), some random.
    for doc, record in gold.items():
        for g in record["events"]:
            if rng.random() < 0.6:
                s, t = (g["target"], g["source"]) if rng.random() < 0.3 else (g["source"], g["target"])
                preds.append(_event(doc, s, t, g["cameo"][0] + "1"))
        if rng.random() < 0.4:
            preds.append(
                _event(
                    doc,
                    rng.choice(countries),
                    rng.choice(countries),
                    f"{rng.randint(1, 20):02d}0",
                    polarity=rng.choice(["asserted", "asserted", "negated"]),
                )
            )
    pred_path = tmp_path / "preds.jsonl"
    pred_path.write_text("".join(json.dumps(p) + "\n" for p in preds))
    reference = subprocess.run(
        [sys.executable, str(scorer), str(gold_path), str(pred_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert score(gold, preds).line() == reference
