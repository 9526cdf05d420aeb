"""Recipients told by e-mail: every Art. 19 notice after a rectification, restriction or
erasure goes to each recipient that actually received the subject's data.

Which recipients did is read from the subject's rows in the ``subject_from`` connector (the
data map's ``discloses_to`` columns: carrier, credit bureau, payment provider, collection
agency); the values that name each recipient there come from the register's evidence of that
recipient (the same evidence the Art. 15 answer lists), so the endpoints config holds only
addresses. The plan names every
recipient to be told; execute sends one message each (the request reference in the subject, a
Message-ID fixed per request and recipient, so a repeat after a crash is recognisable as the
same notice) and records each as a finished step. The service tracks each notice as waiting
until it is confirmed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any, ClassVar, Protocol

from marshmallow import Schema, fields, validate

from connectors.base import (
    AccessResult,
    ConnectorConfigError,
    Discovery,
    Identity,
    Subject,
    load_settings,
    register,
)
from connectors.capabilities import DerivesSubject, Executes, Notifies, Plans
from connectors.changes import (
    NOTIFIED_TYPES,
    ChangeRequest,
    MemoryStepLog,
    Plan,
    PlannedChange,
    Receipt,
    RecipientTerms,
    StepLog,
    WithheldNotice,
    subject_json,
)

ART19_NORM = "Art. 19 DSGVO"
TYPE_WORDS = {
    "rectification": ("Berichtigung (Art. 16 DSGVO)", "rectification (Art. 16 GDPR)"),
    "restriction": ("Einschränkung der Verarbeitung (Art. 18 DSGVO)",
                    "restriction of processing (Art. 18 GDPR)"),
    "erasure": ("Löschung (Art. 17 DSGVO)", "erasure (Art. 17 GDPR)"),
}


class Sender(Protocol):
    """Hands one message to the outside world (the service's mailer)."""

    def send(self, message: EmailMessage) -> None: ...


Composer = Callable[..., tuple[str, str]]
"""Renders a mail template: ``compose(template, language, **context) -> (subject, text)``
(the service's templates ``art19_notice`` and ``bureau_correction``)."""

IDENTIFIER_WORDS = {"email": ("E-Mail-Adresse", "E-mail address"),
                    "customer_number": ("Kundennummer", "Customer number"),
                    "name": ("Name", "Name")}
BUREAU_ASKS = {
    "erasure": ("Bitte löschen bzw. erledigen Sie die von uns gemeldeten Einträge zu dieser "
                "Person.", "Please erase or settle the entries we reported about this person."),
    "rectification": ("Bitte berichtigen Sie die von uns gemeldeten Angaben wie oben genannt.",
                      "Please correct the data we reported as listed above."),
    "restriction": ("Bitte schränken Sie die Verarbeitung der von uns gemeldeten Einträge ein.",
                    "Please restrict the processing of the entries we reported."),
}


class EndpointSchema(Schema):
    """``[connectors.<name>.endpoints.<recipient>]``: keyed by the register's recipient."""

    email = fields.Email(required=True)
    # Normally taken from the register's evidence of this recipient; set only to override.
    values = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    # A credit bureau is asked to correct or settle its entries, not only told.
    credit_bureau = fields.Boolean(load_default=False)
    # The language the recipient is written to in.
    language = fields.String(load_default="de", validate=validate.OneOf(["de", "en"]))


class RecipientMailSettingsSchema(Schema):
    """``[connectors.<name>]`` of kind ``recipient_mail``."""

    kind = fields.String(required=True, validate=validate.Equal("recipient_mail"))
    subject_from = fields.String(required=True, validate=validate.Length(min=1))
    endpoints = fields.Dict(keys=fields.String(), values=fields.Nested(EndpointSchema),
                            required=True)


ORDER_FIELDS = ("first_name", "last_name", "street", "postcode", "city", "country")
"""Corrected fields whose new value a recipient is told: the name and postal address every
recipient of an order had. Other corrected fields are named, not given (data minimisation:
a carrier never had the date of birth); a recipient that holds them may ask."""


def _told(request: ChangeRequest, receives: tuple[str, ...] | None) -> list[dict[str, str]]:
    """The corrections as a recipient is told them: labels, and the new value of a field it
    received. With the register's ``receives`` only the corrected fields it received are named
    at all; without it every corrected field is named, the value given for order fields."""
    told = []
    for name, value in sorted(request.corrections.items()):
        labels = request.correction_labels.get(name, {})
        form_field = labels.get("field", "")
        if receives is not None and form_field not in receives:
            continue
        column = name.rsplit(".", 1)[-1]
        given = form_field in (ORDER_FIELDS if receives is None else receives)
        told.append({"de": labels.get("de", column), "en": labels.get("en", column),
                     "value": value if given else ""})
    return told


def _withheld(key: str, types: list[str], terms: RecipientTerms, request: ChangeRequest,
              told: list[dict[str, str]]) -> tuple[list[str], WithheldNotice | None]:
    """The types a recipient is told of, or why it is told nothing: its processing period
    after its last disclosure has ended, or it received none of the corrected fields."""
    until = terms.processes_until()
    if until is not None and until < request.today:
        return [], WithheldNotice(key, "no_longer_processing", terms.last_disclosed, until)
    if "rectification" in types and terms.receives is not None and not told:
        types = [t for t in types if t != "rectification"]
        if not types:
            return [], WithheldNotice(key, "not_received", terms.last_disclosed, until)
    return types, None


@register("recipient_mail")
class RecipientMailConnector(Plans, Executes, DerivesSubject, Notifies):
    """Tells recipients of the subject's data by e-mail (Art. 19)."""

    kind: ClassVar[str]

    def __init__(self, name: str, subject_from: str, endpoints: Mapping[str, Any]) -> None:
        self.name = name
        self.subject_from = subject_from
        self.endpoints = dict(endpoints)
        self.mailer: Sender | None = None
        self.sender = ""
        self.compose: Composer | None = None

    @classmethod
    def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
        """A minimal section: one recipient's address, the subject from connector ``shop``."""
        return {"kind": "recipient_mail", "subject_from": "shop",
                "endpoints": {"carrier": {"email": "privacy@carrier.example.org"}}}

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any]) -> RecipientMailConnector:
        """Build from the TOML section: ``subject_from`` and one endpoint per recipient."""
        loaded = load_settings(RecipientMailSettingsSchema(), name, settings)
        return cls(name, loaded["subject_from"], loaded["endpoints"])

    def use_mailer(self, mailer: Sender, sender: str, compose: Composer | None = None) -> None:
        """Send through ``mailer`` from ``sender`` (the service's mail settings), the text
        rendered by ``compose`` from the service's templates (a plain bilingual text without)."""
        self.mailer, self.sender, self.compose = mailer, sender, compose

    def derive_subject(self, source: Any, subject: Subject) -> Subject:
        """The subject with the recipients named in its rows (``disclosed_to``)."""
        found = source.disclosures(subject) if subject.keys else []
        values = tuple(sorted({str(item["value"]) for item in found}))
        return Subject(subject.keys, {**subject.identifiers, "disclosed_to": values})

    def discover(self, identity: Identity) -> Discovery:
        """Recipients are not searched: the subject comes from ``subject_from``."""
        return Discovery(self.name)

    def access(self, subject: Subject) -> AccessResult:
        """Recipients' own data is theirs to disclose (they answer as controllers)."""
        return AccessResult(tables=())

    def values_of(self, key: str, request: ChangeRequest) -> set[str]:
        """The values naming recipient ``key`` in the shop's rows: the register's evidence,
        unless the endpoint lists its own."""
        return set(self.endpoints[key]["values"] or request.recipient_values.get(key, ()))

    def recipients_of(self, subject: Subject, request: ChangeRequest) -> list[str]:
        """The configured recipients whose values occur in the subject's rows."""
        disclosed = set(subject.identifiers.get("disclosed_to", ()))
        return [key for key in self.endpoints if disclosed & self.values_of(key, request)]

    def plan(self, subject: Subject, request: ChangeRequest) -> Plan:
        """One notice per recipient that received the subject's data, for Art. 19 types.

        Each is told only the corrected fields it received, identified by what it knows
        (the register's ``receives`` and ``identified_by``), and only while it still
        processes the data (``processes_days`` after its last disclosure); a recipient left
        out for either reason is recorded in the plan's ``withheld``.
        While a legal hold keeps the subject's data (an open claim), nothing is erased: no
        recipient is asked to delete or settle anything (a credit bureau would misreport)."""
        wanted = [t for t in request.types if t in NOTIFIED_TYPES
                  and not (t == "erasure" and request.holds)]
        changes, withheld = [], []
        if wanted:
            disclosed = set(subject.identifiers.get("disclosed_to", ()))
            for key in self.recipients_of(subject, request):
                endpoint = self.endpoints[key]
                terms = request.recipient_terms.get(key, RecipientTerms())
                told = _told(request, terms.receives) if "rectification" in wanted else []
                types, skipped = _withheld(key, wanted, terms, request, told)
                if skipped is not None:
                    withheld.append(skipped)
                    continue
                changes.append(PlannedChange(
                    key, (), (), "notify", "+".join(types), ART19_NORM, value={
                        "to": endpoint["email"], "types": types, "reference": request.reference,
                        "name": request.recipient_names.get(key, key),
                        "disclosed": sorted(disclosed & self.values_of(key, request)),
                        "credit_bureau": endpoint["credit_bureau"],
                        "language": endpoint["language"],
                        "known_by": [{"de": k.label.get("de", ""), "en": k.label.get("en", ""),
                                      "value": k.value, "own_reference": k.own_reference}
                                     for k in terms.known_by],
                        "corrections": told if "rectification" in types else []}))
        return Plan(self.name, tuple(changes), subject_json(subject), tuple(withheld))

    def execute(self, plan: Plan, log: StepLog | None = None) -> Receipt:
        """Send each notice not sent yet; a sent notice is a finished step."""
        if self.mailer is None:
            raise ConnectorConfigError(f"connector {self.name!r}: no mailer to send with")
        log = log or MemoryStepLog()
        steps = []
        for index, (target, changes) in enumerate(plan.steps()):
            value = dict(changes[0].value or {})  # type: ignore[arg-type]
            message_id = self._message_id(str(value["reference"]), target)
            before = log.is_done(index)
            if not before:
                self.mailer.send(self._message(plan, value, message_id))
                log.mark_done(index, 1)
            steps.append({"target": target, "actions": ["notify"], "changes": 1,
                          "touched": 0 if before else 1, "done_before": before,
                          "notice": {"channel": "email", "message_id": message_id}})
        return Receipt(self.name, tuple(steps))

    def _message_id(self, reference: str, target: str, suffix: str = "") -> str:
        """Fixed per request, recipient (and reminder): a repeat is recognisable as such."""
        return f"<{reference}.{target}.art19{suffix}@{self.sender.rsplit('@', 1)[-1]}>"

    def remind(self, plan: Plan, target: str) -> str:
        """Send the notice to ``target`` again, marked as a reminder and threaded to the
        first one; returns the reminder's Message-ID."""
        if self.mailer is None:
            raise ConnectorConfigError(f"connector {self.name!r}: no mailer to send with")
        change = next(c for c in plan.changes if c.target == target and c.action == "notify")
        value = dict(change.value or {})  # type: ignore[arg-type]
        first = self._message_id(str(value["reference"]), target)
        message_id = self._message_id(str(value["reference"]), target, "-reminder")
        message = self._message(plan, value, message_id)
        subject = str(message["Subject"])
        del message["Subject"]
        word = "Erinnerung" if value.get("language", "de") == "de" else "Reminder"
        message["Subject"] = f"{word}: {subject}"
        message["In-Reply-To"] = message["References"] = first
        self.mailer.send(message)
        return message_id

    def _message(self, plan: Plan, value: Mapping[str, Any], message_id: str) -> EmailMessage:
        if self.compose is not None:
            subject, text = self._composed(plan, value)
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = self.sender, value["to"], subject
            message["Message-ID"] = message_id
            message.set_content(text)
            return message
        return self._plain(plan, value, message_id)

    def _composed(self, plan: Plan, value: Mapping[str, Any]) -> tuple[str, str]:
        """The notice from the service's templates, in the recipient's language: a credit
        bureau gets the correction / settlement request, every other recipient the Art. 19
        notice."""
        assert self.compose is not None
        language = str(value.get("language", "de"))
        index = 0 if language == "de" else 1
        ids = plan.subject.get("identifiers", {})
        known = value.get("known_by") or []
        details = [f"{item[language]}: {item['value']}" for item in known
                   if not (value["credit_bureau"] and item["own_reference"])]
        if not known:  # the register names nothing it knows the subject by
            details = [f"{IDENTIFIER_WORDS[kind][index]}: {item}"
                       for kind in IDENTIFIER_WORDS for item in ids.get(kind, [])]
        bureau_reference = ", ".join(item["value"] for item in known if item["own_reference"])
        withheld = ("berichtigt (neuer Wert auf Anfrage, falls Sie ihn von uns erhalten haben)",
                    "corrected (new value on request, if you received it from us)")[index]
        details += [f"{item[language]}: {item['value'] or withheld}"
                    for item in value.get("corrections") or []]
        action = value["types"][0]
        if value["credit_bureau"]:
            return self.compose("bureau_correction", language, reference=value["reference"],
                                bureau_reference=bureau_reference, action=action,
                                details=details, correction=BUREAU_ASKS[action][index])
        return self.compose("art19_notice", language, reference=value["reference"],
                            recipient=value["name"], action=action, details=details)

    def _plain(self, plan: Plan, value: Mapping[str, Any], message_id: str) -> EmailMessage:
        ids = plan.subject.get("identifiers", {})
        who = ", ".join([*ids.get("email", []), *ids.get("customer_number", [])])
        de = ", ".join(TYPE_WORDS[t][0] for t in value["types"])
        en = ", ".join(TYPE_WORDS[t][1] for t in value["types"])
        bureau_de = ("\nBitte berichtigen bzw. erledigen Sie die von uns gemeldeten Einträge "
                     "entsprechend.\n" if value["credit_bureau"] else "")
        bureau_en = ("\nPlease correct or settle the entries we reported accordingly.\n"
                     if value["credit_bureau"] else "")
        text = (
            f"Sehr geehrte Damen und Herren,\n\n"
            f"wir haben auf Antrag der betroffenen Person ({who}) folgende Maßnahme "
            f"durchgeführt: {de}. Sie haben personenbezogene Daten dieser Person von uns "
            f"erhalten ({', '.join(value['disclosed'])}). Nach Art. 19 DSGVO teilen wir Ihnen "
            f"dies mit und bitten Sie, die Maßnahme in Ihren Systemen ebenfalls umzusetzen und "
            f"uns dies unter Angabe der Referenz {value['reference']} zu bestätigen.\n"
            f"{bureau_de}\n"
            f"---\n\nDear Sir or Madam,\n\n"
            f"at the request of the data subject ({who}) we carried out the following: {en}. "
            f"You received personal data of this person from us. Under Art. 19 GDPR we "
            f"inform you and ask you to do the same in your systems and to confirm it, quoting "
            f"{value['reference']}.\n{bureau_en}")
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = value["to"]
        message["Subject"] = (f"Mitteilung nach Art. 19 DSGVO / Notice under Art. 19 GDPR "
                              f"[{value['reference']}]")
        message["Message-ID"] = message_id
        message.set_content(text)
        return message
