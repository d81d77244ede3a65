"""Rerankers: a real HTTP rerank server on loopback (both shapes, and every way it can misbehave),
and a tiny random-weight BERT cross-encoder built here and loaded by path."""

from __future__ import annotations

import json
import math
import os
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from knowledge.errors import ConfigError, RerankerUnavailable
from knowledge.rerank import CrossEncoderReranker, HttpReranker, make_reranker, rerank
from knowledge.settings import Settings

from .conftest import free_port

KEY = "sk-test-5f2a9c"
QUERY = "when does the library open on saturday"
PASSAGES = [
    "The canteen serves lunch from noon.",  # no overlap
    "The library is open on saturday from nine.",  # best
    "Parking is free on saturday.",  # some
]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]", text.lower()))


def overlap(query: str, text: str) -> float:
    """The stub server's relevance: the share of the query's words found in the text."""
    q = _words(query)
    return len(q & _words(text)) / len(q) if q else 0.0


class RerankServer:
    """A rerank server on 127.0.0.1 that speaks TEI (POST /rerank) and Cohere/Jina (POST /v1/rerank),
    answers sorted by score as real servers do, records what it was sent, and misbehaves on request."""

    def __init__(self, *, rerank_path: str = "tei", v1: bool = True) -> None:
        self.rerank_path = rerank_path  # what POST /rerank speaks: "tei" (TEI) or "cohere" (vLLM)
        self.v1 = v1  # whether POST /v1/rerank exists (TEI has none)
        self.mode = "ok"
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                time.sleep(server.delay)
                status, payload = server.respond(self.path, body, self.headers.get("Authorization", ""))
                raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def respond(self, path: str, body: dict[str, Any], auth: str) -> tuple[int, Any]:
        mode = self.mode
        if mode == "500":
            return 500, {"error": "CUDA out of memory", "error_type": "backend"}
        if mode == "401":
            return 401, {"error": "Invalid API key"}
        if mode == "echo_key":  # a careless server that repeats the header in its error
            return 500, {"message": f"bad request with header {auth}"}
        if mode == "badjson":
            return 200, b"<html>upstream gateway</html>"
        if mode == "shape":
            return 200, {"data": [{"index": 0, "score": 1.0}]}
        shape = "tei" if path == "/rerank" and self.rerank_path == "tei" else "cohere"
        if path not in ("/rerank", "/v1/rerank") or (path == "/v1/rerank" and not self.v1):
            return 404, b""
        field = "texts" if shape == "tei" else "documents"
        if not isinstance(body.get(field), list):
            if path == "/rerank" and shape == "cohere":  # vLLM says 400
                return 400, {"object": "error", "message": f"{field}: Field required"}
            return 422, {"error": f"missing field `{field}`", "error_type": "Validation"}
        texts = body[field]
        ranked = sorted(((i, overlap(body["query"], t)) for i, t in enumerate(texts)), key=lambda p: p[1], reverse=True)
        if shape == "cohere":
            ranked = ranked[: body.get("top_n") or len(ranked)]
        if mode == "short":  # a server that caps top_n: the worst one is left out
            ranked = ranked[:-1]
        elif mode == "extra":
            ranked = ranked + [(0, 0.5)] * 2
        elif mode == "dup":
            ranked = ranked[:-1] + [ranked[0]]
        elif mode == "out_of_range":
            ranked = ranked[:-1] + [(len(texts) + 3, 0.1)]
        elif mode == "empty":
            ranked = []
        elif mode == "no_score":
            return 200, [{"index": i} for i, _ in ranked]
        if shape == "tei":
            return 200, [{"index": i, "score": s} for i, s in ranked]
        results = [{"index": i, "relevance_score": s, "document": {"text": texts[i % len(texts)]}} for i, s in ranked]
        return 200, {"id": "rerank-1", "results": results, "meta": {"billed_units": {"search_units": 1}}}

    def __enter__(self) -> RerankServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


EXPECTED = [overlap(QUERY, p) for p in PASSAGES]


def test_expected_scores_are_not_already_in_passage_order():
    """Otherwise the tests below could not tell sorted-by-score from sorted-by-index."""
    assert EXPECTED != sorted(EXPECTED, reverse=True) and len(set(EXPECTED)) == 3


# -- the two shapes -----------------------------------------------------------------------------


def test_tei_shape_sends_texts_and_maps_sorted_results_back_by_index():
    with RerankServer() as server:
        reranker = HttpReranker(server.url, api="tei", api_key=KEY, model="ignored-by-tei")
        assert reranker.score(QUERY, PASSAGES) == EXPECTED
    (request,) = server.requests
    assert request["path"] == "/rerank"
    assert request["body"] == {"query": QUERY, "texts": PASSAGES, "truncate": True}
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/", "/v1/rerank"])
def test_cohere_shape_sends_model_documents_and_top_n(suffix: str):
    with RerankServer() as server:
        reranker = HttpReranker(server.url + suffix, api="cohere", model="bge-reranker-v2-m3", api_key=KEY)
        assert reranker.score(QUERY, PASSAGES) == EXPECTED
    (request,) = server.requests
    assert request["path"] == "/v1/rerank"
    assert request["body"] == {"model": "bge-reranker-v2-m3", "query": QUERY, "documents": PASSAGES, "top_n": 3}
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"


def test_no_model_name_and_no_key_send_neither():
    with RerankServer() as server:
        assert HttpReranker(server.url, api="cohere").score(QUERY, PASSAGES) == EXPECTED
    (request,) = server.requests
    assert "model" not in request["body"] and "Authorization" not in request["headers"]


def test_chinese_passages_travel_intact():
    passages = ["图书馆周六九点开门。", "食堂中午供应午餐。"]
    with RerankServer() as server:
        scores = HttpReranker(server.url, api="tei").score("图书馆周六几点开门", passages)
    assert server.requests[0]["body"]["texts"] == passages and scores[0] > scores[1]


# -- choosing the shape (APP_RERANKER_API=auto) -------------------------------------------------


def test_auto_on_a_bare_tei_url_falls_back_from_v1_to_rerank_and_remembers():
    with RerankServer(v1=False) as server:  # TEI has no /v1/rerank
        reranker = HttpReranker(server.url, api_key=KEY)
        assert reranker.score(QUERY, PASSAGES) == EXPECTED
        assert reranker.score(QUERY, PASSAGES[:2]) == EXPECTED[:2]
    assert [r["path"] for r in server.requests] == ["/v1/rerank", "/rerank", "/rerank"]
    assert server.requests[1]["body"] == {"query": QUERY, "texts": PASSAGES, "truncate": True}


def test_auto_on_a_bare_xinference_url_uses_v1_rerank():
    with RerankServer() as server:
        assert HttpReranker(server.url, model="bge-reranker-v2-m3").score(QUERY, PASSAGES) == EXPECTED
    assert [r["path"] for r in server.requests] == ["/v1/rerank"]
    assert server.requests[0]["body"]["documents"] == PASSAGES


def test_auto_on_a_rerank_url_that_speaks_cohere_retries_with_documents():
    with RerankServer(rerank_path="cohere") as server:  # vLLM's /rerank is Jina-shaped
        reranker = HttpReranker(server.url + "/rerank", model="m")
        assert reranker.score(QUERY, PASSAGES) == EXPECTED
        reranker.score(QUERY, PASSAGES)
    assert [("texts" in r["body"], "documents" in r["body"]) for r in server.requests] == [
        (True, False),
        (False, True),
        (False, True),
    ]
    assert {r["path"] for r in server.requests} == {"/rerank"}


def test_auto_on_a_v1_url_goes_straight_to_cohere():
    with RerankServer() as server:
        assert HttpReranker(server.url + "/v1").score(QUERY, PASSAGES) == EXPECTED
    assert [r["path"] for r in server.requests] == ["/v1/rerank"]


def test_auto_falls_back_only_on_not_found_or_rejected_requests():
    with RerankServer(v1=False) as server:
        server.mode = "500"
        with pytest.raises(RerankerUnavailable, match="HTTP 500"):
            HttpReranker(server.url).score(QUERY, PASSAGES)
    assert len(server.requests) == 1


def test_an_explicit_api_never_falls_back():
    with RerankServer(rerank_path="cohere") as server:
        with pytest.raises(RerankerUnavailable) as info:
            HttpReranker(server.url + "/rerank", api="tei").score(QUERY, PASSAGES)
    assert len(server.requests) == 1
    assert "HTTP 400 documents: Field required" in str(info.value) and "APP_RERANKER_API" in str(info.value)


def test_a_server_with_neither_endpoint_names_both_tries():
    with RerankServer(v1=False, rerank_path="tei") as server:
        with pytest.raises(RerankerUnavailable) as info:
            HttpReranker(server.url + "/api").score(QUERY, PASSAGES)
    message = str(info.value)
    assert "/api/v1/rerank: HTTP 404" in message and "/api/rerank: HTTP 404" in message
    assert "APP_RERANKER_URL" in message


# -- what comes back ----------------------------------------------------------------------------


def test_a_passage_the_server_leaves_out_gets_the_lowest_score_returned():
    with RerankServer() as server:
        server.mode = "short"
        scores = HttpReranker(server.url, api="cohere").score(QUERY, PASSAGES)
    returned = sorted(EXPECTED, reverse=True)[:-1]
    worst = EXPECTED.index(min(EXPECTED))
    assert scores[worst] == min(returned)
    assert [s for i, s in enumerate(scores) if i != worst] == [s for i, s in enumerate(EXPECTED) if i != worst]


def test_many_passages_go_in_batches_and_come_back_in_order():
    passages = [f"saturday note {i} " + "library " * (i % 3) for i in range(40)]
    with RerankServer() as server:
        scores = HttpReranker(server.url, api="tei").score(QUERY, passages)
    assert scores == [overlap(QUERY, p) for p in passages]
    assert [len(r["body"]["texts"]) for r in server.requests] == [32, 8]


def test_no_passages_send_nothing():
    with RerankServer() as server:
        assert HttpReranker(server.url).score(QUERY, []) == []
    assert server.requests == []


# -- failures: one exception type, a message that says what to do, never the key ----------------


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("500", r"HTTP 500 CUDA out of memory - check the rerank server's log"),
        ("401", r"HTTP 401 Invalid API key - check APP_RERANKER_API_KEY"),
        ("echo_key", r"HTTP 500 .*\*\*\*"),
        ("badjson", r"not JSON - check APP_RERANKER_URL"),
        ("shape", r"neither the TEI nor the Cohere/Jina rerank shape"),
        ("extra", r"returned 5 results for 3 passages"),
        ("dup", r"index \d twice or out of range"),
        ("out_of_range", r"index 6 twice or out of range"),
        ("empty", r"returned no scores for 3 passages"),
        ("no_score", r"without a numeric index and score"),
    ],
)
@pytest.mark.parametrize("api", ["tei", "cohere"])
def test_a_misbehaving_server_raises_reranker_unavailable(mode: str, expected: str, api: str):
    with RerankServer() as server:
        server.mode = mode
        with pytest.raises(RerankerUnavailable, match=expected) as info:
            HttpReranker(server.url, api=api, api_key=KEY, model="m").score(QUERY, PASSAGES)
    _assert_clean(str(info.value))
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"


def test_a_slow_server_times_out():
    with RerankServer() as server:
        server.delay = 1.5
        reranker = HttpReranker(server.url, api="tei", api_key=KEY, timeout_s=0.3)
        started = time.monotonic()
        with pytest.raises(RerankerUnavailable, match=r"did not answer within 0.3 s .*APP_RERANKER_TIMEOUT_S") as info:
            reranker.score(QUERY, PASSAGES)
        assert time.monotonic() - started < 1.4
    _assert_clean(str(info.value))


def test_an_unreachable_server_says_to_check_the_url():
    url = f"http://{KEY}:{KEY}@127.0.0.1:{free_port()}/?token={KEY}"
    with pytest.raises(RerankerUnavailable, match=r"cannot be reached .*check APP_RERANKER_URL") as info:
        HttpReranker(url, api_key=KEY).score(QUERY, PASSAGES)
    _assert_clean(str(info.value))
    assert info.value.__cause__ is None


def _assert_clean(message: str) -> None:
    assert KEY not in message and "\n" not in message and " - " in message


# -- make_reranker and the settings -------------------------------------------------------------


def test_the_default_is_no_reranker():
    assert make_reranker(Settings.from_env({})) is None


def test_settings_build_an_http_reranker():
    env = {
        "APP_RERANKER_URL": "http://127.0.0.1:1/v1",
        "APP_RERANKER_NAME": "bge-reranker-v2-m3",
        "APP_RERANKER_API_KEY": KEY,
        "APP_RERANKER_TIMEOUT_S": "2.5",
        "APP_RERANKER_API": "cohere",
    }
    settings = Settings.from_env(env)
    assert settings.reranker_model_name == "bge-reranker-v2-m3" and settings.reranker_timeout_s == 2.5
    reranker = make_reranker(settings)
    assert isinstance(reranker, HttpReranker)
    assert (reranker.model, reranker.api, reranker.timeout_s) == ("bge-reranker-v2-m3", "cohere", 2.5)
    assert KEY not in repr(reranker) and KEY not in reranker.name


def test_settings_default_timeout_is_ten_seconds():
    assert Settings.from_env({}).reranker_timeout_s == 10.0


@pytest.mark.parametrize(
    ("env", "match"),
    [
        ({"APP_RERANKER_MODEL": "/srv/models/x", "APP_RERANKER_URL": "http://h:1"}, "both set"),
        ({"APP_RERANKER_URL": "127.0.0.1:9997"}, "must start with http"),
        ({"APP_RERANKER_URL": "http://h:1", "APP_RERANKER_API": "openai"}, "APP_RERANKER_API='openai'"),
        ({"APP_RERANKER_TIMEOUT_S": "0"}, "APP_RERANKER_TIMEOUT_S"),
        ({"APP_RERANKER_TIMEOUT_S": "soon"}, "APP_RERANKER_TIMEOUT_S"),
    ],
)
def test_bad_reranker_settings_are_config_errors(env: dict[str, str], match: str):
    with pytest.raises(ConfigError, match=match):
        Settings.from_env(env)


def test_the_reranker_variables_are_described():
    names = [name for name, _default, _help in Settings.describe()]
    for name in ("APP_RERANKER_MODEL", "APP_RERANKER_URL", "APP_RERANKER_NAME", "APP_RERANKER_API_KEY"):
        assert name in names
    assert "APP_RERANKER_MODEL_NAME" not in names


# -- rerank(): best first, stable for ties ------------------------------------------------------


@dataclass
class Passage:
    doc: str
    text: str


def test_rerank_orders_items_best_first_and_keeps_ties_in_order():
    items = [
        Passage("a", "nothing here"),
        Passage("b", "the library is open on saturday"),
        Passage("c", "also nothing"),  # ties with a
        Passage("d", "library"),
    ]
    with RerankServer() as server:
        reranker = HttpReranker(server.url, api="tei")
        ranked = rerank(reranker, QUERY, items)
        assert [p.doc for p, _ in ranked] == ["b", "d", "a", "c"]
        assert [s for _, s in ranked] == sorted((overlap(QUERY, p.text) for p in items), reverse=True)
        assert [p.doc for p, _ in rerank(reranker, QUERY, items, top=2)] == ["b", "d"]
        strings = rerank(reranker, QUERY, ["x", "library saturday", "y"], text=lambda s: s.upper().lower())
        assert [s for s, _ in strings] == ["library saturday", "x", "y"]
        assert rerank(reranker, QUERY, []) == [] and rerank(reranker, QUERY, items, top=0) == []
        calls = len(server.requests)
    assert calls == 3  # the empty cases asked nothing


# -- a cross-encoder folder loaded by path ------------------------------------------------------

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(_words(QUERY + " " + " ".join(PASSAGES)))]
VOCAB += list(dict.fromkeys("图书馆周六几点开门食堂中午供应午餐"))


def _save_bert(folder: Path, *, head: bool = True, labels: int = 1) -> Path:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer

    folder.mkdir(parents=True)
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n", encoding="utf-8")
    torch.manual_seed(7)
    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=37,
        num_labels=labels,
        initializer_range=0.5,  # random weights far enough from zero that passages score differently
    )
    model = BertForSequenceClassification(config) if head else BertModel(config)
    model.save_pretrained(folder)
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _save_bert(tmp_path_factory.mktemp("models") / "tiny-reranker")


def test_a_cross_encoder_folder_scores_each_passage(bert_folder: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("HF_HUB_OFFLINE")
    reranker = CrossEncoderReranker(bert_folder)
    assert reranker.name == "cross-encoder:tiny-reranker"
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # the model hub stays off
    scores = reranker.score(QUERY, PASSAGES)
    assert len(scores) == 3 and all(isinstance(s, float) and 0.0 < s < 1.0 for s in scores)
    assert len(set(scores)) == 3
    assert reranker.score(QUERY, PASSAGES) == scores
    assert reranker.score(QUERY, PASSAGES[::-1]) == pytest.approx(scores[::-1], abs=1e-6)
    assert CrossEncoderReranker(bert_folder).score(QUERY, PASSAGES) == pytest.approx(scores, abs=1e-6)
    assert reranker.score(QUERY, []) == []
    zh = reranker.score("图书馆周六几点开门", ["图书馆周六九点开门。", "食堂中午供应午餐。"])
    assert len(zh) == 2


def test_the_score_is_the_sigmoid_of_the_models_logit(bert_folder: Path):
    """What the docstring promises, checked against transformers directly."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(bert_folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(bert_folder)
    with torch.no_grad():
        batch = tokenizer([QUERY] * 3, PASSAGES, padding=True, truncation=True, return_tensors="pt")
        logits = model(**batch).logits[:, 0].tolist()
    expected = [1 / (1 + math.exp(-x)) for x in logits]
    assert CrossEncoderReranker(bert_folder).score(QUERY, PASSAGES) == pytest.approx(expected, abs=1e-5)


def test_rerank_with_a_cross_encoder_folder(bert_folder: Path):
    reranker = CrossEncoderReranker(bert_folder)
    scores = reranker.score(QUERY, PASSAGES)
    ranked = rerank(reranker, QUERY, PASSAGES)
    assert [s for _, s in ranked] == sorted(scores, reverse=True)


def test_a_missing_folder(tmp_path: Path):
    with pytest.raises(RerankerUnavailable, match=r"does not exist - check APP_RERANKER_MODEL"):
        CrossEncoderReranker(tmp_path / "bge-reranker-v2-m3")


def test_a_folder_of_something_else(tmp_path: Path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "README.txt").write_text("models go here")
    with pytest.raises(RerankerUnavailable, match=r"no config.json.*APP_RERANKER_MODEL"):
        CrossEncoderReranker(tmp_path / "notes")


def test_an_embedding_model_is_not_a_cross_encoder(tmp_path: Path):
    """It would load with a random scoring head and rank at random: refused before loading."""
    folder = _save_bert(tmp_path / "bge-m3", head=False)
    with pytest.raises(RerankerUnavailable, match=r"is a BertModel, not a cross-encoder"):
        CrossEncoderReranker(folder)


def test_a_classifier_with_several_labels_is_not_a_reranker(tmp_path: Path):
    folder = _save_bert(tmp_path / "nli", labels=3)
    with pytest.raises(RerankerUnavailable, match=r"gives 3 scores per pair"):
        CrossEncoderReranker(folder)


def test_a_folder_without_weights_or_with_a_broken_config(tmp_path: Path, bert_folder: Path):
    folder = tmp_path / "half-copied"
    folder.mkdir()
    (folder / "config.json").write_bytes((bert_folder / "config.json").read_bytes())
    with pytest.raises(RerankerUnavailable, match=r"Cannot load the reranker in .*half-copied.*APP_RERANKER_MODEL"):
        CrossEncoderReranker(folder)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(RerankerUnavailable, match=r"cannot be read .*copy the reranker folder again"):
        CrossEncoderReranker(folder)


def test_settings_build_a_cross_encoder_reranker(bert_folder: Path):
    reranker = make_reranker(Settings.from_env({"APP_RERANKER_MODEL": str(bert_folder)}))
    assert isinstance(reranker, CrossEncoderReranker)
    with pytest.raises(RerankerUnavailable, match="does not exist"):
        make_reranker(Settings.from_env({"APP_RERANKER_MODEL": str(bert_folder) + "-gone"}))
