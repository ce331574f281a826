"""Format fixtures: a PDF written by hand (no PDF library is a dependency), a DOCX, and a news site's page chrome."""

from __future__ import annotations

import io
import zlib

# The debris around an English news article (cookie banner, menus, related links, comments, footer): every HTML
# fixture wraps its speech in some of it, and none of it may reach a passage.
EN_CHROME = {
    "cookie": '<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button></div>',
    "nav": '<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">World News</a></li>'
    '<li><a href="/sport">Sport Section</a></li></ul></nav></header>',
    "sidebar": '<aside class="sidebar"><h3>Related stories</h3><ul><li><a href="/a">Markets rally on rate hopes</a>'
    '</li><li><a href="/b">Weather warning for the weekend</a></li></ul></aside>',
    "comments": '<section class="comments"><h3>Comments</h3><div class="comment"><p>Great speech, finally some help '
    "for families like mine!</p></div></section>",
    "footer": "<footer><p>Copyright 2024 Daily Example News. All rights reserved.</p>"
    '<p><a href="/privacy">Privacy policy</a></p></footer>',
}

PAGE_BOX = (595, 842)  # A4 in points
LEFT = 72
INDENT = 24  # a line given as "\t..." starts this far right of the margin
COLUMN_MARK = "||"  # "left || right": two columns on one row
RIGHT_COLUMN = 320
TOP = 780
LEADING = 16
FONT_SIZE = 11


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[str]], *, cjk: bool = False, info: dict[str, str] | None = None) -> bytes:
    """One text line per list item ("" for an empty line, "left || right" for two columns); a page with no lines
    has a drawing and no text.

    Chinese uses a Type0 font whose codes are the Unicode code points, mapped back by a ToUnicode CMap: no glyphs
    are embedded (nothing would render), but the text layer is exactly what a real Chinese PDF gives a reader.
    """
    objects: list[bytes] = [b"", b""]  # catalog and page tree, filled in last

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    if cjk:
        high = sorted({ord(c) >> 8 for page in pages for line in page for c in line})
        ranges = "".join(f"<{h:02X}00> <{h:02X}FF> <{h:02X}00>\n" for h in high)
        cmap = (
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Adobe-Identity-UCS def "
            "/CMapType 2 def 1 begincodespacerange <0000> <FFFF> endcodespacerange "
            f"{len(high)} beginbfrange\n{ranges}endbfrange endcmap "
            "CMapName currentdict /CMap defineresource pop end end"
        ).encode()
        to_unicode = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap))
        descriptor = add(
            b"<< /Type /FontDescriptor /FontName /NotoSansCJK /Flags 4 /FontBBox [0 -120 1000 880] "
            b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
        )
        cid_font = add(
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NotoSansCJK /CIDSystemInfo << /Registry (Adobe) "
            b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 >>" % descriptor
        )
        font = add(
            b"<< /Type /Font /Subtype /Type0 /BaseFont /NotoSansCJK /Encoding /Identity-H "
            b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid_font, to_unicode)
        )
    else:
        font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")

    kids = []
    for page in pages:
        ops = [] if page else ["0.5 g 72 400 450 300 re f"]  # a grey box where a scan would be
        right_column = []  # written after the whole left column, as a typesetter would
        for row, line in enumerate(page):
            for column, part in enumerate(line.split(COLUMN_MARK)):
                if not part:
                    continue
                x = (RIGHT_COLUMN if column else LEFT) + (INDENT if part.startswith("\t") else 0)
                part = part.lstrip("\t")
                shown = "<" + "".join(f"{ord(c):04X}" for c in part) + ">" if cjk else f"({_escape(part)})"
                (right_column if column else ops).append(
                    f"BT /F1 {FONT_SIZE} Tf {x} {TOP - row * LEADING} Td {shown} Tj ET"
                )
        content = zlib.compress("\n".join(ops + right_column).encode("latin-1"))
        stream = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(content), content))
        kids.append(
            add(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (*PAGE_BOX, font, stream)
            )
        )
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    refs = " ".join(f"{kid} 0 R" for kid in kids).encode()
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))
    trailer = b"/Root 1 0 R"
    if info:
        fields = " ".join(f"/{key} ({_escape(value)})" for key, value in info.items())
        trailer += b" /Info %d 0 R" % add(f"<< {fields} >>".encode("latin-1"))

    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def encrypt_pdf(raw: bytes, user_password: str) -> bytes:
    """RC4 needs no extra package in pypdf (AES would need `cryptography`)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx(title: str, items: list[tuple[str, str]], table: list[list[str]] | None = None) -> bytes:
    """items: (kind, text) with kind "title", "heading" or "p"; core title set, author a clerk's name."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "Clerk of Parliament"
    for kind, text in items:
        if kind == "title":
            document.add_heading(text, level=0)
        elif kind == "heading":
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
