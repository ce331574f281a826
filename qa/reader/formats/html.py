"""HTML news/article pages: the article's own paragraphs and headings via trafilatura, not the site around it.

Checked on trafilatura 2.3: the default balance keeps short Chinese paragraphs ("同志们：", "一是稳增长。") and drops
nav bars, related-link sidebars, cookie banners, comment sections and copyright footers; `favor_recall` also pulls
in breadcrumbs and "责任编辑" lines, so it is not used. Its date search is kept to the page's metadata and URL:
the text-wide search turns a footer's "© 2019" into 2019-01-01, an invented date.
"""

from __future__ import annotations

import codecs
import logging
import re

import trafilatura

from ...textrules import WIDE
from ..encoding import decode
from ..english_top import title_day
from . import Block, Extracted, UnreadableFile

# trafilatura and its helpers log their parsers' complaints ("lxml parsing failed: Document is empty") without
# the file's name; the caller prints one line naming the file and why instead.
for library in ("trafilatura", "htmldate", "courlan", "justext", "readability"):
    logging.getLogger(library).setLevel(logging.CRITICAL)

# A page that declares its charset near the top is believed over a detector's guess, unless it is valid UTF-8.
CHARSET_SNIFF_BYTES = 4096
DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?\s*([\w:.-]+)""", re.IGNORECASE)
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}
LANGUAGE_XPATHS = (
    "/html/@lang",
    "/html/@xml:lang",
    "//meta[translate(@http-equiv, 'CONTENTLANGUAGE', 'contentlanguage')='content-language']/@content",
    "//meta[@property='og:locale']/@content",
)
CELL_SEPARATOR = " | "  # a table row is one block, as trafilatura renders tables in its own text output
SPACES = re.compile(r"[ \t\u00a0\u3000]+")
# A line break in the page's source between two Chinese characters (`国际形\n势`) is no space, as a browser renders it
# (CSS Text's segment-break rule); the extractor would make it one.
SEGMENT_BREAK = re.compile(f"(?<=[{WIDE}])[ \t]*\r?\n[ \t]*(?=[{WIDE}])")
# trafilatura's article search grows faster than the page (measured on pages of distinct paragraphs: 2 MB 1.3 s,
# 4 MB 4.5 s, 8 MB 25 s); past this much text a page is read by its linear baseline (every paragraph of the
# body) with metadata from <title> and lang. A real speech page holds well under 200,000 characters.
ARTICLE_SEARCH_CHARS = 2_000_000
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
LARGE_PAGE_BLOCKS = ("p", *HEADINGS, "li", "blockquote", "pre", "td", "th", "dd", "dt")
# The text a reader would see: inline code and styles do not count towards the size of the article search.
VISIBLE_TEXT = "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)]"


def read(raw: bytes, name: str) -> Extracted:
    page = SEGMENT_BREAK.sub("", _decode(raw))
    tree = trafilatura.load_html(page)
    if tree is None:
        raise UnreadableFile("not an HTML page")
    language = _language(tree)
    if sum(len(text) for text in tree.xpath(VISIBLE_TEXT)) > ARTICLE_SEARCH_CHARS:
        return _read_large(tree, language)
    doc = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    blocks = _blocks(doc.body) if doc is not None and doc.body is not None else []
    if not blocks:
        # The extractor found no article (a bare page, a table layout): its baseline keeps the body text at least.
        blocks = _blocks(trafilatura.baseline(trafilatura.load_html(page))[0])
    if not blocks:
        raise UnreadableFile("no article text in the page")
    meta = {"language": language} if language else {}
    if doc is not None:
        meta |= {key: value for key in ("title", "date", "url") if (value := getattr(doc, key, None))}
        if "date" in meta and title_day(meta.get("title") or ""):
            # The title prints its day, which the date search reads day first and two digits of its year at a time
            # (`…Jay Carney, 8/4/2011` → 2020-04-08): the reader's own title rule dates it (qa/reader/structure.py).
            del meta["date"]
    return Extracted(blocks=blocks, meta=meta)


def _read_large(tree, language: str | None) -> Extracted:
    """A page too large for the article search: every paragraph and heading of its body, in linear time."""
    blocks = []
    for element in tree.iter(*LARGE_PAGE_BLOCKS):
        if any(parent.tag in LARGE_PAGE_BLOCKS for parent in element.iterancestors()):
            continue  # its text is in the enclosing block
        lines = (SPACES.sub(" ", line).strip() for line in "".join(element.itertext()).splitlines())
        if text := " ".join(line for line in lines if line):
            blocks.append(Block(text, heading=element.tag in HEADINGS))
    if not blocks:
        raise UnreadableFile("no text in the page")
    meta = {"language": language} if language else {}
    title = tree.findtext(".//title")
    if title and title.strip():
        meta["title"] = " ".join(title.split())
    return Extracted(blocks=blocks, meta=meta)


def _decode(raw: bytes) -> str:
    declared = DECLARED_CHARSET.search(raw[:CHARSET_SNIFF_BYTES])
    has_bom = raw.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if declared and not has_bom:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            label = declared.group(1).decode("ascii", "ignore").lower()
            try:
                return raw.decode(SUPERSETS.get(label, label))
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration: let the detector decide
    return decode(raw)


def _language(tree) -> str | None:
    for xpath in LANGUAGE_XPATHS:
        found = tree.xpath(xpath, namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})
        if found and str(found[0]).strip():
            return str(found[0]).strip().replace("_", "-")
    return None


def _blocks(body) -> list[Block]:
    """trafilatura's body holds <head>, <p>, <list>/<item>, <table>/<row>/<cell>, <quote>, with <lb/> for <br>."""
    blocks = []
    for element in body:
        if element.tag == "list":
            parts = [(_text(item), False) for item in element.iterchildren("item")]
        elif element.tag == "table":
            parts = [
                (CELL_SEPARATOR.join(filter(None, map(_text, row.iterchildren("cell")))), False)
                for row in element.iterchildren("row")
            ]
        else:
            parts = [(_text(element), element.tag == "head")]
        blocks += [Block(text, heading=heading) for text, heading in parts if text]
    return blocks


def _text(element) -> str:
    """Line breaks the page wrote (<br>) stay as newlines; the layout step decides what they mean.

    Marks the extractor's own (throw-away) tree in place."""
    for br in element.iter("lb"):
        br.tail = "\n" + (br.tail or "")
    lines = (SPACES.sub(" ", line).strip() for line in "".join(element.itertext()).splitlines())
    return "\n".join(line for line in lines if line)
