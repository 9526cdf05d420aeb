"""The public pages: the request form, its confirmation, and the status page. No login."""

from __future__ import annotations

import hmac
import unicodedata
from typing import Any

from babel import Locale
from babel.numbers import format_decimal
from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from marshmallow import Schema, ValidationError, validate
from sqlalchemy import select

from connectors.datamap_schema import RECTIFIABLE_FIELDS
from dsr.changes import rectification, withdrawal
from dsr.extensions import limiter, submissions_limit
from dsr.rendering import correspondence_language
from dsr.requests import form_views, intake, privacy_notice
from dsr.requests.models import Channel, Request, RequestType
from dsr.requests.schemas import (
    EMAIL_CONFLICT,
    NO_SUCH_DAY,
    NOT_PLAUSIBLE,
    POLICY_CLAIMS,
    CorrectionValuesSchema,
    SubmissionSchema,
)
from dsr.requests.submission_views import consent_kinds, rectifiable_fields, submit_public
from dsr.security.pow import DIFFICULTY as POW_DIFFICULTY
from dsr.verification.views import confirm_as_status_code, grant
from dsr.web.context import db_session
from dsr.web.retry import RetryInfo

bp = Blueprint("public", __name__)


def _services() -> Any:
    return current_app.extensions["dsr"]


#: The form's inputs for corrected values are named ``correct_<field>``.
CORRECT_PREFIX = "correct_"
#: Countries offered for a corrected address (EU, EEA, Switzerland, United Kingdom).
COUNTRIES = ("AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR",
             "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT",
             "RO", "SE", "SI", "SK")


#: Text fields of the form: their line breaks are sent as CR LF and counted as one character
#: by the browser's ``maxlength``, so they are made LF before the server counts.
MULTILINE = ("postal_address", "message", "deliver_to", "correction_note")


def max_lengths(schema: Schema) -> dict[str, int]:
    """Field -> the longest value the schema takes (its ``Length`` validators), so that the
    form's ``maxlength`` attributes are the server's limits."""
    found: dict[str, int] = {}
    for name, field in schema.fields.items():
        for check in field.validators:
            if isinstance(check, validate.Length) and check.max is not None:
                found[name] = min(check.max, found.get(name, check.max))
    return found


MAX_LENGTHS = max_lengths(SubmissionSchema())
CORRECTION_MAX_LENGTHS = max_lengths(CorrectionValuesSchema())


def sort_key(label: str) -> str:
    """A label's place in an alphabetical list, as German dictionaries sort (DIN 5007-1:
    umlauts as their base letter, ß as ss, case and accents ignored); locale-independent."""
    decomposed = unicodedata.normalize("NFKD", label.casefold().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _form_page(values: dict[str, Any], errors: dict[str, Any],
               retry: RetryInfo | None = None) -> str:
    """The form with what was typed, its mistakes (summary and per field) and, past the rate
    limit, when to try again and the other ways to ask."""
    lang = g.get("lang", "de")
    names = Locale.parse(lang).territories
    rectifiable = list(rectifiable_fields())
    too_long = {name: format_decimal(MAX_LENGTHS[name], locale=lang)
                for name in errors.get("too_long", ())}
    found = form_views.problems(errors, too_long, values, rectifiable)
    return render_template(
        "form.html", types=list(RequestType), values=values, errors=errors, problems=found,
        field_errors={p.field: p.text for p in found}, retry=retry,
        rectifiable=rectifiable, maxlength=MAX_LENGTHS, consent_kinds=consent_kinds(), lang=lang,
        correction_maxlength=CORRECTION_MAX_LENGTHS, pow_difficulty=POW_DIFFICULTY,
        countries=sorted(((code, names.get(code, code)) for code in COUNTRIES),
                         key=lambda pair: (sort_key(pair[1]), pair[1])))


@bp.get("/")
def form() -> Any:
    values = {"shop_token": request.args.get("shop_token", "")[:500]}
    return _form_page(values, {})


@bp.post("/")
@submissions_limit
def submit() -> Any:
    raw = {
        "types": request.form.getlist("types"),
        "name": request.form.get("name", ""),
        "email": request.form.get("email", ""),
        "customer_number": request.form.get("customer_number", ""),
        "postal_address": request.form.get("postal_address", ""),
        "message": request.form.get("message", ""),
        "language": correspondence_language(g.lang),
        "shop_token": request.form.get("shop_token", ""),
        **{k: request.form.get(k, "") for k in POLICY_CLAIMS},
        "corrections": {k.removeprefix(CORRECT_PREFIX): v for k, v in request.form.items()
                        if k.startswith(CORRECT_PREFIX) and v.strip()},
        "correction_note": request.form.get("correction_note", ""),
        "consents": request.form.getlist("consents"),
        "restriction_ground": request.form.get("restriction_ground", ""),
    }
    for name in MULTILINE:
        value = raw.get(name)
        if isinstance(value, str):
            raw[name] = value.replace("\r\n", "\n")
    try:
        data = SubmissionSchema().load(raw)
        unknown = rectification.unavailable(data["corrections"], rectifiable_fields())
        if unknown:
            raise ValidationError({"corrections": {name: ["unknown"] for name in unknown}})
        if withdrawal.unknown_consents(data["consents"], consent_kinds()):
            raise ValidationError({"consents": ["unknown"]})
    except ValidationError as exc:
        return _form_page(raw, _form_errors(exc.normalized_messages())), 422
    created = submit_public(data, Channel.FORM.value)
    session["submitted"] = created.reference
    return redirect(url_for("public.submitted"))


def _form_errors(messages: dict[str, Any]) -> dict[str, Any]:
    """Field -> first message; for the corrections, ``correct`` maps each field to the text
    key of its message, and ``corrections`` says rectification was not ticked."""
    errors: dict[str, Any] = {k: v[0] if isinstance(v, list) else str(v)
                              for k, v in messages.items() if k != "corrections"}
    # Too long is its own message (the field's own one says what a valid value looks like).
    too_long = [k for k, v in errors.items() if k in MAX_LENGTHS
                and str(v).startswith("Longer than maximum length")]
    if too_long:
        errors["too_long"] = too_long
    found = messages.get("corrections")
    if isinstance(found, list):
        errors["corrections"] = "error_corrections_without_rectification"
    elif isinstance(found, dict):
        errors["correct"] = {name: _correction_error(name, text) for name, text in found.items()}
    return errors


def _correction_error(name: str, messages: Any) -> str:
    first = messages[0] if isinstance(messages, list) and messages else str(messages)
    if name not in RECTIFIABLE_FIELDS or first in ("Unknown field.", "unknown"):
        return "error_correct_unknown"
    if name == "birth_date" and first in (NO_SUCH_DAY, NOT_PLAUSIBLE):
        return ("error_correct_birth_date_no_such_day" if first == NO_SUCH_DAY
                else "error_correct_birth_date_range")
    return "error_correct_email_conflict" if first == EMAIL_CONFLICT else f"error_correct_{name}"


@bp.get("/privacy")
def privacy() -> Any:
    """The privacy notice for the processing of a request itself (Art. 13 GDPR): controller,
    purpose, legal basis, recipients and retention from the register, rights, authority."""
    lang = g.get("lang", "de")
    return render_template("privacy_request.html",
                           notice=privacy_notice.notice(_services().register, lang))


@bp.get("/submitted")
def submitted() -> Any:
    reference = session.get("submitted")
    if not reference:
        return redirect(url_for("public.form"))
    return render_template("submitted.html", reference=reference)


@bp.route("/status", methods=["GET", "POST"])
@limiter.limit("30/hour", methods=["POST"])
def status() -> Any:
    if request.method == "GET":
        return render_template("status_lookup.html", error=None,
                               reference=request.args.get("reference", "")[:20])
    reference = request.form.get("reference", "").strip().upper()
    code = request.form.get("code", "").strip().upper()
    found = db_session().scalars(select(Request).where(Request.reference == reference)).first()
    expected = intake.status_code(_services().config.secret_key, reference)
    if found is None or not (hmac.compare_digest(code, expected)
                             or confirm_as_status_code(found, code)):
        return render_template("status_lookup.html", error="status_not_found",
                               reference=reference), 404
    grant(found.reference)  # the status page, with code entry, ID upload and withdrawal
    return redirect(url_for("verify.view"))

