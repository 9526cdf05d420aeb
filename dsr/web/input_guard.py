"""Every input path refuses what cannot be stored with a 400 and a clear message (never a
500): NUL characters and lone surrogates in the path, the query, form fields and JSON; JSON
nested too deeply, integers too long to parse or too large for a column. See dsr.security.text.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, abort, request

from dsr.security.text import MAX_DEPTH, BadInput, check_json, check_text, json_depth


def install(app: Flask) -> None:
    """Check each request's input before any handler sees it."""

    @app.before_request
    def _guard() -> None:
        try:
            _check_request()
        except BadInput as exc:
            abort(400, description=str(exc))


def _check_request() -> None:
    check_text(request.path, "path")
    for key, value in request.args.items(multi=True):
        check_text(key, "query")
        check_text(value, f"query.{key[:40]}")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype == "application/json" or request.mimetype.endswith("+json"):
        _check_json_body(request.get_data(cache=True))
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") \
            and not request.path.startswith("/api/"):  # the API takes JSON only (415 else)
        for key, value in request.form.items(multi=True):
            check_text(key, "form")
            check_text(value, key[:40])
        for key, upload in request.files.items(multi=True):
            check_text(upload.filename or "", f"{key[:40]}.filename")


def _check_json_body(body: bytes) -> None:
    if not body.strip():
        return
    if json_depth(body) > MAX_DEPTH:
        raise BadInput(f"body: JSON nested more than {MAX_DEPTH} levels deep")
    try:
        data: Any = json.loads(body)
    except ValueError as exc:
        if "digits" in str(exc) or "integer string conversion" in str(exc):
            raise BadInput("body: JSON holds an integer of more than 4,300 digits") from None
        return  # malformed JSON: the handler answers it (after the token check)
    check_json(data)
