"""For the badge, desk and check-in tests: delegates in every script, staff, and reading the PDFs back.

The delegates themselves come from support.factories.make_delegate (through the registration service).
"""
from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path

from support.redis_check import answering_redis
from summit.models import BadgeJob, ConsoleUser
from summit.plumbing.extensions import db
from summit.services.console.accounts import issue_token, save_user

# One delegate per script the issue names; the native name is what must print.
SCRIPTS = {
    "chinese": ("Wei", "Zhang", "张伟", "CN"),
    "cyrillic": ("Ivan", "Petrov", "Иван Петров", "RU"),
    "arabic": ("Layla", "Haddad", "ليلى حداد", "JO"),
    "thai": ("Somchai", "Srisuk", "สมชาย ศรีสุข", "TH"),
    "lao": ("Bounmy", "Phommachanh", "ບຸນມີ ພົມມະຈັນ", "LA"),
    "khmer": ("Sokha", "Chan", "សុខា ចាន់", "KH"),
    "sinhala": ("Nimal", "Perera", "නිමල් පෙරේරා", "LK"),
    "tamil": ("Kumar", "Raman", "குமார் ராமன்", "IN"),
    "devanagari": ("Priya", "Sharma", "प्रिया शर्मा", "NP"),
    "ethiopic": ("Abebe", "Bekele", "አበበ በቀለ", "ET"),
    "mongolian_cyrillic": ("Bat-Erdene", "Dorj", "Бат-Эрдэнэ Өлзийбаяр", "MN"),
    "vietnamese": ("Ánh", "Nguyễn", "Nguyễn Thị Ngọc Ánh Hồ Quỳnh Hương", "VN"),
}


def staff_user(email="door@example.org", role="staff") -> ConsoleUser:
    return save_user(email, role, "a long enough password")


def staff_token(email="scanner@example.org", role="staff") -> str:
    staff_user(email, role)
    return issue_token(email, "test")[1]


def login(client, user: ConsoleUser) -> None:
    with client.session_transaction() as s:
        s["_user_id"] = user.get_id()
        s["_fresh"] = True


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"text-{secrets.token_hex(4)}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def decode_qr_codes(pdf: bytes, tmp_path: Path, page: int = 1) -> list[str]:
    """Render one page to an image and read every QR on it with a real decoder (zbar)."""
    assert shutil.which("zbarimg") and shutil.which("pdftoppm"), "zbar-tools and poppler-utils are needed"
    stem = tmp_path / f"page-{secrets.token_hex(4)}"
    stem.with_suffix(".pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                    str(stem.with_suffix(".pdf")), str(stem)], check=True)
    result = subprocess.run(["zbarimg", "--quiet", "-Sdisable", "-Sqrcode.enable", "--raw",
                             str(stem.with_suffix(".png"))], capture_output=True, text=True)
    return [line for line in result.stdout.splitlines() if line.strip()]


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    from io import BytesIO

    from pypdf import PdfReader

    pt = 25.4 / 72
    return [(round(float(p.mediabox.width) * pt, 1), round(float(p.mediabox.height) * pt, 1))
            for p in PdfReader(BytesIO(pdf)).pages]


def missing_glyphs(pdf: bytes) -> list[tuple[str, int]]:
    """Every glyph a page shows that its font does not have: (font, glyph id).

    WeasyPrint embeds fonts as CID fonts whose subsets keep the original glyph
    ids; each shown string is 2-byte codes, mapped to glyphs by Identity-H or,
    when the font lacks a character, by a CMap sending that code to glyph 0
    (.notdef, the empty box).  Any glyph 0, or an id past the end of the font,
    is a character that prints as a box.
    """
    from io import BytesIO

    from fontTools.ttLib import TTFont
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(BytesIO(pdf))
    glyph_counts: dict[int, int] = {}
    missing = []

    def glyph_count(font) -> int:
        key = id(font)
        if key not in glyph_counts:
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            glyph_counts[key] = TTFont(BytesIO(program.get_object().get_data()))["maxp"].numGlyphs
        return glyph_counts[key]

    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        font, name, cmap = None, "", {}
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                name = operands[0]
                font = fonts[name].get_object()
                encoding = font["/Encoding"]
                cmap = {} if encoding == "/Identity-H" else {
                    int(code, 16): int(cid) for code, cid in
                    re.findall(rb"<([0-9a-fA-F]{4})>\s+(\d+)", encoding.get_object().get_data())}
                continue
            if operator == b"Tj":
                strings = [operands[0]]
            elif operator == b"TJ":
                strings = [item for item in operands[0] if not hasattr(item, "as_numeric")]
            else:
                continue
            limit = glyph_count(font)
            for text in strings:
                data = text.original_bytes if hasattr(text, "original_bytes") else bytes(text)
                for i in range(0, len(data) - 1, 2):
                    code = int.from_bytes(data[i:i + 2], "big")
                    gid = cmap.get(code, code)
                    if gid == 0 or gid >= limit:
                        missing.append((str(name), gid))
    return missing


def in_text(name: str, text: str) -> bool:
    """Is the name in the extracted PDF text?

    Exactly, for every script whose text survives extraction.  PDF text comes
    from a per-font glyph → text table (ToUnicode), which cannot express what
    complex scripts do with clusters: Thai and Sinhala vowel signs shared
    between clusters, Devanagari's reordered ि, Arabic ligatures read back in
    visual order.  For names in those scripts (they carry combining marks or
    are right to left), each word's letters must all be on one line of the
    text; that their marks were drawn with real glyphs is missing_glyphs' job.
    """
    import unicodedata
    from collections import Counter

    name = unicodedata.normalize("NFC", name)
    if squash(name) in unicodedata.normalize("NFC", squash(text)):
        return True
    complex_script = any(unicodedata.category(c) in ("Mn", "Mc") or unicodedata.bidirectional(c) in ("R", "AL")
                         for c in name)
    if not complex_script:
        return False

    def letters(s: str) -> Counter:
        return Counter(c for c in unicodedata.normalize("NFKC", s) if unicodedata.category(c).startswith("L"))

    lines = [letters(line) for line in text.splitlines()]
    return all(any(all(line[c] >= n for c, n in letters(word).items()) for line in lines)
               for word in name.split())


def squash(text: str) -> str:
    """Text without whitespace: names may wrap anywhere in a narrow box."""
    return re.sub(r"\s+", "", text)


def wait_for(job_id: int, timeout: float = 120, on_progress=None) -> BadgeJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()  # a fresh read each time
        # populate_existing: with no transaction open (a service committed keeping its state), the
        # rollback expires nothing, and get() would hand back the job as this session last saw it
        job = db.session.get(BadgeJob, job_id, populate_existing=True)
        if on_progress:
            on_progress(job)
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job.status} after {timeout}s")


def redis_url() -> str | None:
    """The Redis the RQ tests use (SUMMIT_TEST_REDIS_URL; db 15 here), or None when none answers."""
    return answering_redis("SUMMIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
