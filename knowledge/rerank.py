"""Optional rerankers: score (question, passage) pairs with a cross-encoder, locally or over HTTP.

The default deployment has none (``make_reranker`` returns None). A district that has a
reranker sets one of:

``APP_RERANKER_MODEL=/srv/models/bge-reranker-v2-m3``
    a sentence-transformers ``CrossEncoder`` folder copied to this machine, loaded by path
    with the model hub switched off (``HF_HUB_OFFLINE=1``, ``local_files_only``). The folder's
    config.json must name a ``...ForSequenceClassification`` architecture with one output
    label (bge-reranker-v2-m3, bge-reranker-base, bce-reranker-base_v1,
    jina-reranker-v2-base-multilingual). A folder whose config.json names its own code
    (``auto_map``, as jina-reranker-v2 does) runs that code from the folder: copy only
    folders you trust.

    Score: sigmoid(logit) in (0, 1), whatever activation the folder's config names, so the
    scale is the same for every query and every model (0.5 = logit 0; bge's "normalized"
    score). Higher = the model finds the passage more relevant to the question.

``APP_RERANKER_URL=http://host:port`` (with ``APP_RERANKER_API``, ``APP_RERANKER_NAME``,
``APP_RERANKER_API_KEY``, ``APP_RERANKER_TIMEOUT_S``)
    a rerank server. Two request shapes:

    ``tei`` (Hugging Face text-embeddings-inference)::

        POST {base}/rerank   {"query": q, "texts": [t0, t1, ...], "truncate": true}
        -> [{"index": i, "score": s}, ...]

    ``cohere`` (the Cohere/Jina shape that Xinference, vLLM and Jina serve)::

        POST {base}/v1/rerank   {"model": m, "query": q, "documents": [t0, ...], "top_n": n}
        -> {"results": [{"index": i, "relevance_score": s, "document": ...}, ...], ...}

    ``"model"`` is sent only when APP_RERANKER_NAME is set; a ``document`` (or anything else)
    inside a result is ignored. A URL that already ends in ``/rerank`` (or ``/v1/rerank``) is
    used as it is; with ``cohere`` a URL ending in ``/v1`` gets ``/rerank`` appended.

    ``auto`` (the default) chooses by the URL's ending: ``.../v1`` or ``.../v1/rerank`` ->
    cohere; ``.../rerank`` -> the TEI body first, then the cohere body to the same URL if the
    server rejects it (HTTP 400/422: vLLM also serves a cohere-shaped ``/rerank``); a bare
    base URL -> ``{base}/v1/rerank`` with the cohere body, then ``{base}/rerank`` with the TEI
    body if the first is not found (HTTP 404/405). What works is remembered. Whatever was
    sent, the answer is read by its own shape: a list is TEI's, ``{"results": [...]}`` is
    cohere's, and ``score`` or ``relevance_score`` is accepted in either.

    Results may come back sorted by score: they are put back in passage order by ``index``.
    A passage the server left out (a server that caps ``top_n``) gets the lowest score the
    server returned; an index out of range, a repeated index, more results than passages or
    no result at all is an error. Passages are sent 32 at a time (TEI's default batch limit);
    a cross-encoder scores each pair on its own, so batching does not change the scores.

    Score: the server's own. For these models TEI (unless asked for raw scores), vLLM and
    current Xinference return the same sigmoid score in [0, 1] as a local folder; check one
    answer of your server before tuning a threshold on it.

Every failure a user can meet raises ``RerankerUnavailable`` with a one-line message that
says what to check next; the API key never appears in a message.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from knowledge.errors import RerankerUnavailable
from knowledge.settings import Settings

T = TypeVar("T")

_BATCH = 32  # TEI's default --max-client-batch-size
_FALLBACK_BY_BODY = frozenset({400, 422})  # the server is there but rejected the body's fields
_FALLBACK_BY_PATH = frozenset({404, 405})  # nothing at that path
_SHAPE_NAMES = {"tei": "TEI", "cohere": "Cohere/Jina"}


class Reranker(Protocol):
    name: str

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        """One relevance score per passage, in the passages' order; higher = more relevant."""
        ...


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class CrossEncoderReranker:
    """A sentence-transformers ``CrossEncoder`` in a local folder, loaded once by path."""

    def __init__(self, path: str | Path, *, max_length: int = 512, batch_size: int = 16) -> None:
        folder = Path(path).expanduser()
        self.name = f"cross-encoder:{folder.name}"
        self.batch_size = batch_size
        trust_remote_code = _check_folder(folder)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub at run time
        try:
            from sentence_transformers import CrossEncoder

            # max_length: bge-reranker-v2-m3 declares 8192 tokens, far too slow on a CPU; passages are chunks.
            self._model = CrossEncoder(
                str(folder),
                device="cpu",
                local_files_only=True,
                trust_remote_code=trust_remote_code,
                max_length=max_length,
            )
        except Exception as exc:
            raise RerankerUnavailable(
                f"Cannot load the reranker in {folder}: {_one_line(f'{type(exc).__name__}: {exc}')} - "
                f"check APP_RERANKER_MODEL names a complete cross-encoder folder (e.g. bge-reranker-v2-m3)"
            ) from exc
        labels = int(getattr(self._model, "num_labels", 1))
        if labels != 1:
            raise RerankerUnavailable(
                f"The model in {folder} gives {labels} scores per pair, a reranker gives one - "
                f"APP_RERANKER_MODEL needs a reranker such as bge-reranker-v2-m3"
            )

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        if not passages:
            return []
        import torch

        try:
            # The raw logit, whatever activation the folder's config names: the sigmoid below fixes the scale.
            logits = self._model.predict(
                [(query, passage) for passage in passages],
                batch_size=self.batch_size,
                activation_fn=torch.nn.Identity(),
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        except Exception as exc:
            raise RerankerUnavailable(
                f"The reranker {self.name} failed: {_one_line(f'{type(exc).__name__}: {exc}')} - "
                f"check the server's memory, or unset APP_RERANKER_MODEL to answer without it"
            ) from exc
        values = np.asarray(logits, dtype=np.float64).reshape(len(passages))
        return [float(s) for s in 0.5 * (1.0 + np.tanh(values / 2.0))]  # sigmoid, without overflow


def _check_folder(folder: Path) -> bool:
    """Refuse what is not a cross-encoder before loading it (an embedding model would load with a random
    scoring head and rank at random); returns whether the folder names its own code (``auto_map``)."""
    if not folder.is_dir():
        raise RerankerUnavailable(
            f"Reranker folder {folder} does not exist - check APP_RERANKER_MODEL "
            f"(a folder copied from a downloaded model such as bge-reranker-v2-m3)"
        )
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise RerankerUnavailable(
            f"{folder} has no config.json, so it is not a model folder - "
            f"check APP_RERANKER_MODEL names the folder that holds the reranker's config.json"
        )
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RerankerUnavailable(
            f"{config_file} cannot be read ({type(exc).__name__}) - copy the reranker folder again"
        ) from exc
    if not isinstance(config, dict):
        raise RerankerUnavailable(f"{config_file} is not a model config - copy the reranker folder again")
    architectures = config.get("architectures") or []
    if architectures and not any(str(a).endswith("ForSequenceClassification") for a in architectures):
        raise RerankerUnavailable(
            f"The model in {folder} is a {', '.join(map(str, architectures))}, not a cross-encoder - "
            f"APP_RERANKER_MODEL needs a reranker such as bge-reranker-v2-m3, not an embedding model"
        )
    return bool(config.get("auto_map"))


class HttpReranker:
    """A rerank server, in the TEI shape or the Cohere/Jina shape (see the module docstring)."""

    def __init__(
        self, url: str, *, model: str = "", api_key: str = "", timeout_s: float = 10.0, api: str = "auto"
    ) -> None:
        import httpx

        if api not in _SHAPE_NAMES and api != "auto":
            raise RerankerUnavailable(f"APP_RERANKER_API={api!r} is not valid - use 'auto', 'tei' or 'cohere'")
        self.url = url.rstrip("/")
        self.model = model
        self.api = api
        self.timeout_s = timeout_s
        self.name = f"http:{model or _safe_url(self.url)}"
        self._api_key = api_key  # only to scrub it from messages; it travels in the client's headers
        self._tries = _attempts(self.url, api)
        self._client = httpx.Client(
            timeout=timeout_s, headers={"Authorization": f"Bearer {api_key}"} if api_key else {}
        )

    def close(self) -> None:
        self._client.close()

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        scores: list[float] = []
        for start in range(0, len(passages), _BATCH):
            scores.extend(self._score_batch(query, list(passages[start : start + _BATCH])))
        return scores

    def _score_batch(self, query: str, texts: list[str]) -> list[float]:
        rejected: list[str] = []
        for shape, endpoint, try_next_on in self._tries:
            response = self._post(endpoint, _body(shape, query, texts, self.model))
            if response.status_code >= 400:
                rejected.append(f"{_SHAPE_NAMES[shape]} at {_path(endpoint)}: {self._status(response)}")
                if response.status_code in try_next_on:
                    continue
                if len(rejected) > 1:
                    self._fail(
                        f"The rerank server at {_safe_url(self.url)} accepted neither request "
                        f"({'; '.join(rejected)}) - check APP_RERANKER_URL, or set APP_RERANKER_API to tei or cohere"
                    )
                self._http_error(response, endpoint)
            self._tries = [(shape, endpoint, frozenset())]  # remember what works
            return self._read(response, len(texts))
        raise AssertionError("unreachable: the last attempt never tries a next one")

    def _post(self, endpoint: str, body: dict[str, Any]) -> Any:
        import httpx

        where = _safe_url(endpoint)
        try:
            return self._client.post(endpoint, json=body)
        except httpx.TimeoutException:
            self._fail(
                f"The rerank server at {where} did not answer within {self.timeout_s:g} s - "
                f"check its load, or raise APP_RERANKER_TIMEOUT_S"
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:  # refused, DNS, reset, TLS, a malformed URL
            self._fail(
                f"The rerank server at {where} cannot be reached ({type(exc).__name__}) - "
                f"check APP_RERANKER_URL and that the server is running"
            )

    def _http_error(self, response: Any, endpoint: str) -> NoReturn:
        where = _safe_url(endpoint)
        code = response.status_code
        if code in (401, 403):
            hint = "check APP_RERANKER_API_KEY"
        elif code in _FALLBACK_BY_PATH:
            hint = "check APP_RERANKER_URL and APP_RERANKER_API (tei: {base}/rerank, cohere: {base}/v1/rerank)"
        elif code in _FALLBACK_BY_BODY:
            hint = "check APP_RERANKER_NAME and APP_RERANKER_API"
        else:
            hint = "check the rerank server's log"
        self._fail(f"The rerank server at {where} answered {self._status(response)} - {hint}")

    def _status(self, response: Any) -> str:
        detail = _error_detail(response)
        return f"HTTP {response.status_code}" + (f" {detail}" if detail else "")

    def _read(self, response: Any, n: int) -> list[float]:
        where = _safe_url(str(response.request.url))
        try:
            data = response.json()
        except ValueError:
            self._fail(
                f"The rerank server at {where} answered something that is not JSON - "
                f"check APP_RERANKER_URL points at a rerank endpoint"
            )
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            items = data["results"]
        elif isinstance(data, list):
            items = data
        else:
            self._fail(
                f"The rerank server at {where} answered JSON in neither the TEI nor the Cohere/Jina rerank "
                f"shape - check APP_RERANKER_URL and APP_RERANKER_API"
            )
        if len(items) > n:
            self._fail(
                f"The rerank server at {where} returned {len(items)} results for {n} passages - "
                f"check APP_RERANKER_URL points at a reranker"
            )
        found: dict[int, float] = {}
        for item in items:
            index = item.get("index") if isinstance(item, dict) else None
            value = item.get("relevance_score", item.get("score")) if isinstance(item, dict) else None
            if (
                not isinstance(index, int)
                or isinstance(index, bool)
                or not isinstance(value, int | float)
                or isinstance(value, bool)
                or not math.isfinite(value)
            ):
                self._fail(
                    f"The rerank server at {where} answered a result without a numeric index and score - "
                    f"check APP_RERANKER_API matches the server"
                )
            if not 0 <= index < n or index in found:
                self._fail(
                    f"The rerank server at {where} returned index {index} twice or out of range for {n} passages - "
                    f"check APP_RERANKER_URL points at a reranker"
                )
            found[index] = float(value)
        if not found and n:
            self._fail(
                f"The rerank server at {where} returned no scores for {n} passages - check the rerank server's log"
            )
        lowest = min(found.values(), default=0.0)
        return [found.get(i, lowest) for i in range(n)]

    def _fail(self, message: str) -> NoReturn:
        if self._api_key:
            message = message.replace(self._api_key, "***")
        raise RerankerUnavailable(message) from None  # no cause: its text could carry the URL's secrets


def _attempts(url: str, api: str) -> list[tuple[str, str, frozenset[int]]]:
    """(shape, endpoint, HTTP statuses on which to try the next one), in order; see the module docstring."""
    last: frozenset[int] = frozenset()
    if api == "tei":
        return [("tei", url if url.endswith("/rerank") else url + "/rerank", last)]
    cohere = url if url.endswith("/rerank") else url + ("/rerank" if url.endswith("/v1") else "/v1/rerank")
    if api == "cohere" or url.endswith(("/v1", "/v1/rerank", "/v2/rerank")):
        return [("cohere", cohere, last)]
    if url.endswith("/rerank"):
        return [("tei", url, _FALLBACK_BY_BODY), ("cohere", url, last)]
    return [("cohere", url + "/v1/rerank", _FALLBACK_BY_PATH), ("tei", url + "/rerank", last)]


def _body(shape: str, query: str, texts: list[str], model: str) -> dict[str, Any]:
    if shape == "tei":
        # truncate: TEI refuses a pair longer than the model's limit instead of cutting it.
        return {"query": query, "texts": texts, "truncate": True}
    body: dict[str, Any] = {"model": model} if model else {}
    body.update({"query": query, "documents": texts, "top_n": len(texts)})
    return body


def _error_detail(response: Any) -> str:
    """The server's own reason, if its error body has one (TEI: error, vLLM: message, FastAPI: detail)."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            value = data.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if value:
                return _one_line(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False), 160)
    return ""


def _safe_url(url: str) -> str:
    """The URL without user:password@ or a query string, for messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "the address in APP_RERANKER_URL"


def _path(url: str) -> str:
    return urlsplit(url).path or "/"


def make_reranker(settings: Settings) -> Reranker | None:
    """The configured reranker, or None (the default: answers stay model-free).

    A folder is loaded here, so a bad folder fails at start-up; a server is first contacted on the first
    question, so start-up never waits for it."""
    if settings.reranker_model:
        return CrossEncoderReranker(settings.reranker_model)
    if settings.reranker_url:
        return HttpReranker(
            settings.reranker_url,
            model=settings.reranker_model_name,
            api_key=settings.reranker_api_key,
            timeout_s=settings.reranker_timeout_s,
            api=settings.reranker_api,
        )
    return None


def _text_of(item: Any) -> str:
    return item if isinstance(item, str) else str(item.text)


def rerank(
    reranker: Reranker,
    query: str,
    items: Sequence[T],
    text: Callable[[T], str] = _text_of,
    top: int | None = None,
) -> list[tuple[T, float]]:
    """``items`` with their scores, best first; equal scores keep the items' order. ``text`` gives the
    passage of an item (default: the item itself if it is a string, else its ``.text``, as a ``Hit``'s);
    ``top`` keeps only the first ``top``."""
    if not items or (top is not None and top <= 0):
        return []
    scores = reranker.score(query, [text(item) for item in items])
    if len(scores) != len(items):
        raise RerankerUnavailable(
            f"The reranker {reranker.name} gave {len(scores)} scores for {len(items)} passages - "
            f"check APP_RERANKER_MODEL / APP_RERANKER_URL"
        )
    # NaN would break the sort's ordering: it ranks last.
    order = sorted(range(len(items)), key=lambda i: -scores[i] if scores[i] == scores[i] else float("inf"))
    return [(items[i], float(scores[i])) for i in order[:top]]
