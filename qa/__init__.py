"""Question answering over speeches: attributed passages from a hybrid FAISS + BM25 index."""

__version__ = "0.1.0"
