"""Reading a speech collection: any format, any layout, any language → attributed passages."""

from .model import Corpus, Document, Passage, passage_id
from .pipeline import CorpusError, parse_text, read_corpus

__all__ = ["Corpus", "CorpusError", "Document", "Passage", "parse_text", "passage_id", "read_corpus", "read_speeches"]


def read_speeches(settings, progress=None) -> Corpus:
    """The configured corpus as `qa build` indexes it: passages fitted to the model's window (its own tokenizer)
    and short paragraphs grouped up to `passage_tokens`."""
    from ..embedding import REGISTRY, resolve_model
    from ..tokens import token_counter
    from .limits import MB

    location = None if settings.model in REGISTRY else resolve_model(settings.model)
    counter = token_counter(location, settings.max_passage_tokens)
    return read_corpus(settings.corpus_dir, counter, settings.passage_tokens, progress, int(settings.max_file_mb * MB))
