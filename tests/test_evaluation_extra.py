"""The eval report: root confusion table, JSON form, verbose lines."""

from __future__ import annotations

import json

from realpolitik.evaluation import NO_EVENT, confusion, confusion_text, report, score

GOLD = {
    "d1": {
        "id": "d1",
        "events": [
            {"source": "CHN", "target": "RUS", "cameo": ["04"], "symmetric": True},
            {"source": "USA", "target": "CHN", "cameo": ["11", "12"]},
            {"source": "FRA", "target": "DEU", "cameo": ["05"]},
        ],
        "optional": [{"source": "USA", "target": "IRN", "cameo": ["17"]}],
    },
    "d2": {"id": "d2", "events": [{"source": "ISR", "target": "IRN", "cameo": ["19"]}]},
}


def _event(doc: str, s: str, t: str, code: str, polarity: str = "asserted") -> dict:
    return {
        "doc_id": doc,
        "source": {"country": s},
        "target": {"country": t},
        "cameo": {"code": code},
        "polarity": polarity,
    }


PREDS = [
    _event("d1", "RUS", "CHN", "042"),  # symmetric pair, right root
    _event("d1", "RUS", "CHN", "036"),  # symmetric pair, wrong root: 04 -> 03
    _event("d1", "USA", "CHN", "120"),  # second acceptable root: 12 -> 12
    _event("d1", "CHN", "USA", "112"),  # reversed, not symmetric: not on a gold pair
    _event("d1", "USA", "IRN", "190"),  # optional pair, wrong root: 17 -> 19
    _event("d2", "ISR", "IRN", "173"),  # 19 -> 17
    _event("d2", "ISR", "IRN", "190", polarity="negated"),  # left out as by score()
]


def test_confusion_by_hand() -> None:
    table = confusion(GOLD, PREDS)
    assert table == {
        ("04", "04"): 1,
        ("04", "03"): 1,
        ("12", "12"): 1,
        ("17", "19"): 1,
        ("19", "17"): 1,
        ("05", NO_EVENT): 1,  # FRA-DEU: no prediction on the pair
    }
    text = confusion_text(table)
    assert text.splitlines()[1].split() == ["gold", "03", "04", "12", "17", "19", NO_EVENT, "right"]
    row04 = next(line for line in text.splitlines() if line.split()[0] == "04")
    assert row04.split() == ["04", "1", "1", ".", ".", ".", ".", "1/2"]


def test_report_text_and_json() -> None:
    result = score(GOLD, PREDS)
    assert report(result, GOLD, PREDS) == result.line()
    verbose = report(result, GOLD, PREDS, verbose=True).splitlines()
    assert verbose[-1] == result.line()
    assert "miss d1 FRA DEU 05" in verbose
    assert "false d1 CHN USA 11" in verbose
    assert any(line.startswith("confusion by CAMEO root") for line in verbose)
    data = json.loads(report(result, GOLD, PREDS, as_json=True, verbose=True))
    assert (data["tp_pred"], data["n_pred"], data["tp_gold"], data["n_gold"]) == (
        result.tp_pred,
        result.n_pred,
        result.tp_gold,
        result.n_gold,
    )
    assert data["precision"] == round(result.precision, 3) and data["f1"] == round(result.f1, 3)
    assert {"gold": "19", "predicted": "17", "count": 1} in data["confusion"]
    assert {"doc_id": "d1", "source": "FRA", "target": "DEU", "cameo": ["05"]} in data["misses"]
    assert {"doc_id": "d1", "source": "CHN", "target": "USA", "root": "11"} in data["false_events"]
    assert "misses" not in json.loads(report(result, GOLD, PREDS, as_json=True))


def test_empty_confusion() -> None:
    assert "no prediction" in confusion_text({})
