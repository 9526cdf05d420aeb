"""The definition file of an ``http_api`` service (TOML), loaded through a marshmallow schema.

A definition says, from the service's public API documentation: its base URL and how it is
authenticated (which secrets it needs, never their values), its role (``processor``: dsr
reads and erases there; ``controller``: dsr only sends the Art. 19 notice, by e-mail), the
requests that find the subject, read its records (with pagination), erase or anonymise them,
end a subscription and correct fields, and where records sit in each answer (JSON paths).
``docs/connectors.md`` walks through writing one. Shipped definitions live in
``connectors/definitions/<name>.toml``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from connectors.http_api.paths import ROOTS, compile_path, placeholders, strings

SHIPPED = Path(__file__).resolve().parent.parent / "definitions"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CHANGE_TYPES = ("erasure", "objection", "consent_withdrawal", "rectification", "restriction")
AUTH_KINDS = ("header", "basic", "oauth2_client_credentials", "google_service_account", "none")


class JsonPath(fields.String):
    """A JSON path, parsed when the definition is loaded so that a typo stops the start."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            compile_path(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return text


Label = fields.Dict(keys=fields.String(validate=validate.OneOf(["de", "en"])),
                    values=fields.String(), validate=validate.Length(equal=2))


class _Strict(Schema):
    class Meta:
        ordered = True


class AuthSchema(_Strict):
    """``[auth]``: how each request is authenticated; values name secrets as
    ``{secret.<name>}``."""

    kind = fields.String(required=True, validate=validate.OneOf(AUTH_KINDS))
    header = fields.String(load_default="Authorization")  # header: its name
    value = fields.String()                               # header: "Bearer {secret.token}"
    username = fields.String()                            # basic
    password = fields.String(load_default="")             # basic
    token_url = fields.String()                           # oauth2 / google
    client_id = fields.String()                           # oauth2
    client_secret = fields.String()                       # oauth2
    scope = fields.String(load_default="")                # oauth2 / google (space-separated)
    credentials = fields.String()                         # google: the key file's JSON

    @validates_schema
    def _needs(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        needed = {"header": ("value",), "basic": ("username",),
                  "oauth2_client_credentials": ("token_url", "client_id", "client_secret"),
                  "google_service_account": ("credentials", "scope"), "none": ()}
        missing = [key for key in needed[data["kind"]] if not data.get(key)]
        if missing:
            raise ValidationError({key: f"required for auth kind {data['kind']!r}"
                                   for key in missing})


class PagingSchema(_Strict):
    """How a list continues: ``cursor`` (a value from the answer goes into ``param``),
    ``page`` (page numbers), ``offset`` (record offsets) or ``link`` (the Link header)."""

    kind = fields.String(required=True, validate=validate.OneOf(["cursor", "page", "offset",
                                                                  "link"]))
    param = fields.String()
    next = JsonPath()         # cursor: where the next cursor is
    more = JsonPath()         # cursor: a boolean that says whether there is more
    size_param = fields.String()
    size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    start = fields.Integer(load_default=1)  # page: the first page's number
    max_pages = fields.Integer(load_default=50, validate=validate.Range(min=1, max=10_000))

    @validates_schema
    def _needs(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        needed = {"cursor": ("param", "next"), "page": ("param",), "offset": ("param",),
                  "link": ()}
        missing = [key for key in needed[data["kind"]] if not data.get(key)]
        if missing:
            raise ValidationError({key: f"required for paging kind {data['kind']!r}"
                                   for key in missing})


class RequestSchema(_Strict):
    """One HTTP request: method, path (below ``base_url``, or a whole URL), query, body."""

    method = fields.String(load_default="GET", validate=validate.OneOf(METHODS))
    path = fields.String(required=True, validate=validate.Length(min=1))
    query = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    headers = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    json = fields.Raw()
    form = fields.Dict(keys=fields.String(), values=fields.Raw())
    records = JsonPath(load_default="$")  # where the records sit in the answer
    paging = fields.Nested(PagingSchema)
    absent = fields.List(fields.Integer(), load_default=lambda: [404])  # "not found" statuses


class FieldSchema(_Strict):
    """One field of a record as the answer shows it."""

    path = JsonPath(required=True)
    name = fields.String(required=True)
    label = Label
    category = fields.String()


class RecordsSchema(_Strict):
    """``[[records]]``: one table of the answer: the found records themselves (``found``), a
    list read per found record (``request``), or a statement of what the service holds
    (``statement``, for services that offer no export)."""

    table = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    label = Label
    category = fields.String()
    found = fields.Boolean(load_default=False)
    request = fields.Nested(RequestSchema)
    statement = Label
    fields_ = fields.List(fields.Nested(FieldSchema), data_key="fields", load_default=list)

    @validates_schema
    def _one_source(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        sources = [key for key in ("found", "request", "statement") if data.get(key)]
        if len(sources) != 1:
            raise ValidationError("give exactly one of found = true, request or statement")


class StatusSchema(RequestSchema):
    """``[erase.status]``: the request that asks whether an asynchronous deletion is done."""

    value = JsonPath(required=True)
    completed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    failed = fields.List(fields.String(), load_default=list)


class ChangeSchema(_Strict):
    """``[erase]``, ``[unsubscribe]``, ``[rectify]``: one request per found record."""

    for_ = fields.List(fields.String(validate=validate.OneOf(CHANGE_TYPES)), data_key="for")
    action = fields.String(validate=validate.OneOf(["delete", "anonymise", "set"]))
    target = fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    request = fields.Nested(RequestSchema, required=True)
    after = fields.List(fields.Nested(RequestSchema), load_default=list)  # follow-up requests
    confirmation = JsonPath()  # where the service's own confirmation or deletion id is
    confirms = fields.String(load_default="now", validate=validate.OneOf(["now", "later"]))
    status = fields.Nested(StatusSchema)
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields")
    body = fields.String(load_default="json", validate=validate.OneOf(["json", "form"]))


class DefinitionSchema(_Strict):
    """A whole definition file."""

    service = fields.String(required=True)
    recipient = fields.String(required=True, validate=validate.Length(min=1))
    role = fields.String(required=True, validate=validate.OneOf(["processor", "controller"]))
    docs = fields.String(load_default="")
    base_url = fields.String(required=True, validate=validate.Regexp(r"^https?://"))
    label = Label
    category = fields.String(required=True)
    identifiers = fields.List(fields.String(validate=validate.OneOf(["email",
                                                                     "customer_number"])),
                              load_default=lambda: ["email"], validate=validate.Length(min=1))
    secrets = fields.List(fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]*$")),
                          load_default=list)
    settings = fields.List(fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]*$")),
                           load_default=list)
    auth = fields.Nested(AuthSchema, required=True)
    find = fields.Nested(RequestSchema)
    record_id = JsonPath(load_default="$.id")
    records = fields.List(fields.Nested(RecordsSchema), load_default=list)
    erase = fields.Nested(ChangeSchema)
    unsubscribe = fields.Nested(ChangeSchema)
    rectify = fields.Nested(ChangeSchema)

    @validates_schema
    def _templates(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        """Every ``{placeholder}`` names a known root, a declared secret or setting."""
        problems: dict[str, str] = {}
        for key, text in strings({k: v for k, v in data.items() if k not in ("docs",)}):
            for name in placeholders(text):
                root, _, rest = name.partition(".")
                if root not in ROOTS:
                    problems[key] = f"{{{name}}}: unknown placeholder (known: {', '.join(ROOTS)})"
                elif root == "secret" and rest not in data.get("secrets", []):
                    problems[key] = f"{{{name}}}: secret {rest!r} is not listed in secrets"
                elif root == "setting" and rest not in data.get("settings", []):
                    problems[key] = f"{{{name}}}: setting {rest!r} is not listed in settings"
        if problems:
            raise ValidationError(problems)


def definition_source(name_or_path: str) -> Path:
    """The file a connector's ``definition`` names: a shipped one by name, else a path."""
    if "/" not in name_or_path and not name_or_path.endswith(".toml"):
        return SHIPPED / f"{name_or_path}.toml"
    return Path(name_or_path)


def load_definition(name_or_path: str) -> dict[str, Any]:
    """The definition, validated; raises :class:`ValidationError` (a missing or unreadable
    file or broken TOML as a ``_file`` error)."""
    source = definition_source(name_or_path)
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError({"_file": f"no definition {name_or_path!r} ({source.name})"}
                              ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError({"_file": f"{source.name}: {exc}"}) from None
    return dict(DefinitionSchema().load(raw))


def shipped_definitions() -> list[str]:
    """The names of the definitions shipped with dsr."""
    return sorted(path.stem for path in SHIPPED.glob("*.toml"))
