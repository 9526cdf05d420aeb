"""Plain text from mail bodies: HTML to text, quoted replies and signatures removed.

What the requester wrote in *this* message decides its type; the quoted text of our own
acknowledgement below it ("Auskunft", "Löschung" ...) must not.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
          "blockquote", "section", "article", "header", "footer"}
_SKIP = {"script", "style", "head", "title"}

#: A reply header above a quoted original ("Am 3. März 2026 schrieb X:", "On ... wrote:").
_REPLY_HEADER = re.compile(
    r"^\s*(Am\s.{4,120}\s(schrieb|hat)\b.{0,120}:|On\s.{4,160}\swrote:|"
    r"-{2,}\s*(Original Message|Ursprüngliche Nachricht)\s*-{2,}|"
    r"(Von|From):\s.+\n\s*(Gesendet|Sent|Datum|Date):)", re.IGNORECASE | re.MULTILINE)
_FORWARD_HEADER = re.compile(
    r"^\s*-{2,}\s*(Forwarded message|Weitergeleitete Nachricht)\s*-{2,}\s*$",
    re.IGNORECASE | re.MULTILINE)
#: Sign-offs after which only a signature follows ("-- " is the standard delimiter).
_SIGNATURE = re.compile(r"^(-- ?|__+|Sent from my \w+.*|Von meinem \w+ gesendet.*)$",
                        re.MULTILINE)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        if tag == "blockquote":
            self._quote += 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag == "blockquote" and self._quote:
            self._quote -= 1
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            text = re.sub(r"\s+", " ", data)
            self.parts.append(("> " + text.strip()) if self._quote and text.strip() else text)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body (blockquotes become '>' lines like a plain reply)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - broken HTML: fall back on stripping the tags
        return unescape(re.sub(r"<[^>]+>", " ", html))
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quotes_and_signature(text: str) -> str:
    """The new text of a message: no '>' lines, nothing below a reply header or signature.

    A forwarded message is kept whole: what was forwarded is the request.
    """
    text = text.replace("\r\n", "\n")
    forward = _FORWARD_HEADER.search(text)
    head, tail = (text[:forward.start()], text[forward.start():]) if forward else (text, "")
    reply = _REPLY_HEADER.search(head)
    if reply and reply.start() > 0:
        head = head[:reply.start()]
    signature = _SIGNATURE.search(head)
    if signature and signature.start() > 0:
        head = head[:signature.start()]
    kept = [line for line in head.splitlines() if not line.lstrip().startswith(">")]
    return ("\n".join(kept).strip() + ("\n\n" + tail.strip() if tail else "")).strip()
