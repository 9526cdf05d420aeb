"""The ``http_api`` connector: a hosted service (newsletter, help desk, payment, analytics)
reached through its REST API as its definition file describes it.

The subject is the shop's (``subject_from``): the service is asked about the e-mail addresses
or customer numbers the shop holds. ``access`` reads what the definition's ``[[records]]``
name; ``plan`` finds the records to change and sends nothing else; ``execute`` sends the
erase / unsubscribe / rectify requests of the steps its step log does not list as done, and the
receipt names the service's own confirmation ids. A deletion the service finishes later
(``confirms = "later"``) becomes a recipient notice that waits until :meth:`status` — polled
every 15 minutes — reports it completed. A service whose role is ``controller`` is not read or
changed here: it gets the Art. 19 notice by e-mail (``recipient_mail``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate

from connectors.base import (
    AccessResult,
    ConnectorConfigError,
    Discovery,
    Identity,
    Match,
    Outcome,
    RecordColumn,
    Subject,
    TableRecords,
    json_safe,
    load_settings,
    register,
)
from connectors.capabilities import (
    DerivesSubject,
    Executes,
    FindsOnItsOwn,
    Plans,
    ReportsStatus,
    StopsAdvertising,
)
from connectors.changes import (
    Action,
    ChangeRequest,
    MemoryStepLog,
    Plan,
    PlannedChange,
    Receipt,
    StepLog,
    subject_json,
)
from connectors.datamap_schema import flatten_errors
from connectors.http_api.auth import build_auth, resolve_secrets
from connectors.http_api.client import HttpClient, ServiceError
from connectors.http_api.definition import load_definition
from connectors.http_api.paging import body_of, records
from connectors.http_api.paths import find_one, placeholders, render, strings

NORMS = {"erasure": "Art. 17 Abs. 1, Art. 28 Abs. 3 lit. e DSGVO",
         "objection": "Art. 21 Abs. 2, 3 DSGVO",
         "consent_withdrawal": "Art. 7 Abs. 3 DSGVO",
         "rectification": "Art. 16, Art. 28 Abs. 3 lit. e DSGVO",
         "restriction": "Art. 18 DSGVO"}
OPERATIONS: dict[str, tuple[tuple[str, ...], Action]] = {
    "unsubscribe": (("objection", "consent_withdrawal"), "set"),
    "rectify": (("rectification",), "set"),
    "erase": (("erasure",), "delete")}
"""Per operation of a definition: the request types it serves by default, and its action, in
the order they run (the mailing stops before the contact is deleted)."""


class HttpApiSettingsSchema(Schema):
    """``[connectors.<name>]`` of kind ``http_api``."""

    kind = fields.String(required=True, validate=validate.Equal("http_api"))
    definition = fields.String(required=True, validate=validate.Length(min=1))
    subject_from = fields.String(required=True, validate=validate.Length(min=1))
    base_url = fields.Url(require_tld=False, schemes={"http", "https"})
    token_url = fields.Url(require_tld=False, schemes={"http", "https"})
    role = fields.String(validate=validate.OneOf(["processor", "controller"]))
    secrets = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    secrets_file = fields.String(load_default="")
    settings = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)
    timeout_seconds = fields.Float(load_default=20.0, validate=validate.Range(min=0.1, max=120))
    max_attempts = fields.Integer(load_default=5, validate=validate.Range(min=1, max=20))
    max_wait_seconds = fields.Float(load_default=60.0, validate=validate.Range(min=0, max=900))
    poll_seconds = fields.Integer(load_default=900, validate=validate.Range(min=5, max=86400))


def _record_fields(spec: Mapping[str, Any]) -> list[str]:
    """The record fields an operation's templates use (kept in the plan, ids as a rule)."""
    return sorted({name.split(".")[1] for _, text in strings(spec)
                   for name in placeholders(text) if name.startswith("record.")})


@register("http_api")
class HttpApiConnector(Plans, Executes, DerivesSubject, ReportsStatus, StopsAdvertising,
                       FindsOnItsOwn):
    """One hosted service, driven by its definition."""

    kind: ClassVar[str]

    def __init__(self, name: str, definition: Mapping[str, Any], client: HttpClient, *,
                 subject_from: str, context: Mapping[str, Any], role: str | None = None,
                 poll_seconds: int = 900) -> None:
        self.name = name
        self.definition = definition
        self.client = client
        self.subject_from = subject_from
        self.context = dict(context)  # secrets and settings, for the templates
        self.role = role or str(definition["role"])
        self.recipient = str(definition["recipient"])
        self.poll_seconds = poll_seconds

    @classmethod
    def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
        """A minimal section: the shipped Stripe definition, its key in a secrets file."""
        secrets = directory / f"{name}-secrets.toml"
        secrets.write_text('api_key = "sk_test_example"\n', encoding="utf-8")
        return {"kind": "http_api", "definition": "stripe", "subject_from": "shop",
                "base_url": "https://stripe.example.org", "secrets_file": str(secrets)}

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any], *,
                      environ: Mapping[str, str] | None = None,
                      sleep: Callable[[float], None] = time.sleep,
                      now: Callable[[], datetime] | None = None) -> HttpApiConnector:
        """Build from the TOML section; the definition, its settings and secrets are checked
        here, so a mistake stops the start with one line naming the key."""
        loaded = load_settings(HttpApiSettingsSchema(), name, settings)
        where = f"connectors.{name}"
        try:
            definition = load_definition(loaded["definition"])
        except ValidationError as exc:
            lines = flatten_errors(exc.messages, f"{where}.definition[{loaded['definition']}]")
            raise ConnectorConfigError("; ".join(line.replace("._file", "") for line in lines)
                                       ) from None
        for key in definition["settings"]:
            if key not in loaded["settings"]:
                raise ConnectorConfigError(f"{where}.settings.{key}: required by definition "
                                           f"{loaded['definition']!r}")
        secrets = resolve_secrets(definition["secrets"], loaded["secrets"],
                                  loaded["secrets_file"], os.environ if environ is None
                                  else environ, where)
        context = {"secret": secrets, "setting": dict(loaded["settings"])}
        if now is None:
            from dsr.clock import Clock

            now = Clock().now
        auth_spec = dict(definition["auth"])
        if loaded.get("token_url"):
            auth_spec["token_url"] = loaded["token_url"]
        auth = build_auth(auth_spec, context, now)
        base_url = loaded.get("base_url") or str(render(definition["base_url"], context))
        client = HttpClient(name, base_url, auth,
                            timeout=loaded["timeout_seconds"],
                            max_attempts=loaded["max_attempts"],
                            max_wait=loaded["max_wait_seconds"], sleep=sleep)
        return cls(name, definition, client, subject_from=loaded["subject_from"],
                   context=context, role=loaded.get("role"), poll_seconds=loaded["poll_seconds"])

    def derive_subject(self, source: Any, subject: Subject) -> Subject:
        """The shop's subject: its identifiers are what the service is asked about."""
        return subject

    def discover(self, identity: Identity) -> Discovery:
        """Not searched as a system of its own: the subject is the shop's (the discover task
        asks :meth:`discover_own` instead)."""
        return Discovery(self.name)

    def discover_own(self, identity: Identity) -> Discovery:
        """The records a processor's service holds for the claimed e-mail address, each a
        subject of its own (a newsletter contact without a shop account); nothing where the
        service is not searched by e-mail, has no ``find``, or is a separate controller."""
        email = (identity.email or "").strip()
        if self.role != "processor" or not email or "find" not in self.definition \
                or "email" not in self.definition["identifiers"]:
            return Discovery(self.name)
        checks: dict[str, Outcome] = {kind: "not_on_file" for kind in identity.claims()}
        checks["email"] = "match"
        matches = tuple(Match(key=(json_safe(record["id"]),), checks=dict(checks),
                              on_file={"email": (str(record.get("email") or email),)})
                        for record in self.found({"email": (email,)}))
        return Discovery(self.name, matches=matches, searched=("email",))

    # --- finding and reading --------------------------------------------------------------

    def identities(self, identifiers: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
        """``(kind, value)`` of the subject's identifiers the service is asked by."""
        return [(kind, str(value)) for kind in self.definition["identifiers"]
                for value in identifiers.get(kind, ())]

    def _context(self, **extra: Any) -> dict[str, Any]:
        return {**self.context, **extra}

    def found(self, identifiers: Mapping[str, Iterable[str]]) -> list[dict[str, Any]]:
        """The service's records of the subject (each once), as the ``find`` request returns
        them; without ``find`` the identifiers themselves (``{"id": value}``)."""
        spec = self.definition.get("find")
        result: dict[str, dict[str, Any]] = {}
        for kind, value in self.identities(identifiers):
            if spec is None:
                result.setdefault(value, {"id": value, "kind": kind})
                continue
            context = self._context(identifier=value, **{kind: value})
            for record in records(self.client, spec, context):
                key = find_one(self.definition["record_id"], record)
                if key is not None and isinstance(record, dict):
                    result.setdefault(str(key), {**record, "id": key})
        return list(result.values())

    def access(self, subject: Subject) -> AccessResult:
        """Every table the definition names; nothing from a separate controller."""
        if self.role != "processor" or not self.identities(subject.identifiers):
            return AccessResult(tables=())
        found = self.found(subject.identifiers)
        tables = [self._table(spec, found) for spec in self.definition["records"]]
        return AccessResult(tuple(tables))

    def _table(self, spec: Mapping[str, Any], found: list[dict[str, Any]]) -> TableRecords:
        category = spec.get("category") or self.definition["category"]
        label = spec.get("label") or {"de": spec["table"], "en": spec["table"]}
        columns: tuple[RecordColumn, ...]
        if spec.get("statement"):
            columns = (RecordColumn("de", {"de": "Beschreibung", "en": "Description (German)"},
                                    category),
                       RecordColumn("en", {"de": "Beschreibung (Englisch)", "en": "Description"},
                                    category))
            rows: list[tuple[Any, ...]] = ([(spec["statement"]["de"], spec["statement"]["en"])]
                                           if found else [])
            return TableRecords(self.name, spec["table"], label, category, columns, tuple(rows))
        if spec.get("found"):
            items = found
        else:
            items = [item for record in found for item in records(
                self.client, spec["request"], self._context(record=record))]
        named = spec.get("fields_") or [{"path": f"$.{key}", "name": key} for key in sorted(
            {key for item in items if isinstance(item, dict) for key in item})]
        columns = tuple(RecordColumn(f["name"], f.get("label") or {"de": f["name"],
                                                                    "en": f["name"]},
                                     f.get("category") or category) for f in named)
        rows = [tuple(json_safe(find_one(f["path"], item)) for f in named) for item in items]
        return TableRecords(self.name, spec["table"], label, category, columns, tuple(rows))

    # --- planning and executing -----------------------------------------------------------

    def operations(self, request: ChangeRequest) -> list[tuple[str, Mapping[str, Any], str]]:
        """``(operation, spec, reason)`` for each operation the request asks for."""
        wanted = []
        for operation, (types, _action) in OPERATIONS.items():
            spec = self.definition.get(operation)
            reason = next((t for t in spec.get("for_") or types if request.wants(t)), None) \
                if spec else None
            if spec and reason:
                wanted.append((operation, spec, reason))
        return wanted

    def target(self, operation: str) -> str:
        """The plan's target of an operation; a deletion confirmed later is the recipient's
        notice."""
        spec = self.definition[operation]
        if spec.get("confirms") == "later":
            return self.recipient
        return str(spec.get("target") or operation)

    def plan(self, subject: Subject, request: ChangeRequest) -> Plan:
        """One change per found record and operation asked for; sends nothing but the find."""
        wanted = self.operations(request) if self.role == "processor" else []
        changes: list[PlannedChange] = []
        found = self.found(subject.identifiers) if wanted and subject.keys else []
        for operation, spec, reason in wanted:
            kept = _record_fields(spec)
            new = self._corrections(spec, request) if operation == "rectify" else {}
            if operation == "rectify" and not new:
                continue
            action: Action = spec.get("action") or OPERATIONS[operation][1]
            for record in found:
                changes.append(PlannedChange(
                    self.target(operation), (json_safe(record["id"]),), tuple(sorted(new)),
                    action, reason, NORMS[reason], value={
                        "operation": operation, "reference": request.reference,
                        "record": {k: json_safe(record.get(k)) for k in kept}, "set": new}))
        return Plan(self.name, tuple(changes), subject_json(subject))

    def advertising_stops(self, email: str, norm: str) -> Plan:
        """The ``unsubscribe`` request for each of the service's records of ``email`` (a
        processor's mailing list; nothing where the definition has no ``unsubscribe``)."""
        spec = self.definition.get("unsubscribe")
        if self.role != "processor" or not spec or "email" not in self.definition["identifiers"]:
            return Plan(self.name, (), {"keys": [], "identifiers": {}})
        kept = _record_fields(spec)
        action: Action = spec.get("action") or OPERATIONS["unsubscribe"][1]
        changes = tuple(PlannedChange(
            self.target("unsubscribe"), (json_safe(record["id"]),), (), action, "suppressed",
            norm, value={"operation": "unsubscribe", "reference": "",
                         "record": {k: json_safe(record.get(k)) for k in kept}, "set": {}})
            for record in self.found({"email": (email,)}))
        return Plan(self.name, changes, {"keys": [], "identifiers": {}})

    @staticmethod
    def _corrections(spec: Mapping[str, Any], request: ChangeRequest) -> dict[str, Any]:
        """The corrected values by the service's field name (``fields`` maps the form's
        field, e.g. ``last_name``, to the service's)."""
        mapping = spec.get("fields_") or {}
        new = {}
        for column, value in request.corrections.items():
            field = request.correction_labels.get(column, {}).get("field", "")
            if field in mapping:
                new[mapping[field]] = value
        return new

    def _operation_of(self, change: PlannedChange) -> str:
        value = change.value if isinstance(change.value, dict) else {}
        if value.get("operation") in OPERATIONS:
            return str(value["operation"])
        return next(op for op in OPERATIONS if op in self.definition
                    and self.target(op) == change.target)

    def _send_change(self, operation: str, change: PlannedChange) -> tuple[int, str | None]:
        """Send one change's requests; returns (records touched, the service's confirmation)."""
        spec = self.definition[operation]
        value = change.value if isinstance(change.value, dict) else {}
        record = {**dict(value.get("record") or {}), "id": change.key[0]}
        context = self._context(record=record, reference=value.get("reference", ""),
                                correction=dict(value.get("set") or {}))
        confirmation: str | None = None
        for index, request in enumerate([spec["request"], *spec["after"]]):
            args = body_of(request, context)
            if operation == "rectify" and index == 0 and request.get("json") is None \
                    and request.get("form") is None:
                args["form" if spec["body"] == "form" else "json_body"] = context["correction"]
            try:
                answer = self.client.send(request["method"], str(render(request["path"],
                                                                        context)), **args)
            except ServiceError as exc:
                if exc.status in request["absent"]:
                    return (0, None) if index == 0 else (1, confirmation)
                raise
            if index == 0 and spec.get("confirmation"):
                found = find_one(spec["confirmation"], answer.json())
                confirmation = None if found is None else str(found)
        return 1, confirmation

    def execute(self, plan: Plan, log: StepLog | None = None) -> Receipt:
        """Send the planned requests of every step not yet done; the receipt names the
        service's confirmation ids, and a check afterwards what is still there."""
        log = log or MemoryStepLog()
        steps = []
        for index, (target, changes) in enumerate(plan.steps()):
            before = log.is_done(index)
            operations = [self._operation_of(change) for change in changes]
            touched, confirmations = 0, []
            if not before:
                for operation, change in zip(operations, changes, strict=True):
                    done, confirmation = self._send_change(operation, change)
                    touched += done
                    if confirmation:
                        confirmations.append(confirmation)
                log.mark_done(index, touched)
            step: dict[str, Any] = {"target": target, "actions": sorted({c.action
                                                                         for c in changes}),
                                    "changes": len(changes), "touched": touched,
                                    "done_before": before, "confirmations": confirmations}
            if self.definition[operations[0]].get("confirms") == "later":
                value = changes[0].value if isinstance(changes[0].value, dict) else {}
                external = ",".join(confirmations) or f"{value.get('reference', '')}-erasure"
                step["notice"] = {"channel": "http_api", "external_id": external}
            steps.append(step)
        left = self._left(plan)
        return Receipt(self.name, tuple(steps), (), not left, tuple(left))

    def _left(self, plan: Plan) -> list[dict[str, Any]]:
        """Records planned for deletion or anonymisation (confirmed at once) still found."""
        checked = [c for c in plan.changes if c.action in ("delete", "anonymise")
                   and self.definition.get("find")
                   and self.definition[self._operation_of(c)].get("confirms") != "later"]
        if not checked:
            return []
        identifiers = {k: tuple(v) for k, v in plan.subject.get("identifiers", {}).items()}
        still = {str(record["id"]) for record in self.found(identifiers)}
        return [{"target": c.target, "key": list(c.key), "why": "still_held"}
                for c in checked if str(c.key[0]) in still]

    def status(self, external_id: str) -> str:
        """``completed`` once the service reports every deletion of the notice done (its
        ``[erase.status]`` request); ``pending`` while it does not, or offers no status."""
        spec = (self.definition.get("erase") or {}).get("status")
        if not spec:
            return "pending"
        statuses = []
        for confirmation in external_id.split(","):
            context = self._context(confirmation=confirmation)
            answer = self.client.send(spec["method"], str(render(spec["path"], context)),
                                      **body_of(spec, context))
            statuses.append(str(find_one(spec["value"], answer.json())))
        if all(s in spec["completed"] for s in statuses):
            return "completed"
        return "cancelled" if any(s in spec["failed"] for s in statuses) else "in_progress"
