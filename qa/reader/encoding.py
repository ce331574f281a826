"""Bytes → text for the text-based formats: BOMs first, then strict UTF-8, then a detector (GB18030, Big5, ...)."""

from __future__ import annotations

import codecs

from .formats import UnreadableFile

# The codec that reads a text starting with each byte-order mark (UTF-16 and UTF-32 read either byte order).
BOM_CODECS = {
    "utf-8-sig": (codecs.BOM_UTF8,),
    "utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE),
    "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE),
}
# Longest first: the UTF-32 little-endian mark begins with the UTF-16 one.
BOMS = sorted(((bom, codec) for codec, boms in BOM_CODECS.items() for bom in boms), key=lambda m: -len(m[0]))
# The detector names the family; reading with its superset keeps rare characters the narrower codec lacks.
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs"}


def decode(raw: bytes) -> str:
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise UnreadableFile(f"starts with a {encoding} byte-order mark but is not {encoding}") from exc
    if b"\x00" in raw:
        raise UnreadableFile("binary, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise UnreadableFile("not text in any encoding this reader knows")
    encoding = SUPERSETS.get(best.encoding, best.encoding)
    try:
        return raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return str(best)
