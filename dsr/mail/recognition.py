"""Recognition: which rights a message asks for, in which language, and what to do with it.

Rules you can explain (``recognition_rules``): each matched pattern adds its weight to a type;
the subject counts double (it is the writer's own summary). The primary type is the one with
the highest score (ties: the one named first); further types are kept when they score at
least 4 (an article or an explicit statement, not a passing mention). The confidence is half strength (how much evidence, saturating at 8 points) and half
margin (how far the primary type is ahead of the next). The deciding words are the matched
phrases, so a coordinator sees why.

Actions: ``request`` (a new data-subject request), ``reply`` (to one of ours: reference in the
subject or our Message-ID in In-Reply-To/References), ``reminder`` (about an earlier request),
``triage`` (spam, auto-replies, bounces, complaints, questions, fax pages without text:
a person looks at it; nothing is dropped).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any

from dsr.mail.parse import ParsedMail
from dsr.mail.recognition_rules import (
    CONTEXT,
    DE_WORDS,
    EN_WORDS,
    OTHER_RULES,
    TYPE_RULES,
    Rule,
    folded,
)

REQUEST_THRESHOLD = 3
#: A further type needs more than a passing mention: an article or an explicit statement.
SECONDARY_THRESHOLD = 4
STRENGTH_SATURATION = 8
PER_RULE_CAP = 3
_TOKEN = re.compile(r"[a-zäöüß]+", re.IGNORECASE)
_AUTO_SUBJECT = re.compile(
    r"^(?:automatische antwort|auto(?:matic)?[- ]?reply|abwesenheit|out of (?:the )?office|"
    r"autoreply|auto-antwort|ich bin (?:zurzeit|derzeit) nicht)", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|unzustellbar|returned mail|mail delivery failed|"
    r"nicht zustellbar|delivery (?:has )?failed", re.IGNORECASE)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster)@", re.IGNORECASE)


@dataclass
class Recognition:
    """The classifier's verdict on one message (JSON-safe through :meth:`as_dict`)."""

    types: list[str]
    language: str
    confidence: float
    action: str
    words: list[str]
    reason: str = ""
    references: list[str] = field(default_factory=list)
    scores: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect_language(text: str) -> str:
    """German or English by counting common function words; German wins ties (a German shop)."""
    tokens = list(map(str.lower, _TOKEN.findall(text)))
    head = text.lower()[:5000]
    de = sum(map(DE_WORDS.__contains__, tokens)) + 2 * sum(map(head.count, "äöüß")) // 4
    en = sum(map(EN_WORDS.__contains__, tokens))
    return "en" if en > de else "de"


def _score(rules: Iterable[Rule], subject: str, body: str
           ) -> tuple[dict[str, int], dict[str, list[str]], dict[str, int]]:
    scores: dict[str, int] = {}
    words: dict[str, list[str]] = {}
    first: dict[str, int] = {}
    texts = ((2, subject, folded(subject), 0), (1, body, folded(body), len(subject) + 1))
    for rule in rules:
        for weight, text, lower, offset in texts:
            if not rule.may_match(lower):  # none of the words its every match contains
                continue
            hits = list(islice(rule.pattern.finditer(text), PER_RULE_CAP))
            if not hits:
                continue
            scores[rule.target] = scores.get(rule.target, 0) + rule.weight * weight * len(hits)
            found = words.setdefault(rule.target, [])
            for hit in hits:
                phrase = " ".join(hit.group(0).split())[:60]
                if phrase not in found:
                    found.append(phrase)
            first[rule.target] = min(first.get(rule.target, 10**9), offset + hits[0].start())
    return scores, words, first


def score_types(subject: str, body: str) -> tuple[list[str], float, list[str], dict[str, int]]:
    """Types (primary first), confidence, deciding words and raw scores of subject and body."""
    scores, words, first = _score(TYPE_RULES, subject, body)
    if not scores:
        return [], 0.0, [], {}
    ranked = sorted(scores, key=lambda k: (-scores[k], first[k]))
    top = ranked[0]
    context = CONTEXT.search(subject + "\n" + body)
    if context:
        scores[top] += 1
    best = scores[top]
    second = scores[ranked[1]] if len(ranked) > 1 else 0
    types = [top] + [k for k in ranked[1:] if scores[k] >= SECONDARY_THRESHOLD]
    strength = min(1.0, best / STRENGTH_SATURATION)
    confidence = round(0.5 * strength + 0.5 * (best - second) / best, 2)
    deciding = [w for kind in types for w in words[kind]][:10]
    if context:
        deciding.append(" ".join(context.group(0).split()))
    return types, confidence, deciding, scores


def _auto_reply(mail: ParsedMail) -> bool:
    auto = mail.header("auto-submitted").lower()
    return bool((auto and not auto.startswith("no")) or mail.header("x-autoreply")
                or mail.header("x-autorespond") or _AUTO_SUBJECT.search(mail.subject)
                or mail.header("precedence").lower() in ("auto_reply", "auto-reply"))


def _bounce(mail: ParsedMail) -> bool:
    """A delivery report: multipart/report, from the mailer daemon, or a bounce subject with the
    null return path that bounces carry."""
    null_sender = mail.header("return-path").strip() == "<>"
    return bool(mail.is_report or _BOUNCE_SENDER.search(mail.from_address)
                or (_BOUNCE_SUBJECT.search(mail.subject) and null_sender))


def _spam_flagged(mail: ParsedMail) -> bool:
    return (mail.header("x-spam-flag").upper().startswith("YES")
            or mail.header("x-spam-status").lower().startswith("yes"))


def classify_text(subject: str, body: str) -> Recognition:
    """Types, language and the text-only action (request, reminder or triage) of a text."""
    types, confidence, words, scores = score_types(subject, body)
    language = detect_language(subject + "\n" + body)
    other, other_words, _ = _score(OTHER_RULES, subject, body)
    best = max(scores.values(), default=0)
    rec = Recognition(types=types, language=language, confidence=confidence, action="request",
                      words=words, scores=scores)
    if other.get("spam", 0) >= 4 and best < 2 * other["spam"]:
        rec.action, rec.reason, rec.words = "triage", "spam", other_words["spam"]
    elif other.get("complaint", 0) >= 4 and other["complaint"] >= other.get("reminder", 0):
        rec.action, rec.reason = "triage", "complaint"
        rec.words = other_words["complaint"] + words
        rec.confidence = min(1.0, other["complaint"] / STRENGTH_SATURATION)
    elif other.get("reminder", 0) >= 5:
        rec.action, rec.reason = "reminder", "reminder"
        rec.words = other_words["reminder"] + words
        rec.confidence = min(1.0, other["reminder"] / STRENGTH_SATURATION)
    elif best < REQUEST_THRESHOLD:
        rec.action, rec.reason = "triage", "question" if body.strip() or subject else "empty"
    return rec


def classify(mail: ParsedMail, *, is_ours: Callable[[list[str], list[str]], bool] | None = None
             ) -> Recognition:
    """Classify a parsed message. ``is_ours(references, message_ids)`` says whether one of the
    references (``DSR-…``) or Message-IDs points to a request of ours; without it, a reference
    in the subject is taken as ours (``dsr mail classify`` stores and looks up nothing)."""
    rec = classify_text(mail.subject, mail.text)
    refs = mail.references_in_subject()
    ids = mail.in_reply_to + mail.references
    rec.references = refs
    if _bounce(mail):
        rec.action, rec.reason, rec.words = "triage", "bounce", [mail.subject[:60]]
    elif _auto_reply(mail):
        rec.action, rec.reason, rec.words = "triage", "auto_reply", [mail.subject[:60]]
    elif _spam_flagged(mail):
        rec.action, rec.reason = "triage", "spam"
    elif rec.reason == "spam":
        pass
    elif (is_ours(refs, ids) if is_ours else bool(refs)):
        if rec.action != "reminder":
            rec.action, rec.reason = "reply", "reference"
    elif not mail.text.strip() and not mail.subject.strip():
        rec.action, rec.reason = "triage", "empty"
    return rec


def classify_raw(raw: bytes) -> Recognition:
    """Parse and classify raw message bytes (``dsr mail classify``); stores nothing."""
    from dsr.mail.parse import parse_message

    mail = parse_message(raw)
    if not mail.text.strip():
        fax_text = fax_pdf_text(mail)
        if fax_text is not None:
            rec = classify_text(mail.subject, fax_text)
            if not fax_text.strip():
                rec.action, rec.reason, rec.words = "triage", "fax_without_text", []
            return rec
    return classify(mail)


def fax_pdf_text(mail: ParsedMail) -> str | None:
    """The text of the PDFs a mail carries without text of its own (fax-to-mail); None when it
    carries no PDF."""
    from dsr.mail.parse import pdf_text

    pdfs = [a for a in mail.attachments if a.content_type == "application/pdf"]
    if not pdfs:
        return None
    return "\n\n".join(pdf_text(a.data) for a in pdfs).strip()
