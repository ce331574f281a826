"""Text that came from a corpus file, made safe for where it goes: a terminal, a link, a UTF-8 index.

A file name, title or warning is the corpus author's text, not ours: printed raw, an escape sequence in it can
clear the screen and print "build succeeded", and a right-to-left override can disguise a name.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

# What a terminal would act on instead of showing.
UNPRINTABLE = re.compile(
    r"""
    [\x00-\x08\x0b-\x1f\x7f]     # C0 controls but tab, and DEL (escapes start with \x1b, \r rewrites the line)
    | [\x80-\x9f]                # C1 controls (\x9b starts an escape sequence on some terminals too)
    | [\u200e\u200f\u202a-\u202e\u2066-\u2069]  # bidirectional marks and overrides: disguise what is read
    | [\ud800-\udfff]            # lone surrogates: the bytes of a file name that is not UTF-8 (surrogateescape)
    """,
    re.X,
)
# Bytes of a non-UTF-8 file name as `os.fsdecode` keeps them (PEP 383: byte b → U+DC00 + b).
ESCAPED_BYTES = re.compile(r"[\udc80-\udcff]")
SURROGATE_BASE = 0xDC00
WEB_SCHEMES = ("http", "https")


def _escape(char: str) -> str:
    code = ord(char)
    if ESCAPED_BYTES.fullmatch(char):
        return f"\\x{code - SURROGATE_BASE:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, newlines: bool = False) -> str:
    """`text` with every control character written as an escape (`\\x1b`, `\\u202e`, a name's raw byte `\\xe9`);
    `newlines` keeps line breaks (a passage's text), otherwise they are escaped too (a name, a one-line warning)."""
    text = str(text)
    if not newlines:
        text = text.replace("\n", "\\n")
    return UNPRINTABLE.sub(lambda m: _escape(m.group()), text)


def file_name(name: str) -> str:
    """A path from `os.fsdecode` as text that can be stored and shown: a byte that is not UTF-8 becomes `\\xe9`
    (`café.txt` saved in Latin-1 is `caf\\xe9.txt`); everything else is kept."""
    return ESCAPED_BYTES.sub(lambda m: _escape(m.group()), name)


def web_url(value: str | None) -> str | None:
    """`value` if it is an http(s) address with a host, else None: a `javascript:` or `data:` URL from a file's
    metadata must never reach a client as a link."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme.lower() in WEB_SCHEMES and parts.netloc else None


class PrintableLog(logging.Formatter):
    """Log lines name files and quote their titles: control characters in them are shown escaped, never obeyed
    by the terminal (a file name with an escape sequence cannot clear the screen or fake a line)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)
