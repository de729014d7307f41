"""Scoring coded events against gold, at the level (source country, target country, CAMEO root).

This follows the project's reference scorer (``shared/tools/score_events.py``) rule for rule, so
``realpolitik eval`` and the scorer agree (tests/test_evaluation.py checks that on real files):

- a prediction is correct when it matches a required or an optional gold event of its document
  (same root among the gold's acceptable roots; same direction, or either direction when the gold
  event is ``symmetric``);
- recall counts required gold events only;
- negated predictions, and those without two distinct country codes, are left out;
- predictions are a set per document: the same (source, target, root) counts once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from realpolitik.errors import InputError

_ISO3 = re.compile(r"^[A-Z]{3}$")

Triple = tuple[str, str, str]


def _root(cameo: Any) -> str:
    if isinstance(cameo, Mapping):
        cameo = cameo.get("code") or cameo.get("cameo") or ""
    return str(cameo)[:2]


def _country(actor: Any) -> str | None:
    if not actor:
        return None
    if isinstance(actor, str):
        return actor[:3] if _ISO3.match(actor[:3]) else None
    c = actor.get("country") or actor.get("iso3") or ""
    return c if _ISO3.match(str(c)) else None


def prediction_triple(event: Mapping[str, Any]) -> Triple | None:
    """The scored form of one event, or None when the scorer leaves it out."""
    if str(event.get("polarity", "")).lower() in ("negated", "negative", "false"):
        return None
    s, t = _country(event.get("source")), _country(event.get("target"))
    if not (s and t and s != t):
        return None
    return (s, t, _root(event.get("cameo") or event.get("event_code") or event.get("code")))


def _matches(p: Triple, g: Mapping[str, Any]) -> bool:
    s, t, r = p
    if r not in g["cameo"]:
        return False
    if (s, t) == (g["source"], g["target"]):
        return True
    return bool(g.get("symmetric")) and (t, s) == (g["source"], g["target"])


@dataclass
class Score:
    tp_pred: int = 0
    n_pred: int = 0
    tp_gold: int = 0
    n_gold: int = 0
    misses: list[tuple[str, str, str, str]] = field(default_factory=list)
    false_positives: list[tuple[str, str, str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp_pred / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        """The same summary line as the reference scorer prints."""
        return (
            f"precision {self.precision:.3f} ({self.tp_pred}/{self.n_pred})  "
            f"recall {self.recall:.3f} ({self.tp_gold}/{self.n_gold})  F1 {self.f1:.3f}"
        )


def load_gold(path: str | Path) -> dict[str, dict[str, Any]]:
    gold: dict[str, dict[str, Any]] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                gold[str(record["id"])] = record
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InputError(str(path), f"not a gold record: {exc}", line=n) from exc
    return gold


def score(gold: Mapping[str, Mapping[str, Any]], predictions: Iterable[Mapping[str, Any]]) -> Score:
    preds: dict[str, set[Triple]] = {k: set() for k in gold}
    for event in predictions:
        doc = str(event.get("doc_id") or event.get("id"))
        if doc not in preds:
            continue
        triple = prediction_triple(event)
        if triple:
            preds[doc].add(triple)
    result = Score()
    for doc, record in gold.items():
        required, optional = record["events"], record.get("optional", [])
        for g in required:
            result.n_gold += 1
            if any(_matches(p, g) for p in preds[doc]):
                result.tp_gold += 1
            else:
                result.misses.append((doc, g["source"], g["target"], "/".join(g["cameo"])))
        for p in sorted(preds[doc]):
            result.n_pred += 1
            if any(_matches(p, g) for g in list(required) + list(optional)):
                result.tp_pred += 1
            else:
                result.false_positives.append((doc, *p))
    return result


def read_events(path: str | Path) -> Iterable[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(str(path), f"malformed JSON: {exc.msg}", line=n) from exc


# ---------------------------------------------------------------------------------------- report
NO_EVENT = "--"
"""The predicted-root label of a required gold event whose actor pair no prediction has."""


def _scored_predictions(
    gold: Mapping[str, Mapping[str, Any]], predictions: Iterable[Mapping[str, Any]]
) -> dict[str, set[Triple]]:
    """Predictions as :func:`score` counts them: a set of triples per gold document."""
    preds: dict[str, set[Triple]] = {k: set() for k in gold}
    for event in predictions:
        doc = str(event.get("doc_id") or event.get("id"))
        if doc in preds:
            triple = prediction_triple(event)
            if triple:
                preds[doc].add(triple)
    return preds


def _same_pair(p: Triple, g: Mapping[str, Any]) -> bool:
    s, t, _ = p
    if (s, t) == (g["source"], g["target"]):
        return True
    return bool(g.get("symmetric")) and (t, s) == (g["source"], g["target"])


def confusion(
    gold: Mapping[str, Mapping[str, Any]], predictions: Iterable[Mapping[str, Any]]
) -> dict[tuple[str, str], int]:
    """Gold CAMEO root x predicted root, over predictions on a gold event's actor pair.

    Only the event type is judged here, not the actors: a scored prediction (as :func:`score` counts
    it) whose (source, target) is the pair of a gold event of its document, in the gold's direction
    or either way when the gold is symmetric, is tallied under (gold root, predicted root). The gold
    root is the predicted one when the gold accepts it (several roots can be right), else the gold's
    first root. Required gold events are tried before optional ones. A required gold event whose pair
    has no prediction at all is tallied under (its first root, ``NO_EVENT``): the miss is the actors'
    or the trigger's, not a confusion of types. Predictions on no gold pair are not in the table
    (they are the false events of :func:`score`).
    """
    table: dict[tuple[str, str], int] = {}
    for doc, triples in _scored_predictions(gold, predictions).items():
        record = gold[doc]
        required, optional = list(record["events"]), list(record.get("optional", []))
        for p in sorted(triples):
            on_pair = [g for g in required if _same_pair(p, g)] or [g for g in optional if _same_pair(p, g)]
            if not on_pair:
                continue
            accepting = next((g for g in on_pair if p[2] in g["cameo"]), None)
            key = (p[2], p[2]) if accepting is not None else (on_pair[0]["cameo"][0], p[2])
            table[key] = table.get(key, 0) + 1
        for g in required:
            if not any(_same_pair(p, g) for p in triples):
                key = (g["cameo"][0], NO_EVENT)
                table[key] = table.get(key, 0) + 1
    return table


def confusion_rows(table: Mapping[tuple[str, str], int]) -> list[dict[str, Any]]:
    """The table as rows ``{"gold", "predicted", "count"}``, sorted by gold root then predicted root."""
    return [{"gold": g, "predicted": p, "count": n} for (g, p), n in sorted(table.items())]


def confusion_text(table: Mapping[tuple[str, str], int]) -> str:
    """A plain-text matrix: one row a gold root, one column a predicted root (``--``: no event)."""
    if not table:
        return "confusion by CAMEO root: no prediction on a gold actor pair"
    rows = sorted({g for g, _ in table})
    cols = sorted({p for _, p in table if p != NO_EVENT})
    if any(p == NO_EVENT for _, p in table):
        cols.append(NO_EVENT)
    width = max(3, *(len(str(n)) for n in table.values()))
    lines = ["confusion by CAMEO root (rows gold, columns predicted, on the gold event's actor pair):"]
    lines.append("gold " + " ".join(c.rjust(width) for c in cols) + "  right")
    for g in rows:
        cells = [table.get((g, c), 0) for c in cols]
        right = table.get((g, g), 0)
        total = sum(cells)
        lines.append(
            f"{g:>4} " + " ".join((str(n) if n else ".").rjust(width) for n in cells) + f"  {right}/{total}"
        )
    return "\n".join(lines)


def report(
    result: Score,
    gold: Mapping[str, Mapping[str, Any]],
    predictions: Iterable[Mapping[str, Any]],
    as_json: bool = False,
    verbose: bool = False,
) -> str:
    """What ``realpolitik eval`` prints.

    Text: the reference scorer's summary line alone, or with ``verbose`` its ``miss``/``false`` lines,
    then the root confusion table, then the summary line last (as the scorer's ``-v`` puts it).
    JSON: one object with the figures, the confusion rows, and with ``verbose`` the misses and false
    events.
    """
    table = confusion(gold, predictions)
    if as_json:
        data: dict[str, Any] = {
            "precision": round(result.precision, 3),
            "recall": round(result.recall, 3),
            "f1": round(result.f1, 3),
            "tp_pred": result.tp_pred,
            "n_pred": result.n_pred,
            "tp_gold": result.tp_gold,
            "n_gold": result.n_gold,
            "confusion": confusion_rows(table),
        }
        if verbose:
            data["misses"] = [
                {"doc_id": d, "source": s, "target": t, "cameo": c.split("/")} for d, s, t, c in result.misses
            ]
            data["false_events"] = [
                {"doc_id": d, "source": s, "target": t, "root": r} for d, s, t, r in result.false_positives
            ]
        return json.dumps(data, ensure_ascii=False)
    if not verbose:
        return result.line()
    lines = ["miss " + " ".join(m) for m in result.misses]
    lines += ["false " + " ".join(f) for f in result.false_positives]
    lines += ["", confusion_text(table), "", result.line()]
    return "\n".join(lines)
