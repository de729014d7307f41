#!/usr/bin/env python3
"""Train (and measure) the CAMEO-root classifier of realpolitik.events.classifier.

Shipped model: multinomial logistic regression on all-MiniLM-L6-v2 embeddings of
  - the lead sentence of each of the 4,500 NGEC synthetic stories (PLOVER label -> CAMEO root,
    classifier.PLOVER_ROOT; MIT), and
  - the 346 CAMEO codebook examples (full code -> root).
The ConfliBERT pentaclass set (GPL-3.0) is used only for evaluation (its test split), and for an
internal comparison model that is never written. The CAMEO-manual gold is never trained on.

    python benchmarks/train_classifier.py                 # measure, print, no write
    python benchmarks/train_classifier.py --write         # also write src/.../data/root_classifier.npz
    python benchmarks/train_classifier.py --speed         # embedding throughput only
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / "realpolitik_minilm_cache.npz"
SEED = 13
DUP_COS = 0.8  # cosine above which two sentences are the same example reworded or re-punctuated


def lead_sentence(text: str) -> str:
    """First sentence of a story: the lede carries the event, and the gold is single sentences."""
    text = re.sub(r"\s+", " ", text).strip()
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", text, maxsplit=1)
    return parts[0][:600]


def load_train() -> tuple[list[str], list[str], list[str]]:
    """(texts, roots, origin) of the shippable training data."""
    from realpolitik.events.classifier import PLOVER_ROOT

    texts, roots, origin = [], [], []
    with (SHARED / "train" / "ngec_synthetic_events.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["label"] in PLOVER_ROOT and row["text"].strip():
                texts.append(lead_sentence(row["text"]))
                roots.append(PLOVER_ROOT[row["label"]])
                origin.append("ngec")
    for line in (SHARED / "cameo" / "cameo_examples.jsonl").open(encoding="utf-8"):
        rec = json.loads(line)
        if rec.get("example"):
            texts.append(rec["example"])
            roots.append(rec["code"][:2])
            origin.append("codebook")
    return texts, roots, origin


def load_conflibert() -> dict[str, tuple[list[str], list[int]]]:
    out: dict[str, tuple[list[str], list[int]]] = {"train": ([], []), "test": ([], [])}
    for line in (SHARED / "train" / "conflibert_cameo_pentaclass.jsonl").open(encoding="utf-8"):
        rec = json.loads(line)
        out[rec["split"]][0].append(rec["text"])
        out[rec["split"]][1].append(int(rec["label"]))
    return out


def load_gold() -> tuple[list[str], list[str]]:
    from realpolitik.events.classifier import PLOVER_ROOT

    texts, roots = [], []
    for line in (SHARED / "gold" / "cameo_manual_examples.jsonl").open(encoding="utf-8"):
        rec = json.loads(line)
        texts.append(rec["text"])
        roots.append(PLOVER_ROOT[rec["plover_event"]])
    return texts, roots


def embed_cached(texts: list[str]) -> np.ndarray:
    """Embeddings, cached by text hash in $TMPDIR so that re-runs cost seconds, not minutes."""
    from realpolitik.events.embed import SentenceEmbedder

    cache: dict[str, np.ndarray] = {}
    if CACHE.exists():
        with np.load(CACHE) as z:
            cache = dict(zip(z["keys"].tolist(), z["vecs"], strict=True))
    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cache}.items())
    if todo:
        t0 = time.time()
        vecs = SentenceEmbedder.load().encode([t for _, t in todo], batch_size=64)
        print(f"embedded {len(todo)} texts in {time.time() - t0:.0f}s", file=sys.stderr)
        cache.update(zip((k for k, _ in todo), vecs, strict=True))
        np.savez(CACHE, keys=np.array(list(cache)), vecs=np.stack(list(cache.values())))
    return np.stack([cache[k] for k in keys])


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising held-out NLL (grid search: one parameter, no optimiser needed)."""
    best, best_t = np.inf, 1.0
    for t in np.exp(np.linspace(np.log(0.2), np.log(5.0), 81)):
        z = logits / t
        z = z - z.max(1, keepdims=True)
        nll = -(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(1))).mean()
        if nll < best:
            best, best_t = nll, float(t)
    return best_t


def ece(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: mean |accuracy - confidence| over confidence bins."""
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            total += m.sum() * abs(correct[m].mean() - conf[m].mean())
    return total / len(conf)


def train(x: np.ndarray, roots: list[str], c: float):  # -> RootClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from realpolitik.events.classifier import RootClassifier

    # a root with fewer than 3 examples can be neither learned nor calibrated: leave it out
    counts = {r: roots.count(r) for r in set(roots)}
    keep = np.array([counts[r] >= 3 for r in roots])
    x, roots = x[keep], [r for r, k in zip(roots, keep, strict=True) if k]
    labels = sorted(set(roots))
    y = np.array([labels.index(r) for r in roots])
    # calibration: fit on 80%, choose the temperature on the other 20%, then refit on everything
    xa, xb, ya, yb = train_test_split(x, y, test_size=0.2, random_state=SEED, stratify=y)
    lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(xa, ya)
    temp = fit_temperature(lr.decision_function(xb), yb)
    lr = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y)
    return RootClassifier(lr.coef_, lr.intercept_, labels, temp)


def report(name: str, clf, gx: np.ndarray, groots: list[str], cx: np.ndarray, cy: list[int]) -> dict:
    from realpolitik.events.classifier import root_penta, root_quad

    preds = clf.predict_embeddings(gx)
    g_ok = np.array([p.root == r for p, r in zip(preds, groots, strict=True)])
    g_quad = np.mean([root_quad(p.root) == root_quad(r) for p, r in zip(preds, groots, strict=True)])
    conf = np.array([p.confidence for p in preds])
    cp = clf.predict_embeddings(cx)
    c_penta = np.mean([root_penta(p.root) == y for p, y in zip(cp, cy, strict=True)])
    c_quad = np.mean([max(root_penta(p.root), 1) == max(y, 1) for p, y in zip(cp, cy, strict=True)])
    row = {
        "model": name,
        "gold_root_acc": round(float(g_ok.mean()), 3),
        "gold_quad_acc": round(float(g_quad), 3),
        "gold_ece": round(ece(conf, g_ok), 3),
        "gold_acc_conf>=0.6": round(float(g_ok[conf >= 0.6].mean()), 3) if (conf >= 0.6).any() else None,
        "gold_cover_conf>=0.6": round(float((conf >= 0.6).mean()), 3),
        "conflibert_test_penta_acc": round(float(c_penta), 3),
        "conflibert_test_quad_acc(0->1)": round(float(c_quad), 3),
        "T": round(clf.temperature, 2),
    }
    print(json.dumps(row))
    return row


def run_coder(texts: list[str], ids: list[str]) -> tuple[list[list[dict]], list[list[str]]]:
    """Lexicon coder's events (as dicts) and the distinct countries mentioned, per text."""
    from realpolitik.actors import default_resolver
    from realpolitik.events import default_coder
    from realpolitik.models import Article
    from realpolitik.nlp import parse_many

    resolver, coder = default_resolver(), default_coder()
    events, countries = [], []
    for doc_id, text, parsed in zip(ids, texts, parse_many(texts), strict=True):
        mentions = resolver.resolve(parsed, None)
        events.append(
            [e.to_dict() for e in coder.code(parsed, mentions, Article(id=doc_id, text=text, date=None))]
        )
        seen: list[str] = []
        for m in sorted(mentions, key=lambda m: m.start):
            if m.actor.country and m.actor.country not in seen:
                seen.append(m.actor.country)
        countries.append(seen)
    return events, countries


def score(gold: Path, events: list[dict]) -> str:
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        for e in events:
            fh.write(json.dumps(e) + "\n")
    scorer = ROOT.parent / "shared" / "tools" / "score_events.py"
    out = subprocess.run(
        [sys.executable, str(scorer), str(gold), fh.name], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def _with_root(e: dict, root: str, conf: float) -> dict:
    e = dict(e, cameo={"code": root + "0", "root": root}, confidence=conf, coder="classifier")
    return e


def hybrid(clf) -> None:
    """Lexicon alone vs the combinations, on the CAMEO-manual gold and ConfliBERT's test split."""
    from realpolitik.events.classifier import root_penta

    gold = SHARED / "gold" / "cameo_manual_examples.jsonl"
    recs = [json.loads(line) for line in gold.open(encoding="utf-8")]
    texts, ids = [r["text"] for r in recs], [r["id"] for r in recs]
    preds = clf.predict_embeddings(embed_cached(texts))
    events, countries = run_coder(texts, ids)

    def variant(kind: str, theta: float) -> list[dict]:
        out: list[dict] = []
        for doc_id, evs, cs, p in zip(ids, events, countries, preds, strict=True):
            confident = p.confidence >= theta
            state = [e for e in evs if e["source"]["country"] and e["target"] and e["target"]["country"]]
            if kind == "fill" and not state and len(cs) >= 2 and confident:
                out.extend(evs)
                out.append(
                    {
                        "doc_id": doc_id,
                        "source": {"country": cs[0]},
                        "target": {"country": cs[1]},
                        "cameo": {"code": p.root + "0"},
                        "confidence": p.confidence,
                        "coder": "classifier",
                    }
                )
                continue
            for e in evs:
                root = e["cameo"]["code"][:2]
                if kind == "relabel" and confident and root != p.root:
                    e = _with_root(e, p.root, p.confidence)
                if (
                    kind == "veto"
                    and confident
                    and root_penta(root) != root_penta(p.root)
                    and e["confidence"] < 0.9
                ):
                    continue
                out.append(e)
        return out

    print(json.dumps({"variant": "lexicon alone", "gold": score(gold, [e for evs in events for e in evs])}))
    for kind in ("fill", "relabel", "veto"):
        for theta in (0.5, 0.7, 0.9):
            print(json.dumps({"variant": f"{kind} p>={theta}", "gold": score(gold, variant(kind, theta))}))
    # ConfliBERT test split (internal): quad-class accuracy of the first event, lexicon vs hybrid
    cb = load_conflibert()["test"]
    cev, _ = run_coder(cb[0], [f"cb{i}" for i in range(len(cb[0]))])
    cp = clf.predict_embeddings(embed_cached(cb[0]))
    lex_ok = [root_penta(e[0]["cameo"]["code"][:2]) == y for e, y in zip(cev, cb[1], strict=True) if e]
    hyb = [
        root_penta(e[0]["cameo"]["code"][:2] if e else p.root) == y
        for e, p, y in zip(cev, cp, cb[1], strict=True)
    ]
    print(
        json.dumps(
            {
                "conflibert_test": {
                    "lexicon_coverage": round(len(lex_ok) / len(cb[1]), 3),
                    "lexicon_penta_acc_when_fires": round(float(np.mean(lex_ok)), 3),
                    "lexicon_penta_acc_overall(no event=wrong)": round(sum(lex_ok) / len(cb[1]), 3),
                    "hybrid_penta_acc(lexicon else classifier)": round(float(np.mean(hyb)), 3),
                    "classifier_alone_penta_acc": round(
                        float(np.mean([root_penta(p.root) == y for p, y in zip(cp, cb[1], strict=True)])), 3
                    ),
                }
            }
        )
    )


def speed() -> None:
    """Sentences/s of each backend on 320 ConfliBERT test sentences (mean ~35 word pieces)."""
    from realpolitik.events.embed import OnnxSentenceEmbedder, SentenceEmbedder, model_dir

    texts = load_conflibert()["test"][0][:320]
    backends = [("numpy fp32", SentenceEmbedder.load())]
    try:
        backends += [
            (f"onnxruntime {k}", OnnxSentenceEmbedder(model_dir(), int8=k == "int8"))
            for k in ("fp32", "int8")
        ]
    except Exception as exc:  # noqa: BLE001 - onnxruntime is optional; report and measure numpy alone
        print(f"onnx backend unavailable: {exc}", file=sys.stderr)
    for name, emb in backends:
        emb.encode(texts[:16])
        t0 = time.time()
        emb.encode(texts, batch_size=64)
        dt = time.time() - t0
        load = os.getloadavg()[0]
        print(f"{name}: {len(texts) / dt:.1f} sentences/s ({os.cpu_count()} cpus, loadavg {load:.1f})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="write the shipped model")
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--hybrid", action="store_true", help="measure lexicon vs lexicon+classifier")
    ap.add_argument("-C", type=float, default=1.0)
    args = ap.parse_args(argv)
    if args.speed:
        speed()
        return 0
    texts, roots, origin = load_train()
    cb = load_conflibert()
    gtexts, groots = load_gold()
    x = embed_cached(texts)
    gx, cx, ctx = embed_cached(gtexts), embed_cached(cb["test"][0]), embed_cached(cb["train"][0])
    # 241 of the 322 CAMEO-manual gold sentences are (near-)copies of codebook examples (146 verbatim):
    # drop every training text within cosine 0.8 of a gold sentence, or the gold measures memory.
    near = (x @ gx.T).max(1) > DUP_COS
    print(
        json.dumps(
            {"dropped_near_gold": {o: int((near & (np.array(origin) == o)).sum()) for o in set(origin)}}
        )
    )
    keep = ~near
    x, roots, origin = (
        x[keep],
        [r for r, k in zip(roots, keep, strict=True) if k],
        [o for o, k in zip(origin, keep, strict=True) if k],
    )
    print(
        json.dumps(
            {
                "conflibert_test_near_gold": int(((cx @ gx.T).max(1) > DUP_COS).sum()),
                "conflibert_test_near_train": int(((cx @ x.T).max(1) > DUP_COS).sum()),
            }
        )
    )
    for c in (1.0, 4.0, 16.0):
        report(f"ngec+codebook C={c}", train(x, roots, c), gx, groots, cx, cb["test"][1])
    org = np.array(origin)
    report(
        "codebook only",
        train(
            x[org == "codebook"], [r for r, o in zip(roots, origin, strict=True) if o == "codebook"], args.C
        ),
        gx,
        groots,
        cx,
        cb["test"][1],
    )
    # internal comparison only (GPL data): a quad-class model trained on ConfliBERT's train split
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=args.C, max_iter=3000).fit(ctx, cb["train"][1])
    print(
        json.dumps(
            {
                "model": "INTERNAL conflibert-train penta LR",
                "conflibert_test_penta_acc": round(
                    float((lr.predict(cx) == np.array(cb["test"][1])).mean()), 3
                ),
            }
        )
    )
    clf = train(x, roots, args.C)
    if args.hybrid:
        hybrid(clf)
    if args.write:
        from realpolitik.events.classifier import WEIGHTS

        clf.save(WEIGHTS)
        print(f"wrote {WEIGHTS} ({WEIGHTS.stat().st_size} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
