"""Processors that offer the OpenGDPR API: access, portability and erasure are asked of them
through it, and each answer is tracked until the processor reports it completed.

The subject comes from ``subject_from`` (the shop): the processor is asked about the e-mail
addresses (and, if configured, the customer numbers) the shop holds for the subject. Each
question has a fixed id, ``<reference>-<type>``, so asking again after a crash is asking the
same question: the processor is looked up first and a request is submitted only once.

- access / portability: ``access_for`` submits the request and raises
  :class:`~connectors.base.NotYetAvailable` until the processor reports it completed; then the
  records at its ``results_url`` (a JSON object of lists of records, one list per table, or one
  list) are the processor's part of the answer.
- erasure: ``plan`` names one erasure request to the processor; ``execute`` submits it and the
  receipt names its id, so the service tracks it as waiting until a signed status callback (or a
  status poll) reports it completed.

Rectification and restriction are not part of OpenGDPR: their Art. 19 notices go by e-mail
(an endpoint of a ``recipient_mail`` connector).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import Schema, fields, validate

from connectors.base import (
    AccessResult,
    ConnectorError,
    Discovery,
    Identity,
    NotYetAvailable,
    RecordColumn,
    Subject,
    TableRecords,
    json_safe,
    load_settings,
    register,
)
from connectors.capabilities import (
    AcceptsCallbacks,
    AnswersLater,
    DerivesSubject,
    Executes,
    Plans,
    ReportsStatus,
)
from connectors.changes import (
    ChangeRequest,
    MemoryStepLog,
    Plan,
    PlannedChange,
    Receipt,
    StepLog,
    subject_json,
)
from connectors.opengdpr import (  # noqa: F401 - the client is part of this kind's surface
    CallbackRejected,
    OpenGdprClient,
    verify_callback,
)

ERASURE_NORM = "Art. 17 Abs. 1, Art. 28 Abs. 3 lit. e DSGVO"
IDENTITY_TYPES = {"email": "email", "customer_number": "controller_customer_id"}
"""Which identifiers of the subject go to the processor, under which OpenGDPR identity type."""


class RecipientApiSettingsSchema(Schema):
    """``[connectors.<name>]`` of kind ``recipient_api``."""

    kind = fields.String(required=True, validate=validate.Equal("recipient_api"))
    subject_from = fields.String(required=True, validate=validate.Length(min=1))
    recipient = fields.String(required=True, validate=validate.Length(min=1))
    base_url = fields.Url(required=True, require_tld=False, schemes={"http", "https"})
    token = fields.String(load_default=None)
    identities = fields.List(fields.String(validate=validate.OneOf(list(IDENTITY_TYPES))),
                             load_default=lambda: ["email"], validate=validate.Length(min=1))
    category = fields.String(load_default="processor")
    poll_seconds = fields.Integer(load_default=900, validate=validate.Range(min=5, max=86400))
    timeout_seconds = fields.Float(load_default=20.0, validate=validate.Range(min=0.1, max=120))


def request_id(reference: str, request_type: str) -> str:
    """The fixed id of one question to the processor."""
    return f"{reference}-{request_type}"


def split_request_id(external: str) -> tuple[str, str]:
    """The request reference and type a question's id names (the inverse of request_id)."""
    reference, _, request_type = external.rpartition("-")
    return reference, request_type


@register("recipient_api")
class RecipientApiConnector(Plans, Executes, DerivesSubject, AnswersLater, ReportsStatus,
                            AcceptsCallbacks):
    """One processor, asked through its OpenGDPR API."""

    kind: ClassVar[str]

    def __init__(self, name: str, subject_from: str, recipient: str, client: OpenGdprClient, *,
                 identities: tuple[str, ...] = ("email",), category: str = "processor",
                 poll_seconds: int = 900) -> None:
        self.name = name
        self.subject_from = subject_from
        self.recipient = recipient
        self.client = client
        self.identities = identities
        self.category = category
        self.poll_seconds = poll_seconds
        self.callback_url = ""

    @classmethod
    def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
        """A minimal section: a processor (not called when built), the subject from ``shop``."""
        return {"kind": "recipient_api", "subject_from": "shop", "recipient": "processor",
                "base_url": "https://processor.example.org/opengdpr"}

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any]) -> RecipientApiConnector:
        """Build from the TOML section (``base_url``, ``recipient``, ``subject_from`` ...)."""
        loaded = load_settings(RecipientApiSettingsSchema(), name, settings)
        client = OpenGdprClient(loaded["base_url"], loaded["token"], loaded["timeout_seconds"])
        return cls(name, loaded["subject_from"], loaded["recipient"], client,
                   identities=tuple(loaded["identities"]), category=loaded["category"],
                   poll_seconds=loaded["poll_seconds"])

    def use_callback(self, url: str) -> None:
        """Where the processor posts its signed status callbacks (the service's endpoint)."""
        self.callback_url = url

    def derive_subject(self, source: Any, subject: Subject) -> Subject:
        """The shop's subject: its identifiers are what the processor is asked about."""
        return subject

    def discover(self, identity: Identity) -> Discovery:
        """The processor is not searched: the subject is the shop's."""
        return Discovery(self.name)

    def _identities(self, identifiers: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [(IDENTITY_TYPES[kind], str(value)) for kind in self.identities
                for value in identifiers.get(kind, ())]

    def _ask(self, request_type: str, reference: str, identifiers: Mapping[str, Any],
             now: datetime) -> tuple[str, dict[str, Any] | None]:
        """Submit the question unless the processor knows it already; returns its id and the
        processor's status answer (None right after submitting)."""
        wanted = request_id(reference, request_type)
        found = self.client.find(wanted)
        if found is None:
            self.client.submit(request_type, self._identities(identifiers),
                               subject_request_id=wanted, submitted=now,
                               callback_urls=[self.callback_url] if self.callback_url else [])
        return wanted, found

    def access(self, subject: Subject) -> AccessResult:
        """Without a request to name the question, the processor is not asked."""
        raise ConnectorError(f"{self.name}: access is asked per request (access_for)")

    def access_for(self, subject: Subject, reference: str, types: tuple[str, ...],
                   now: datetime) -> AccessResult:
        """The processor's records of the subject, once it has answered request ``reference``."""
        if not self._identities(subject.identifiers):
            return AccessResult(tables=())
        kind = "portability" if "portability" in types and "access" not in types else "access"
        wanted, found = self._ask(kind, reference, subject.identifiers, now)
        status = found["request_status"] if found else "pending"
        if status == "cancelled":
            raise ConnectorError(f"{self.name}: the processor cancelled request {wanted}")
        if status != "completed":
            raise NotYetAvailable(f"{self.name}: {kind} request {wanted} is {status} "
                                  f"at the processor", self.poll_seconds)
        url = (found or {}).get("results_url")
        return AccessResult(self._tables(self.client.results(str(url))) if url else ())

    def _tables(self, results: Any) -> tuple[TableRecords, ...]:
        """Records as the processor returns them: ``{table: [record, ...]}`` or ``[record]``."""
        if isinstance(results, list):
            results = {"records": results}
        if not isinstance(results, dict) or not all(
                isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
                for rows in results.values()):
            raise ConnectorError(f"{self.name}: the processor's results are not lists of records")
        tables = []
        for table, rows in results.items():
            names = sorted({str(key) for row in rows for key in row})
            columns = tuple(RecordColumn(n, {"de": n, "en": n}, self.category) for n in names)
            tables.append(TableRecords(
                self.name, str(table), {"de": str(table), "en": str(table)}, self.category,
                columns, tuple(tuple(json_safe(row.get(n)) for n in names) for row in rows)))
        return tuple(tables)

    def plan(self, subject: Subject, request: ChangeRequest) -> Plan:
        """For an erasure of a subject the shop knows: one erasure request to the processor."""
        changes = []
        if request.wants("erasure") and subject.keys and self._identities(subject.identifiers):
            changes.append(PlannedChange(
                self.recipient, (), (), "notify", "erasure", ERASURE_NORM, value={
                    "channel": "opengdpr", "reference": request.reference,
                    "name": request.recipient_names.get(self.recipient, self.recipient)}))
        return Plan(self.name, tuple(changes), subject_json(subject))

    def execute(self, plan: Plan, log: StepLog | None = None) -> Receipt:
        """Submit the erasure request (once, even when run again); the receipt names its id."""
        log = log or MemoryStepLog()
        steps = []
        identifiers = plan.subject.get("identifiers", {})
        for index, (target, changes) in enumerate(plan.steps()):
            value = dict(changes[0].value or {})  # type: ignore[arg-type]
            before = log.is_done(index)
            wanted = request_id(str(value["reference"]), "erasure")
            if not before:
                self._ask("erasure", str(value["reference"]), identifiers, log.now())
                log.mark_done(index, 1)
            steps.append({"target": target, "actions": ["notify"], "changes": 1,
                          "touched": 0 if before else 1, "done_before": before,
                          "notice": {"channel": "opengdpr", "external_id": wanted}})
        return Receipt(self.name, tuple(steps))

    def status(self, external_id: str) -> str:
        """The processor's status of one question (for polling)."""
        return self.client.status(external_id)

    def accept_callback(self, body: bytes, headers: Mapping[str, str],
                        now: datetime) -> dict[str, Any]:
        """A status callback's content once its signature verifies (raises CallbackRejected)."""
        return self.client.accept_callback(body, headers, now)
