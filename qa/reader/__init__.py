"""Reading a speech collection: any format, any layout, any language → attributed passages."""

from .model import Corpus, Document, Passage, passage_id
from .pipeline import CorpusError, parse_text, read_corpus

__all__ = ["Corpus", "CorpusError", "Document", "Passage", "parse_text", "passage_id", "read_corpus"]
