"""The REST API under ``/api/v1`` (flask-smorest), its OpenAPI document, and its errors.

Every answer of the API is JSON, errors included: ``{"error": ..., "message": ...}``, with
``errors`` (messages by field) when a body does not validate. The HTML pages keep the app's
own error pages: the API's handlers are registered on its blueprint, not on the app.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import BadRequest, HTTPException, UnsupportedMediaType

from dsr.requests.intake import IntakeError
from dsr.requests.operations import ActionError
from dsr.web.api.schemas import ErrorSchema
from workflows.states import TransitionError

URL_PREFIX = "/api/v1"
DESCRIPTION = ("Submit GDPR data-subject requests, follow them, and decide on them. Every "
               "error is JSON: {\"error\", \"message\"}, with \"errors\" by field on 422.\n\n"
               "Rules every operation enforces: a JSON body nested more than 32 levels deep, "
               "holding an integer beyond 2147483647 (or of more than 4,300 digits), a NUL "
               "character or an unpaired surrogate anywhere (body, query, path) is refused "
               "with 400; an id beyond 2147483647 is 404; text is stored in Unicode NFC; a "
               "name with control, zero-width or bidi characters is refused with 422. A "
               "request is named by its opaque reference (DSR-...), which the public receipt "
               "returns as its id; token holders may also use the internal number. Forms "
               "posted with a foreign Origin header are refused with 403.")


class JsonBodyParser(FlaskParser):
    """webargs' parser, strict about bodies: a body that is not JSON is refused (415) rather
    than read as missing, and malformed JSON gets one clear line (400)."""

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req) and req.get_data(cache=True):
            raise UnsupportedMediaType(
                f"Send the body as JSON (Content-Type: application/json), not {req.mimetype}.")
        return super()._raw_load_json(req)

    def _handle_invalid_json_error(self, error: Exception, req: Any, *args: Any,
                                   **kwargs: Any) -> Any:
        raise BadRequest(f"The body is not valid JSON: {error}.")


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose every error, however raised, is answered in JSON."""

    ARGUMENTS_PARSER = JsonBodyParser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register_error_handler(HTTPException, json_error)
        self.register_error_handler(TransitionError, _conflict)
        self.register_error_handler(ActionError, _conflict)
        self.register_error_handler(IntakeError, _unprocessable)


class DsrApi(Api):
    """flask-smorest's Api without its app-wide error handler, which would turn the HTML
    pages' errors into JSON too; the API blueprint answers its own errors (:func:`json_error`)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Register nothing on the app (see the class docstring)."""


def json_error(exc: HTTPException) -> ResponseReturnValue:
    """Any HTTP error as ``{"error", "message"[, "errors"]}``, keeping its headers
    (``WWW-Authenticate``, ``Retry-After``, ...)."""
    data = getattr(exc, "data", None) or {}
    body: dict[str, Any] = {"error": exc.name, "message": exc.description or exc.name}
    messages = data.get("messages")
    if isinstance(messages, dict):
        # webargs nests the messages by location; every body here is JSON.
        errors = messages.get("json", messages)
        body["errors"] = errors
        body["message"] = "Invalid input — " + "; ".join(
            f"{path}: {text}" for path, text in _flatten(errors))
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    return body, exc.code or 500, headers


def _flatten(messages: Any, path: str = "") -> list[tuple[str, str]]:
    """marshmallow's nested messages as (``decisions.0.reason``, text) pairs."""
    if isinstance(messages, dict):
        return [pair for key, value in messages.items()
                for pair in _flatten(value, f"{path}.{key}" if path else str(key))]
    if isinstance(messages, list) and not all(isinstance(m, str) for m in messages):
        return [pair for value in messages for pair in _flatten(value, path)]
    texts = messages if isinstance(messages, list) else [str(messages)]
    where = "body" if path in ("", "_schema") else path.removesuffix("._schema")
    return [(where, text) for text in texts]


def _conflict(exc: Exception) -> ResponseReturnValue:
    action = (request.endpoint or "").rsplit(".", 1)[-1]
    return {"error": "Conflict",
            "message": f"Cannot {action} this request now: {exc}"}, 409


def _unprocessable(exc: Exception) -> ResponseReturnValue:
    return {"error": "Unprocessable Entity", "message": str(exc)}, 422
