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
