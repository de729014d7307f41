"""Learned CAMEO-root classifier over all-MiniLM-L6-v2 sentence embeddings.

A multinomial logistic regression maps a sentence's 384-d embedding (realpolitik.events.embed) to a
two-digit CAMEO root ("01".."20") with a calibrated probability (a temperature fitted on held-out
data, so that "p=0.8" means right about 80% of the time). It is a component next to the
dependency-pattern coder, not a replacement: it says *what kind* of event a sentence reports, never
who did it to whom. How it was trained, on what, and how well it does: ``data/README.md`` and
``benchmarks/train_classifier.py``.

>>> clf = RootClassifier.load()                        # doctest: +SKIP
>>> clf.predict(["Israeli jets bombed targets in Gaza."])[0].root   # doctest: +SKIP
'19'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from realpolitik.errors import ModelError

DATA = Path(__file__).resolve().parent / "data"
WEIGHTS = DATA / "root_classifier.npz"

#: PLOVER event type -> CAMEO root, as the gold conversion (../shared/data/README.md) reads them;
#: NGEC's REQUEST and ACCUSE are PLOVER 0.8's DEMAND and DISAPPROVE. ASSAULT also covers 20.
PLOVER_ROOT: dict[str, str] = {
    "AGREE": "03", "CONSULT": "04", "SUPPORT": "05", "COOPERATE": "06", "AID": "07",
    "CONCEDE": "08", "RETREAT": "08", "INVESTIGATE": "09", "DEMAND": "10", "REQUEST": "10",
    "DISAPPROVE": "11", "ACCUSE": "11", "REJECT": "12", "THREATEN": "13", "PROTEST": "14",
    "MOBILIZE": "15", "SANCTION": "16", "COERCE": "17", "ASSAULT": "18", "FIGHT": "19",
}  # fmt: skip


def root_quad(root: str) -> int:
    """CAMEO QuadClass of a root: 1 verbal coop (01-05), 2 material coop (06-08), 3 verbal conflict
    (09-13), 4 material conflict (14-20)."""
    r = int(root)
    return 1 if r <= 5 else 2 if r <= 8 else 3 if r <= 13 else 4


def root_penta(root: str) -> int:
    """ConfliBERT's five classes: 0 statement (01), then the four QuadClasses as 1-4."""
    return 0 if root == "01" else root_quad(root)


@dataclass(frozen=True, slots=True)
class RootPrediction:
    """Best CAMEO root for a sentence and its calibrated probability; ``probs`` over ``labels``."""

    root: str
    confidence: float
    probs: dict[str, float]


class RootClassifier:
    """Logistic regression over sentence embeddings; weights in a small .npz (W, b, labels, T)."""

    def __init__(
        self, coef: np.ndarray, intercept: np.ndarray, labels: Sequence[str], temperature: float = 1.0
    ) -> None:
        if coef.shape != (len(labels), coef.shape[1]) or intercept.shape != (len(labels),):
            raise ModelError(f"classifier shapes disagree: coef {coef.shape}, intercept {intercept.shape}")
        self.coef = coef.astype(np.float32)
        self.intercept = intercept.astype(np.float32)
        self.labels: list[str] = list(labels)
        self.temperature = float(temperature)
        self._embedder = None

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> RootClassifier:
        """The shipped model (cached per path)."""
        return _cached(str(path))

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            coef=self.coef,
            intercept=self.intercept,
            labels=np.array(self.labels),
            temperature=self.temperature,
        )

    def proba(self, embeddings: np.ndarray) -> np.ndarray:
        """Calibrated class probabilities (n, len(labels)) for unit-length embeddings."""
        z = (embeddings @ self.coef.T + self.intercept) / self.temperature
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(1, keepdims=True)

    def predict_embeddings(self, embeddings: np.ndarray) -> list[RootPrediction]:
        out = []
        for row in self.proba(embeddings):
            i = int(row.argmax())
            out.append(
                RootPrediction(
                    self.labels[i], float(row[i]), dict(zip(self.labels, map(float, row), strict=True))
                )
            )
        return out

    def predict(self, texts: Sequence[str]) -> list[RootPrediction]:
        """Embed (all-MiniLM-L6-v2, numpy) and classify; ModelError when the model package is missing."""
        from realpolitik.events.embed import SentenceEmbedder

        if self._embedder is None:
            self._embedder = SentenceEmbedder.load()
        return self.predict_embeddings(self._embedder.encode(texts))


@lru_cache(maxsize=4)
def _cached(path: str) -> RootClassifier:
    try:
        with np.load(path, allow_pickle=False) as z:
            return RootClassifier(
                z["coef"], z["intercept"], [str(s) for s in z["labels"]], float(z["temperature"])
            )
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"{path}: cannot load the root classifier ({exc})") from exc
