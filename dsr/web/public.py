"""The public pages: the request form, its confirmation, and the status page. No login."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from marshmallow import ValidationError
from sqlalchemy import select

from dsr.app import db_session
from dsr.extensions import limiter, submissions_limit
from dsr.models import Channel, Request, RequestType
from dsr.schemas import POLICY_CLAIMS, SubmissionSchema
from dsr.services import intake
from dsr.web.submission import submit_public
from dsr.web.verify import grant

bp = Blueprint("public", __name__)


def _services() -> Any:
    return current_app.extensions["dsr"]


@bp.get("/")
def form() -> Any:
    values = {"shop_token": request.args.get("shop_token", "")[:500]}
    return render_template("form.html", types=list(RequestType), values=values, errors={})


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
        "language": g.lang,
        "shop_token": request.form.get("shop_token", ""),
        **{k: request.form.get(k, "") for k in POLICY_CLAIMS},
    }
    try:
        data = SubmissionSchema().load(raw)
    except ValidationError as exc:
        errors = {k: v[0] if isinstance(v, list) else str(v) for k, v in exc.messages.items()}
        return render_template("form.html", types=list(RequestType), values=raw,
                               errors=errors), 422
    created = submit_public(data, Channel.FORM.value)
    session["submitted"] = created.reference
    return redirect(url_for("public.submitted"))


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
        return render_template("status_lookup.html", error=None)
    reference = request.form.get("reference", "").strip().upper()
    code = request.form.get("code", "").strip().upper()
    found = db_session().scalars(select(Request).where(Request.reference == reference)).first()
    expected = intake.status_code(_services().config.secret_key, reference)
    if found is None or not hmac.compare_digest(code, expected):
        return render_template("status_lookup.html", error="status_not_found"), 404
    grant(found.reference)  # the status page, with code entry, ID upload and withdrawal
    return redirect(url_for("verify.view"))

