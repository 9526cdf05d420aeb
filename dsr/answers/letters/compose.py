"""Letters from templates: ``templates/letters/<language>/<name>.txt`` (first line the subject,
paragraphs separated by blank lines), addressed from the register's controller to the postal
address a request gives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from dsr.answers.letters.letter import Letter
from dsr.rendering import correspondence_languages, template_env
from dsr.requests.models import Request
from workflows.deadlines import BERLIN

CLOSING = {"de": "Mit freundlichen Grüßen", "en": "Kind regards"}
TEAM = {"de": "Ihr Datenschutz-Team", "en": "Your privacy team"}
CHANNEL = {"de": {"letter": "per Brief", "fax": "per Fax", "phone": "telefonisch",
                  "email": "per E-Mail", "form": "über das Formular", "api": "über die Schnittstelle"},
           "en": {"letter": "by letter", "fax": "by fax", "phone": "by phone", "email": "by e-mail",
                  "form": "on the form", "api": "through the API"}}


def address_lines(name: str, postal_address: str) -> list[str]:
    """The recipient block: the name, then the address split on new lines or commas. An
    address that starts with the name already (as people write it on an envelope) does not
    print it twice."""
    parts = [p.strip() for chunk in postal_address.splitlines() for p in chunk.split(",")]
    parts = [p for p in parts if p]
    if parts and _same_name(parts[0], name):
        parts = parts[1:]
    return [line for line in [name.strip(), *parts] if line][:6]


def _same_name(line: str, name: str) -> bool:
    def words(text: str) -> list[str]:
        return " ".join(text.casefold().replace(".", " ").split()).split()
    return bool(name.strip()) and words(line) == words(name)


DPO = {"de": "Datenschutzbeauftragte/r", "en": "Data protection officer"}


def _dpo_lines(dpo: Mapping[str, Any] | None, language: str) -> list[str]:
    """The letterhead's lines naming the data protection officer, when the register has one."""
    if not dpo:
        return []
    reach = dpo.get("email") or ", ".join(dpo.get("address") or [])
    return [f"{DPO.get(language, DPO['de'])}: {dpo['name']}", *([reach] if reach else [])]


def sender_from_register(register: Mapping[str, Any], language: str = "de") -> dict[str, Any]:
    """The letterhead from the register's controller (and its DPO, if it names one)."""
    controller = register.get("controller", {})
    name = controller.get("name", "")
    lines = list(controller.get("address", []))
    contact = [controller["email"]] if controller.get("email") else []
    return {"sender_name": name, "sender_lines": lines,
            "contact": contact + _dpo_lines(controller.get("dpo"), language),
            "return_line": " · ".join([name, *[x for x in lines if any(c.isdigit() for c in x)]])}


def render_template_letter(template: str, language: str, **context: Any) -> tuple[str, list[str]]:
    """The subject and the paragraphs of a letter template."""
    text = template_env().get_template(f"letters/{language}/{template}.txt").render(**context)
    subject, _, body = text.partition("\n")
    paragraphs = [_paragraph(p) for p in body.split("\n\n") if p.strip()]
    return subject.removeprefix("Subject:").strip(), paragraphs


def _paragraph(chunk: str) -> str:
    """One paragraph of a letter: its lines run on as one text, except that each list item
    (a line starting with ``- ``) starts a line of its own (the PDF breaks the line there)."""
    text = ""
    for line in (" ".join(raw.split()) for raw in chunk.splitlines()):
        if line:
            text = line if not text else text + ("\n" if line.startswith("- ") else " ") + line
    return text


def request_letter(request: Request, template: str, *, register: Mapping[str, Any],
                   letter_date: date, notes: Sequence[str] = (), **context: Any) -> Letter:
    """A letter about ``request`` to the postal address it gives, in its language."""
    language = request.language if request.language in correspondence_languages() else "de"
    name = request.claim("name") or ""
    subject, body = render_template_letter(
        template, language, req=request, name=name,
        received_local=request.received_at.astimezone(BERLIN),
        channel_label=CHANNEL[language].get(request.channel, request.channel), **context)
    sender = sender_from_register(register, language)
    return Letter(recipient=address_lines(name, request.claim("postal_address") or ""),
                  letter_date=letter_date, subject=subject, body=body,
                  reference=request.reference, language=language, notes=tuple(notes),
                  closing=CLOSING[language], signature=(TEAM[language],), **sender)
