"""A local sentence-transformers model run by onnxruntime instead of torch.

Why: ingestion is almost all embedding. The model is exported to ONNX once, on this
machine, from the model folder's own weights (no model hub), and optionally quantized to
int8; onnxruntime then runs it with the folder's fast tokenizer, mean or CLS pooling and
L2 normalisation - what sentence-transformers does for these models.

The exported file is cached under a folder keyed by a hash of the model files, the
exporter's version and the variant, so a changed model is exported again and never
mixed up with an old export. Two processes exporting at once each write a temporary
file and rename it into place (atomic on one file system): the last rename wins and
both files are complete, so a reader never sees half a model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.errors import EmbeddingError

log = logging.getLogger(__name__)

# Bumped when the export recipe changes, so caches made by an older recipe are not reused.
RECIPE = "1"
VARIANTS = ("fp32", "int8")
# Files that decide the exported graph's numbers and the tokenizer's ids.
_KEY_FILES = (
    "config.json",
    "model.safetensors",
    "pytorch_model.bin",
    "tokenizer.json",
    "sentence_bert_config.json",
    "modules.json",
    "1_Pooling/config.json",
)
_HASH_BLOCK = 1 << 20


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "govmedia-academy" / "onnx"


def model_key(model_dir: Path, variant: str) -> str:
    """Hash of the model files plus everything else that changes the exported file."""
    import onnxruntime
    import torch

    digest = hashlib.sha256(f"{RECIPE}|{variant}|{torch.__version__}|{onnxruntime.__version__}".encode())
    for rel in _KEY_FILES:
        path = model_dir / rel
        if not path.is_file():
            continue
        digest.update(rel.encode() + b"\0")
        with open(path, "rb") as handle:
            while block := handle.read(_HASH_BLOCK):
                digest.update(block)
    return digest.hexdigest()[:24]


def read_pooling(model_dir: Path) -> str:
    """'mean' or 'cls' from the model's Pooling module; other poolings are not supported here."""
    modules_file = model_dir / "modules.json"
    if not modules_file.is_file():
        raise EmbeddingError(f"{model_dir} has no modules.json (not a sentence-transformers model)")
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k not in ("Transformer", "Pooling", "Normalize") for k in kinds):
        raise EmbeddingError(f"{model_dir}: modules {kinds} are not Transformer + Pooling (+ Normalize)")
    pooling_dir = model_dir / next(m.get("path", "") for m in modules if m.get("type", "").endswith("Pooling"))
    config = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
    modes = [key for key, on in config.items() if key.startswith("pooling_mode") and on is True]
    if modes == ["pooling_mode_mean_tokens"]:
        return "mean"
    if modes == ["pooling_mode_cls_token"]:
        return "cls"
    raise EmbeddingError(f"{model_dir}: pooling {modes} is not supported by the ONNX engine")


def export(model_dir: Path, target: Path, *, quantize: bool) -> None:
    """Export ``model_dir``'s transformer to ``target`` (a temporary name, then an atomic rename)."""
    import torch
    from transformers import AutoModel

    target.parent.mkdir(parents=True, exist_ok=True)
    # Eager attention traces to plain MatMul/Softmax ops that every onnxruntime build runs.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    model.eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    # Two rows of different lengths: the traced graph keeps the padding-mask path.
    input_ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    attention_mask = (input_ids != 0).long()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    fd, raw_name = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".onnx")
    os.close(fd)
    raw = Path(raw_name)
    final_tmp = raw
    try:
        import warnings

        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings about Python bools: the graph is checked in tests
            torch.onnx.export(
                LastHidden(model),
                (input_ids, attention_mask, torch.zeros_like(input_ids)),
                str(raw),
                dynamo=False,  # the TorchScript exporter needs only the 'onnx' package, not onnxscript
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]},
                opset_version=17,
            )
        if quantize:
            import onnx
            from onnxruntime.quantization import QuantType, quantize_dynamic

            fd, q_name = tempfile.mkstemp(dir=target.parent, prefix=".quant-", suffix=".onnx")
            os.close(fd)
            final_tmp = Path(q_name)
            # Per-channel, 7-bit weights: one scale per matrix lost too much (mean cosine to
            # the fp32 vectors 0.81-0.93 here, 0.99 per channel), and CPUs without VNNI add
            # u8 x s8 products in saturating 16-bit sums, which 7-bit weights keep clear of.
            quantize_dynamic(
                str(raw),
                str(final_tmp),
                weight_type=QuantType.QInt8,
                per_channel=True,
                reduce_range=True,
                op_types_to_quantize=["MatMul"],
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        os.replace(final_tmp, target)
    finally:
        for leftover in {raw, final_tmp}:
            leftover.unlink(missing_ok=True)


def cached_export(model_dir: Path, variant: str, cache_dir: Path | None = None) -> Path:
    """The exported model for ``model_dir``, exported now if this machine has none yet."""
    if variant not in VARIANTS:
        raise EmbeddingError(f"Unknown ONNX variant {variant!r} - use one of {', '.join(VARIANTS)}")
    folder = (cache_dir or default_cache_dir()) / model_key(model_dir, variant)
    target = folder / f"model-{variant}.onnx"
    if not target.is_file():
        log.info("Exporting %s to ONNX (%s) in %s - once per model and machine", model_dir, variant, folder)
        export(model_dir, target, quantize=variant == "int8")
    return target


def cpu_session(path: Path, threads: int | None, *, other_engine: str) -> Any:
    """An onnxruntime session for an exported model on the CPU, ``threads`` intra-op threads
    (OMP_NUM_THREADS when not given); ``other_engine`` is the engine the error suggests instead."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads is None and os.environ.get("OMP_NUM_THREADS", "").isdigit():
        threads = int(os.environ["OMP_NUM_THREADS"])
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # Spinning worker threads slow the other core's work (see OMP_WAIT_POLICY in embeddings.py).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise EmbeddingError(
            f"Cannot load the ONNX export {path}: {exc} - delete that folder to export again, "
            f"or set APP_EMBEDDING_ENGINE={other_engine}"
        ) from exc


class OnnxEmbedder:
    """A sentence-transformers model folder run by onnxruntime; same interface as the torch one."""

    def __init__(
        self,
        model_dir: Path,
        *,
        variant: str = "fp32",
        name: str | None = None,
        cache_dir: Path | None = None,
        threads: int | None = None,
        batch_size: int = 2,
    ) -> None:
        try:
            import onnxruntime  # noqa: F401  (only checked here: a clear message when it is missing)
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - installed by the setup script
            raise EmbeddingError(
                f"The ONNX engine needs the 'onnxruntime', 'onnx' and 'tokenizers' packages ({exc}) - "
                "run scripts/setup.sh, or set APP_EMBEDDING_ENGINE=torch"
            ) from exc
        model_dir = Path(model_dir)
        self.pooling = read_pooling(model_dir)
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.max_tokens = int(st_config.get("max_seq_length") or 256)
        self.variant = variant
        self.path = cached_export(model_dir, variant, cache_dir)

        # One tokenizer counts without truncation (chunking must see the true length), the
        # other truncates at the model limit like sentence-transformers does for long queries.
        self._counter = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._encoder = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._encoder.enable_truncation(self.max_tokens)
        pad_id = self._encoder.token_to_id("[PAD]")
        self._encoder.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")

        self._session = cpu_session(self.path, threads, other_engine="torch")
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dim = int(self._session.get_outputs()[0].shape[-1])
        # Small inner batches measured fastest on onnxruntime here (1-4 alike, 8 and up slower:
        # the activations of a large batch leave the cache), unlike torch's 32.
        self.batch_size = batch_size
        base = f"st:{name or model_dir.name}:{self.dim}"
        # fp32 gives sentence-transformers' vectors (cosine > 0.99999), so it shares their
        # fingerprint and index; int8 vectors differ enough that mixing them would skew scores
        # (and shift a little with the batch: dynamic quantization scales each batch's activations).
        self.fingerprint = base if variant == "fp32" else f"{base}:onnx-{variant}"
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=True).ids)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Longest first, in batches of similar length: little padding.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            out[rows] = self._embed_batch([texts[i] for i in rows])
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed_batch([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:  # the tokenizer's padding settings are shared state
            encodings = self._encoder.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
        try:
            hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        except Exception as exc:
            raise EmbeddingError(f"The ONNX engine failed on a batch of {len(texts)} texts: {exc}") from exc
        if self.pooling == "cls":
            vectors = hidden[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            vectors = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.asarray(vectors / np.clip(norms, 1e-12, None), dtype=np.float32)
