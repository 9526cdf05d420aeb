"""Messages as they arrive: built with the standard library, encoded the way real clients do."""

from __future__ import annotations

import io
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def mail(body: str = "", *, subject: str = "", sender: str = "Jürgen Weiß <juergen.weiss@example.org>",
         to: str = "datenschutz@pso.example.org", message_id: str | None = "<m1@example.org>",
         date: datetime | None = None, headers: dict[str, str] | None = None,
         html: str | None = None, charset: str = "utf-8", cte: str | None = None,
         attachments: list[tuple[str, str, bytes]] | None = None,
         reply_to: str | None = None) -> EmailMessage:
    """A message with a plain (or only an HTML) body and optional attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if subject:
        message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    if reply_to:
        message["Reply-To"] = reply_to
    if date:
        message["Date"] = format_datetime(date)
    for key, value in (headers or {}).items():
        message[key] = value
    if html is not None and not body:
        message.set_content(html, subtype="html", charset=charset, cte=cte)
    else:
        message.set_content(body, charset=charset, cte=cte)
        if html is not None:
            message.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments or []:
        maintype, subtype = ctype.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def pdf_with_text(lines: list[str]) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    y = 780
    for line in lines:
        canvas.drawString(72, y, line)
        y -= 16
    canvas.save()
    return out.getvalue()


def pdf_without_text() -> bytes:
    """A scanned page: only shapes, no text layer."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    for i in range(20):
        canvas.rect(60 + i * 5, 600 - i * 12, 300, 4, fill=1)
    canvas.save()
    return out.getvalue()


def id_card_png() -> bytes:
    """A plausible scan of an ID card: big enough, not blank."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(7)
    image = Image.new("RGB", (640, 400), (230, 236, 240))
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(640), rng.randrange(400)
        draw.rectangle((x, y, x + rng.randrange(3, 30), y + rng.randrange(2, 12)),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw.text((40, 40), "PERSONALAUSWEIS  MUSTERMANN ERIKA", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
