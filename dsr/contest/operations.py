"""Contesting an automated decision (Art. 22(3) GDPR): the decision's inputs and result for the
coordinator's review, the review's recorded outcome, and the outcome in writing to the subject.

The decisions come from what the collect tasks gathered (``reports.collected_data``) read
through the register's ``automated_decisions.<name>.evidence``: no second read of any system.
A coordinator records one review per request (which decision, upheld or changed, reasons, the
payment options now offered, the reviewer's role); it can be changed until approval, which is
refused without it. On release the outcome goes out once: by e-mail to the address on file, or
as a DIN 5008 letter for a postal request.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from connectors.capabilities import DataMapped
from dsr.answers import postal
from dsr.answers.article15 import number
from dsr.answers.delivery import DeliveryError, address_on_file
from dsr.answers.letters.compose import CHANNEL, render_template_letter
from dsr.answers.operations import collected_data
from dsr.audit import AuditAction, append_event
from dsr.catalogs import gettext
from dsr.contest.models import REVIEW_OUTCOMES, DecisionReview
from dsr.correspondence import drafts as correspondence
from dsr.correspondence import notices
from dsr.correspondence.models import MessageDraft, OutgoingMail
from dsr.errors import ServiceError
from dsr.norms import in_language
from dsr.rendering import correspondence_languages
from dsr.requests.models import Decision, Request
from workflows.deadlines import BERLIN

if TYPE_CHECKING:
    from dsr.context import Services

CONTEST = "contest_decision"
TEMPLATE = "contest_outcome"
#: Who reviewed the decision: the codes; the subject reads the catalogs' ``ct_role_<code>``.
REVIEWER_ROLES: tuple[str, ...] = ("privacy_coordinator", "data_protection_officer",
                                   "credit_management", "customer_service_lead", "management")
#: States in which the review can be recorded or changed (until approval).
EDITABLE_STATES = ("review",)
MAX_REASONS = 5000


class ReviewError(ServiceError):
    """The review cannot be recorded; the message id names the text the page shows (the
    plain text is "German / English" for the CLI and the API)."""


def _label(value: dict[str, str] | None, lang: str, default: str = "") -> str:
    return (value or {}).get(lang) or (value or {}).get("de") or default


def _day(value: Any) -> date | None:
    try:
        return datetime.fromisoformat(str(value)).date() if value else None
    except ValueError:
        return None


def decisions_taken(register: dict[str, Any], collected: list[dict[str, Any]],
                    lang: str) -> list[dict[str, Any]]:
    """Each automated decision of the register, with its procedure and principles, and every
    time it was taken about the subject (newest first): the inputs (date, bureau, payment
    method asked for, score) and the result (decision, options offered)."""
    found = []
    for name, item in register.get("automated_decisions", {}).items():
        ev = item.get("evidence")
        if not ev:
            continue
        option_labels = {code: _label(label, lang, code)
                         for code, label in item.get("option_labels", {}).items()}
        bands = {b["decision"]: b for b in item.get("bands", [])}
        bureau = in_language(register.get("recipients", {}).get(item["bureau"], {}).get(
            "name", item["bureau"]), lang)
        checks = []
        for spec in (t for f in collected for t in f["tables"]
                     if t["table"] == ev["table"] and not t.get("recipient_only")):
            names = [c["name"] for c in spec["columns"]]
            for values in spec["rows"]:
                row = dict(zip(names, values, strict=False))
                key = row.get(ev.get("key", "id"))
                codes = [o.strip() for o in str(row.get(ev["options"]) or "").split(",")
                         if o.strip()]
                result = str(row.get(ev["result"]) or "")
                requested = str(row.get(ev["requested"]) or "") if ev.get("requested") else ""
                checks.append({
                    "key": f"{name}:{key if key is not None else row.get(ev['date'])}",
                    "date": row.get(ev["date"]), "day": _day(row.get(ev["date"])),
                    "bureau": str(row.get(ev.get("bureau", "")) or bureau),
                    "bureau_reference": str(row.get(ev.get("bureau_reference", "")) or ""),
                    "requested": option_labels.get(requested, requested) if requested else "",
                    "score": number(row.get(ev["score"]), lang),
                    "result": _label(bands.get(result, {}).get("label"), lang, result),
                    "result_code": result,
                    "option_codes": codes,
                    "options": [option_labels.get(c, c) for c in codes]})
        checks.sort(key=lambda c: str(c["date"] or ""), reverse=True)
        found.append({
            "name": name, "label": _label(item["label"], lang), "bureau": bureau,
            "logic": _label(item["logic"], lang),
            "consequences": _label(item["consequences"], lang),
            "bands": [{"min_score": number(b["min_score"], lang),
                       "label": _label(b.get("label"), lang, b["decision"]),
                       "options": [option_labels.get(o, o) for o in b["options"]]}
                      for b in item.get("bands", [])],
            "option_labels": option_labels, "checks": checks})
    return found


def contested(services: Services, session: Session, request: Request,
              lang: str) -> list[dict[str, Any]]:
    """:func:`decisions_taken` for the request, from what its collect tasks gathered."""
    return decisions_taken(services.register, collected_data(session, services.documents,
                                                             request.id), lang)


def collects_from(services: Services, request: Request, connector: str) -> bool:
    """Whether the collect task of ``connector`` reads for this request: always when the
    request discloses data; for a contest alone only where the decisions' records live."""
    if set(request.types) - {CONTEST}:
        return True
    tables = {item["evidence"]["table"]
              for item in services.register.get("automated_decisions", {}).values()
              if item.get("evidence")}
    mapped = services.capable(connector, DataMapped)
    own = {t.name for t in mapped.tables} if mapped is not None else set()
    return bool(tables & own)


def review_of(session: Session, request_id: int) -> DecisionReview | None:
    """The request's recorded review, if any."""
    return session.scalars(select(DecisionReview).where(
        DecisionReview.request_id == request_id)).first()


REVIEW_MISSING = ("„Entscheidungen festhalten…“ bzw. „Änderungen ausführen…“ erst nach der "
                  "menschlichen Überprüfung: bitte zuerst deren Ergebnis erfassen (Art. 22 Abs. 3 "
                  "DSGVO) oder das Recht ablehnen. / “Record the decisions…” or “Carry out the "
                  "changes…” only after the human review: record its outcome first (Art. 22(3) "
                  "GDPR) or refuse the right.")


def needs_review(session: Session, request: Request, refused: set[str]) -> bool:
    """True when the request contests a decision, the coordinator does not refuse that (no
    automated decision was taken, say), and no review's outcome is recorded yet."""
    return (CONTEST in request.types and CONTEST not in refused
            and review_of(session, request.id) is None)


def record_review(services: Services, session: Session, request: Request, *, check_key: str,
                  outcome: str, reasons: str, options: list[str], reviewer_role: str,
                  actor: str, user_id: int | None) -> DecisionReview:
    """Record (or change, until approval) the human review's outcome; audited by hash.

    For ``changed`` the options are the register's codes now offered (not the same as the
    decision offered); for ``upheld`` the decision's own options are kept. An unsent edit of
    the outcome message is dropped, since it no longer says what was decided.
    """
    if CONTEST not in request.types:
        raise ReviewError("Diese Anfrage ficht keine Entscheidung an. / This request contests no "
                          "decision.", msgid="err_contest_none")
    if request.status not in EDITABLE_STATES:
        raise ReviewError("Das Ergebnis kann nur in der Prüfung erfasst werden, vor „Entscheidungen "
                          "festhalten…“ bzw. „Änderungen ausführen…“. / The outcome can only be "
                          "recorded in review, before “Record the decisions…” or “Carry out the "
                          "changes…”.",
                          msgid="err_contest_not_review")
    reasons = reasons.replace("\r\n", "\n").strip()
    if not reasons or len(reasons) > MAX_REASONS:
        raise ReviewError("Begründung: 1 bis {max} Zeichen. / Reasons: 1 to {max} characters.",
                          msgid="err_contest_reasons_length", max=MAX_REASONS)
    if outcome not in REVIEW_OUTCOMES:
        raise ReviewError("Ergebnis: bestätigt oder geändert. / Outcome: upheld or changed.",
                          msgid="err_contest_outcome")
    if reviewer_role not in REVIEWER_ROLES:
        raise ReviewError("Rolle: bitte eine der angebotenen wählen. / Role: choose one of those "
                          "offered.", msgid="err_contest_role")
    taken = {c["key"]: (d, c) for d in contested(services, session, request, "de")
             for c in d["checks"]}
    if check_key not in taken:
        raise ReviewError("Entscheidung: bitte eine der gesammelten wählen. / Decision: choose one "
                          "of those gathered.", msgid="err_contest_decision")
    decision, check = taken[check_key]
    chosen = list(dict.fromkeys(o.strip() for o in options if o.strip()))
    if outcome == "changed":
        unknown = [o for o in chosen if o not in decision["option_labels"]]
        if unknown:
            raise ReviewError("Unbekannte Zahlungsart: {options}. / Unknown payment option: "
                              "{options}.", msgid="err_contest_unknown_option",
                              options=", ".join(unknown))
        if not chosen:
            raise ReviewError("Bei „geändert“ bitte die jetzt angebotenen Zahlungsarten wählen. / "
                              "For “changed”, choose the payment options now offered.",
                              msgid="err_contest_changed_needs_options")
        if set(chosen) == set(check["option_codes"]):
            raise ReviewError("Das sind die bisher angebotenen Zahlungsarten – dann bitte „bestätigt“ "
                              "wählen. / These are the options offered before: choose “upheld”.",
                              msgid="err_contest_same_options")
        order = list(decision["option_labels"])
        chosen.sort(key=order.index)
    else:
        chosen = list(check["option_codes"])
    review = review_of(session, request.id)
    edited = review is not None
    if review is None:
        review = DecisionReview(request_id=request.id)
        session.add(review)
    review.decision, review.check_key, review.outcome = decision["name"], check_key, outcome
    review.reasons, review.options, review.reviewer_role = reasons, chosen, reviewer_role
    review.reviewed_by_id, review.updated_at = user_id, services.clock.now()
    session.flush()
    dropped = session.execute(delete(MessageDraft).where(
        MessageDraft.request_id == request.id, MessageDraft.template == TEMPLATE,
        MessageDraft.sent_at.is_(None))).rowcount  # type: ignore[attr-defined]
    content = json.dumps([check_key, outcome, reasons, chosen, reviewer_role], ensure_ascii=False)
    append_event(session, actor=actor, action=AuditAction.CONTEST_REVIEWED, request_id=request.id,
                 details={"review": review.id, "decision": decision["name"], "edited": edited,
                          "draft_dropped": bool(dropped),
                          "sha256": hashlib.sha256(content.encode()).hexdigest()})
    return review


def message_context(services: Services, session: Session, request: Request) -> dict[str, Any]:
    """What the outcome message says, in the request's language."""
    review = review_of(session, request.id)
    if review is None:
        raise ReviewError("no review recorded for this request")
    lang = request.language if request.language in correspondence_languages() else "de"
    decision = services.register.get("automated_decisions", {}).get(review.decision, {})
    labels = decision.get("option_labels", {})
    checked = next((c["day"] for d in contested(services, session, request, lang)
                    for c in d["checks"] if c["key"] == review.check_key), None)
    return {"outcome": review.outcome, "reasons": review.reasons,
            "options": [_label(labels.get(o), lang, o) for o in review.options],
            "reviewer_role": gettext(lang, f"ct_role_{review.reviewer_role}"),
            "checked_on": checked, "authority": services.register.get("supervisory_authority", {})}


def outcome_preview(services: Services, session: Session, request: Request) -> dict[str, Any]:
    """The outcome message as it will go: the e-mail (with the coordinator's edit, if any),
    or for a postal request the letter's text; and whether it went already."""
    context = message_context(services, session, request)
    received = request.received_at.astimezone(BERLIN)
    lang = request.language if request.language in correspondence_languages() else "de"
    if postal.is_postal(request):
        subject, paragraphs = render_template_letter(
            TEMPLATE, lang, req=request, name=request.claim("name") or "",
            received_local=received,
            channel_label=CHANNEL[lang].get(request.channel, request.channel), **context)
        return {"letter": True, "subject": subject, "body": "\n\n".join(paragraphs),
                "edited": False,
                "sent": postal.stored_letter(session, request.id, TEMPLATE) is not None}
    sent = session.scalar(select(OutgoingMail.id).where(
        OutgoingMail.request_id == request.id, OutgoingMail.template == TEMPLATE))
    draft = correspondence.draft_for(session, request.id, TEMPLATE) if sent is None else (
        session.scalars(select(MessageDraft).where(  # the edit that went, if one did
            MessageDraft.request_id == request.id, MessageDraft.template == TEMPLATE,
            MessageDraft.sent_at.is_not(None))).first())
    rendered = correspondence.render(TEMPLATE, lang, req=request, received_local=received,
                                     **context)
    return {"letter": False, "subject": draft.subject if draft else rendered.subject,
            "body": draft.body if draft else rendered.text, "edited": draft is not None,
            "sent": sent is not None}


def send_outcome(services: Services, session: Session, request: Request) -> dict[str, Any]:
    """The review's outcome in writing, once (a job may run twice): a letter for a postal
    request, else an e-mail to the address on file; a letter too when no address is on file
    but a postal address is given. Where the coordinator refused the contest without a review
    (no automated decision was taken), the refusal with its remedies goes instead. Raises
    ``DeliveryError`` when neither e-mail nor letter is possible."""
    refused = list(session.scalars(select(Decision).where(
        Decision.request_id == request.id, Decision.right == CONTEST,
        Decision.outcome == "refused")))
    if refused and review_of(session, request.id) is None:  # refused, with the remedies
        template = "refusal"
        context = {"decisions": refused,
                   "authority": services.register.get("supervisory_authority", {})}
    else:
        template, context = TEMPLATE, message_context(services, session, request)
    to = address_on_file(request)
    if postal.is_postal(request) or (to is None and request.claim("postal_address")):
        had = postal.stored_letter(session, request.id, template)
        doc = postal.store_letter(services, session, request, template, **context)
        if had is None:
            append_event(session, actor="system", action=AuditAction.CONTEST_OUTCOME_SENT,
                         request_id=request.id, details={"method": "letter", "document": doc.id,
                                                         "template": template})
        return {"sent": had is None, "method": "letter", "letter": doc.id}
    if to is None:
        raise DeliveryError("no e-mail address on file and no postal address; "
                            "the outcome cannot be sent", msgid="err_delivery_no_channel")
    sent = notices.send_once(services, session, request, template, to, **context)
    if sent["sent"]:
        mail_id = session.scalar(select(OutgoingMail.id).where(
            OutgoingMail.request_id == request.id, OutgoingMail.template == template))
        append_event(session, actor="system", action=AuditAction.CONTEST_OUTCOME_SENT,
                     request_id=request.id, details={"method": "email", "mail": mail_id,
                                                     "template": template})
    return {**sent, "method": "email"}
