"""What the ID-copy pipeline draws and measures: the watermark a coordinator sees, and the
test for a blank or near-blank image."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = Path(__file__).resolve().parents[1] / "fonts" / "DejaVuSans-Bold.ttf"
MARK = "nur zur Identitätsprüfung / only for identity verification"
#: A pixel counts as ink when it differs this much from the page's typical grey.
INK_DELTA = 40
#: Below this share of ink pixels an image counts as blank.
MIN_INK = 0.004


def blank_image(image: Image.Image) -> bool:
    """True when next to nothing on the image differs from its background."""
    small = image.convert("L")
    small.thumbnail((256, 256))
    histogram = small.histogram()
    total = sum(histogram)
    running, median = 0, 0
    for level, count in enumerate(histogram):
        running += count
        if running * 2 >= total:
            median = level
            break
    ink = sum(count for level, count in enumerate(histogram) if abs(level - median) > INK_DELTA)
    return ink / total < MIN_INK


def watermark_image(data: bytes, content_type: str, reference: str) -> bytes:
    """The image with the mark written across it, diagonally and repeated."""
    image = Image.open(io.BytesIO(data)).convert("RGBA")
    size = max(14, image.width // 28)
    font = ImageFont.truetype(str(FONT), size)
    text = f"{MARK} · {reference}"
    tile = Image.new("RGBA", (image.width * 2, image.height * 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    step = size * 4
    for row, y in enumerate(range(0, tile.height, step)):
        draw.text(((row % 2) * size * 6 - size * 8, y), (text + "   ") * 4, font=font,
                  fill=(200, 0, 0, 110))
    tile = tile.rotate(30, center=(tile.width // 2, tile.height // 2))
    left, top = image.width // 2, image.height // 2
    image.alpha_composite(tile.crop((left, top, left + image.width, top + image.height)))
    out = io.BytesIO()
    if content_type == "image/jpeg":
        image.convert("RGB").save(out, format="JPEG", quality=85)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def _overlay(width: float, height: float, reference: str) -> PdfReader:
    if "DSRMark" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DSRMark", str(FONT)))
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(width, height))
    sheet.setFillColorRGB(0.8, 0, 0, alpha=0.35)
    sheet.setFont("DSRMark", 14)
    sheet.translate(width / 2, height / 2)
    sheet.rotate(30)
    for offset in range(-int(height), int(height), 60):
        sheet.drawCentredString(0, offset, f"{MARK} · {reference}")
    sheet.save()
    return PdfReader(io.BytesIO(buffer.getvalue()))


def watermark_pdf(data: bytes, reference: str) -> bytes:
    """Every page of the PDF with the mark stamped over it."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        box = page.mediabox
        page.merge_page(_overlay(float(box.width), float(box.height), reference).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
