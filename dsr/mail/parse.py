"""Parsing an incoming e-mail with the standard library's ``email`` package.

Handles multipart and HTML-only mail, quoted-printable and base64, mislabelled charsets
(iso-8859-1 that is really windows-1252), forwarded messages (inline and attached), quoted
replies and signatures, and fax-to-mail PDFs. Pure functions: bytes in, :class:`ParsedMail` out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from dsr.mail.text import html_to_text, strip_quotes_and_signature

MAX_TEXT = 200_000
#: Attachments the policy asks for as "a copy of your ID": images and PDFs (checked by bytes).
ID_COPY_TYPES = ("image/jpeg", "image/png", "application/pdf")
_REFERENCE = re.compile(r"\bDSR-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{7}\b")
_FORWARDED_FROM = re.compile(r"^\s*(?:From|Von):\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_FORWARD_MARK = re.compile(
    r"^-{2,}\s*(Forwarded message|Weitergeleitete Nachricht|Original Message|"
    r"Ursprüngliche Nachricht)\s*-{2,}\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Attachment:
    """One attached file: its bytes, the type detected from them, and their hash."""

    filename: str
    content_type: str
    data: bytes
    part_index: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class ParsedMail:
    """What recognition and intake need from one message."""

    message_id: str
    subject: str
    from_name: str
    from_address: str
    to: list[str]
    date: datetime | None
    received_headers_time: datetime | None
    in_reply_to: list[str]
    references: list[str]
    text: str
    full_text: str
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)
    forwarded: bool = False
    is_report: bool = False
    #: The original sender of a forwarded message (name, address), when it can be read.
    original_from: tuple[str, str] | None = None

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower()) or [""]
        return values[0]

    def all_headers(self, name: str) -> list[str]:
        return self.headers.get(name.lower(), [])

    @property
    def header_time(self) -> datetime | None:
        """The receipt time the message itself carries: newest Received header, else Date."""
        return self.received_headers_time or self.date

    def references_in_subject(self) -> list[str]:
        return _REFERENCE.findall(self.subject)


def decode_part(part: Message) -> str:
    """A text part's content as str; latin-1 labels are read as windows-1252 (its superset)."""
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        return str(part.get_payload() or "")
    charset = (part.get_content_charset() or "utf-8").lower()
    if charset in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso8859-1"):
        charset = "cp1252"
    for candidate in (charset, "utf-8", "cp1252"):
        try:
            return raw.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", errors="replace")


def _detect_type(data: bytes, declared: str) -> str:
    try:
        import magic

        return str(magic.from_buffer(data[:4096], mime=True))
    except Exception:  # noqa: BLE001 - libmagic missing: fall back on the declared type
        return declared


def header_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def newest_received(values: list[str]) -> datetime | None:
    """The newest time among ``Received`` headers (the date follows the last ';')."""
    times = [d for v in values if ";" in v and (d := header_date(v.rsplit(";", 1)[1])) is not None]
    return max(times) if times else None


def _headers(msg: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for key, value in msg.items():
        found.setdefault(key.lower(), []).append(" ".join(str(value).split()))
    return found


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _walk(msg: Message, texts: list[str], htmls: list[str], attachments: list[Attachment],
          inner: list[Message]) -> None:
    """Collect body texts and attachments; the index is the part's position in ``walk()``.

    Text inside an attached message is left to that message's own parse; its files are
    collected here so that the evidence copy can leave them out by index.
    """
    nested: set[int] = set()
    for index, part in enumerate(msg.walk()):
        ctype = part.get_content_type()
        if part.is_multipart():
            if ctype == "message/rfc822" and id(part) not in nested:
                payload = part.get_payload()
                if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                    inner.append(payload[0])
                    nested.update(id(p) for p in payload[0].walk())
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename() or ""
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            if id(part) not in nested:
                (texts if ctype == "text/plain" else htmls).append(decode_part(part))
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes) and data:
            attachments.append(Attachment(filename=filename or f"part-{index}",
                                          content_type=_detect_type(data, ctype), data=data,
                                          part_index=index))


def _body_text(texts: list[str], htmls: list[str]) -> str:
    if any(t.strip() for t in texts):
        return "\n\n".join(t for t in texts if t.strip())
    return "\n\n".join(html_to_text(h) for h in htmls)


def parse_message(raw: bytes) -> ParsedMail:
    """Parse raw RFC 5322 bytes; never raises on malformed mail (defects are tolerated)."""
    msg = message_from_bytes(raw, policy=policy.compat32)
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    inner: list[Message] = []
    _walk(msg, texts, htmls, attachments, inner)
    body = _body_text(texts, htmls)[:MAX_TEXT]
    headers = _headers(msg)
    name, address = (getaddresses([str(msg.get("From", ""))]) or [("", "")])[0]
    forwarded, original = False, None
    if inner:  # forwarded as an attachment: the original is what the requester wrote
        inner_parsed = parse_message(inner[0].as_bytes())
        body = (strip_quotes_and_signature(body) + "\n\n" + inner_parsed.full_text).strip()
        forwarded, original = True, (inner_parsed.from_name, inner_parsed.from_address)
    elif mark := _FORWARD_MARK.search(body):
        forwarded = True
        sender = _FORWARDED_FROM.search(body, mark.end())
        if sender:
            found = getaddresses([sender.group(1)])
            original = (found[0][0].strip(), found[0][1].strip().lower()) if found else None
    from email.header import decode_header, make_header

    def _decoded(value: str) -> str:
        try:
            return str(make_header(decode_header(value)))
        except Exception:  # noqa: BLE001 - broken encoded-words stay as they came
            return value

    subject = " ".join(_decoded(str(msg.get("Subject", ""))).split())
    return ParsedMail(
        message_id=(_ids(str(msg.get("Message-ID", ""))) or [""])[0],
        subject=subject,
        from_name=_decoded(name).strip(),
        from_address=address.strip().lower(),
        to=[a.lower() for _, a in getaddresses([str(v) for v in msg.get_all("To", []) +
                                                 msg.get_all("Cc", [])]) if a],
        date=header_date(str(msg.get("Date", ""))),
        received_headers_time=newest_received([str(v) for v in msg.get_all("Received", [])]),
        in_reply_to=_ids(str(msg.get("In-Reply-To", ""))),
        references=_ids(str(msg.get("References", ""))),
        text=strip_quotes_and_signature(body),
        full_text=body,
        attachments=attachments,
        headers=headers,
        forwarded=forwarded,
        original_from=original if original and original[1] else None,
        is_report=msg.get_content_type() == "multipart/report",
    )


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF (a fax turned into mail); empty when it is only a scan."""
    try:
        import io

        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        return "\n".join((page.extract_text() or "") for page in reader.pages[:20]).strip()
    except Exception:  # noqa: BLE001 - a broken PDF has no usable text; it goes to triage
        return ""


def without_parts(raw: bytes, part_indexes: set[int], note: str) -> bytes:
    """The message with the given leaf parts replaced by a short text note (evidence copy)."""
    msg = message_from_bytes(raw, policy=policy.compat32)
    for index, part in enumerate(msg.walk()):
        if index in part_indexes and not part.is_multipart():
            data = part.get_payload(decode=True)
            hashed = hashlib.sha256(data if isinstance(data, bytes) else b"").hexdigest()
            filename = part.get_filename() or ""
            for key in list(part.keys()):
                del part[key]
            part["Content-Type"] = 'text/plain; charset="utf-8"'
            part["Content-Transfer-Encoding"] = "8bit"
            part["X-DSR-Removed"] = f"{note}; sha256={hashed}"
            part.set_payload(f"[{note}: {filename} sha256={hashed}]\n".encode(), charset=None)
    return msg.as_bytes()
