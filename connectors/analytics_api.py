"""A client of a Matomo-style GDPR API: find a data subject's visits, export them, delete them.

As Matomo documents its ``PrivacyManager`` API: every call is an HTTP POST to
``<base_url>/index.php`` with ``module=API``, ``format=json``, ``token_auth`` and ``method``:
``PrivacyManager.findDataSubjects`` (``idSite``, ``segment`` such as ``userId==K-100001``)
returns the visits, each with ``idSite`` and ``idVisit``; ``PrivacyManager.exportDataSubjects``
and ``PrivacyManager.deleteDataSubjects`` take those visits as ``visits[i][idsite]`` and
``visits[i][idvisit]``. The subject is found by the shop's user id (``user_id_from``, an
identifier of the ``subject_from`` connector). Erasure and consent withdrawal delete the visits.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import Schema, fields, validate

from connectors.base import (
    AccessResult,
    ConnectorError,
    Discovery,
    Identity,
    RecordColumn,
    Subject,
    TableRecords,
    json_safe,
    load_settings,
    register,
)
from connectors.capabilities import DerivesSubject, Executes, Plans
from connectors.changes import (
    ChangeRequest,
    MemoryStepLog,
    Plan,
    PlannedChange,
    Receipt,
    StepLog,
    subject_json,
)

LABEL = {"de": "Webanalyse", "en": "Web analytics"}
NORMS = {"erasure": "Art. 17 Abs. 1 DSGVO",
         "consent_withdrawal": "Art. 7 Abs. 3, Art. 17 Abs. 1 lit. b DSGVO"}


class AnalyticsSettingsSchema(Schema):
    """``[connectors.<name>]`` of kind ``analytics_api``."""

    kind = fields.String(required=True, validate=validate.Equal("analytics_api"))
    subject_from = fields.String(required=True, validate=validate.Length(min=1))
    base_url = fields.Url(required=True, require_tld=False)
    token = fields.String(required=True, validate=validate.Length(min=1))
    site = fields.String(load_default="all")
    user_id_from = fields.String(load_default="customer_number",
                                 validate=validate.OneOf(["customer_number", "email"]))
    timeout_seconds = fields.Float(load_default=10.0, validate=validate.Range(min=0.1, max=120))


@register("analytics_api")
class AnalyticsApiConnector(Plans, Executes, DerivesSubject):
    """The analytics server's visits of one subject, through its GDPR API."""

    kind: ClassVar[str]

    def __init__(self, name: str, subject_from: str, base_url: str, token: str, *,
                 site: str = "all", user_id_from: str = "customer_number",
                 timeout_seconds: float = 10.0) -> None:
        self.name = name
        self.subject_from = subject_from
        self.endpoint = base_url.rstrip("/") + "/index.php"
        self.token = token
        self.site = site
        self.user_id_from = user_id_from
        self.timeout = timeout_seconds

    @classmethod
    def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
        """A minimal section: a server (not called when built), the subject from ``shop``."""
        return {"kind": "analytics_api", "subject_from": "shop",
                "base_url": "https://analytics.example.org", "token": "example-token"}

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any]) -> AnalyticsApiConnector:
        """Build from the TOML section (``base_url``, ``token``, ``subject_from`` ...)."""
        loaded = load_settings(AnalyticsSettingsSchema(), name, settings)
        loaded.pop("kind")
        return cls(name, loaded.pop("subject_from"), loaded.pop("base_url"),
                   loaded.pop("token"), **loaded)

    def derive_subject(self, source: Any, subject: Subject) -> Subject:
        """The shop's subject: its identifiers name the analytics user id."""
        return subject

    def discover(self, identity: Identity) -> Discovery:
        """The subject is the shop's; the analytics server is asked by user id."""
        return Discovery(self.name)

    def _call(self, method: str, **params: Any) -> Any:
        body = urllib.parse.urlencode({"module": "API", "format": "json", "method": method,
                                       "token_auth": self.token, **params}).encode()
        request = urllib.request.Request(self.endpoint, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                data = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise ConnectorError(f"{self.name}: {method} failed ({type(exc).__name__})") from None
        if isinstance(data, dict) and data.get("result") == "error":
            raise ConnectorError(f"{self.name}: {method}: {data.get('message', 'error')}")
        return data

    def _visits(self, subject: Subject) -> list[dict[str, Any]]:
        ids = subject.identifiers.get(self.user_id_from, ())
        found: list[dict[str, Any]] = []
        for user_id in ids:
            found += self._call("PrivacyManager.findDataSubjects", idSite=self.site,
                                segment=f"userId=={urllib.parse.quote(user_id, safe='')}")
        return found

    @staticmethod
    def _visit_params(visits: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        params: dict[str, Any] = {}
        for index, visit in enumerate(visits):
            params[f"visits[{index}][idsite]"] = visit["idSite"]
            params[f"visits[{index}][idvisit]"] = visit["idVisit"]
        return params

    def access(self, subject: Subject) -> AccessResult:
        """The subject's visits as the server exports them (one row per visit)."""
        visits = self._visits(subject)
        exported = (self._call("PrivacyManager.exportDataSubjects", **self._visit_params(visits))
                    if visits else [])
        names = sorted({key for visit in exported for key in visit})
        columns = tuple(RecordColumn(name, {"de": name, "en": name}, "usage") for name in names)
        rows = tuple(tuple(json_safe(visit.get(name)) for name in names) for visit in exported)
        return AccessResult((TableRecords(self.name, "visits", LABEL, "usage", columns, rows),))

    def plan(self, subject: Subject, request: ChangeRequest) -> Plan:
        """For an erasure or a withdrawn consent: delete every visit of the subject."""
        why = next((t for t in ("erasure", "consent_withdrawal") if request.wants(t)), None)
        changes = []
        if why is not None:
            changes = [PlannedChange("visits", (v["idSite"], v["idVisit"]), (), "delete", why,
                                     NORMS[why]) for v in self._visits(subject)]
        return Plan(self.name, tuple(changes), subject_json(subject))

    def execute(self, plan: Plan, log: StepLog | None = None) -> Receipt:
        """Delete the planned visits (one call), then ask again: none may be left."""
        log = log or MemoryStepLog()
        steps = []
        for index, (target, changes) in enumerate(plan.steps()):
            before = log.is_done(index)
            touched = 0
            if not before:
                visits = [{"idSite": c.key[0], "idVisit": c.key[1]} for c in changes]
                self._call("PrivacyManager.deleteDataSubjects", **self._visit_params(visits))
                touched = len(visits)
                log.mark_done(index, touched)
            steps.append({"target": target, "actions": ["delete"], "changes": len(changes),
                          "touched": touched, "done_before": before})
        planned = {tuple(c.key) for c in plan.changes}
        subject = Subject((), {k: tuple(v) for k, v in
                               plan.subject.get("identifiers", {}).items()})
        left = [{"target": "visits", "key": [v["idSite"], v["idVisit"]], "why": "still_held"}
                for v in self._visits(subject) if (v["idSite"], v["idVisit"]) in planned]
        return Receipt(self.name, tuple(steps), (), not left, tuple(left))
