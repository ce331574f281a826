"""The bundled model as the integration tests share it: loaded once a run, and each list of texts encoded once.

Seven modules index the seed corpus with the real model (each engine, the API, MCP, the browser's servers), and each
used to load the model and encode the same passages again. The model is deterministic (test_embedding checks it on
this machine), so a list it has encoded before gets back the vectors a fresh run would give: every assertion still
stands on the real model's vectors, and only the repeated work is gone."""

from __future__ import annotations

import threading

import numpy as np

from qa.embedding import SentenceTransformerEmbedder


class RememberingEmbedder(SentenceTransformerEmbedder):
    """The real model; a list of texts it has encoded (same prompt, same batch size) is answered from memory."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remembered: dict[tuple, np.ndarray] = {}
        self.lock = threading.Lock()  # served apps encode questions from several threads
        self.model_runs = 0  # texts the model itself encoded, for the check that memory is used
        # Questions go through `_encode`, where they are remembered; whether the direct way would have been taken
        # (it gives the same bits: test_embedding checks that) is kept for that test.
        self.direct_exact, self.direct = self.direct, False

    def _encode(self, texts, batch_size, progress, prompt_name):
        key = (prompt_name, batch_size, tuple(texts))
        with self.lock:
            vectors = self.remembered.get(key)
        if vectors is None:
            vectors = super()._encode(texts, batch_size, progress, prompt_name)
            with self.lock:
                self.remembered[key] = vectors
                self.model_runs += len(texts)
        elif progress and texts:
            progress(len(texts))
        return vectors.copy()  # callers may normalise or reorder in place
