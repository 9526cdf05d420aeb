"""What a connector can do beyond :class:`~connectors.base.Connector`, as Protocols.

A connector class declares each capability it has by naming the Protocol among its bases
(``class ShopSqlConnector(Plans, Executes, ...)``): mypy then checks the signatures, and the
conformance test (``tests/connectors/test_conformance.py``) checks every registered kind.
The rest of the service asks :func:`capable` — never ``getattr`` or ``hasattr`` — and gets the
connector typed as the capability.

``Discovers`` and ``Reads`` together are what every connector is (``Connector``); the others
are optional.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, cast, runtime_checkable

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from connectors.base import AccessResult, Connector, Discovery, Identity, Label, Subject
    from connectors.changes import ChangeRequest, Plan, PlannedChange, Receipt, StepLog
    from connectors.datamap import DataMap
    from connectors.datamap_model import TableMap
    from connectors.recipient_mail import Composer, Sender


@runtime_checkable
class Discovers(Protocol):
    """Finds the subjects an identity's claims point at."""

    def discover(self, identity: Identity) -> Discovery:
        """Find the subjects the identity's claims point at, without changing anything."""
        ...


@runtime_checkable
class Reads(Protocol):
    """Hands out every record the system holds about a subject (Art. 15)."""

    def access(self, subject: Subject) -> AccessResult:
        """Return every record the system holds about the subject."""
        ...


@runtime_checkable
class Plans(Protocol):
    """Works out, touching nothing, which rows and fields a change request changes."""

    def plan(self, subject: Subject, request: ChangeRequest) -> Plan:
        """Work out, without touching the system, exactly which rows and fields would change."""
        ...


@runtime_checkable
class FindsOverdue(Protocol):
    """Finds, touching nothing, the subject's fields whose retention period has ended."""

    def overdue(self, subject: Subject, request: ChangeRequest) -> Plan:
        """The erasure of every field of the subject past its period (reason
        ``retention_expired:<rule>``, ``retained_until`` the day the period ended)."""
        ...


@runtime_checkable
class ReadsWithOverdue(Protocol):
    """Reads the subject's records and finds those past their period in the same read (one
    look at each of the subject's rows serves both :class:`Reads` and :class:`FindsOverdue`)."""

    def access_and_overdue(self, subject: Subject,
                           request: ChangeRequest) -> tuple[AccessResult, Plan]:
        """What :meth:`Reads.access` and :meth:`FindsOverdue.overdue` return, read once."""
        ...


@runtime_checkable
class Executes(Protocol):
    """Carries out an approved plan: the steps ``log`` does not list as done (each marked in
    ``log`` after the commit that made it); running it again changes nothing twice."""

    def execute(self, plan: Plan, log: StepLog | None = None) -> Receipt:
        """Carry out an approved plan and return the receipt; idempotent."""
        ...


@runtime_checkable
class RechecksSteps(Protocol):
    """Executes plans whose every step checks the system's state in its own statements (an
    ``UPDATE`` only where a row still differs from the planned value, a ``DELETE`` of the rows
    still there): a step that committed changes nothing when it runs again. The service's step
    log then keeps the finished steps and stores them with the receipt, or at once when the
    run fails, instead of committing each in a transaction of its own; a worker killed in
    between runs the unrecorded steps again, and they change nothing twice."""

    rechecks_steps: ClassVar[bool]


@runtime_checkable
class AnswersLater(Protocol):
    """Answers access per request, asynchronously (a processor's API): the request's reference
    names the question it asks, so asking again is asking the same one. Raises
    :class:`~connectors.base.NotYetAvailable` until the answer is there."""

    def access_for(self, subject: Subject, reference: str, types: tuple[str, ...],
                   now: datetime) -> AccessResult:
        """The subject's records once the system has answered request ``reference``."""
        ...


@runtime_checkable
class DerivesSubject(Protocol):
    """Knows the subject only through another connector's subject.

    The access logs know IP addresses and times, the recipients what was disclosed to whom:
    ``derive_subject`` asks the ``subject_from`` connector (read-only) for what it needs. An
    empty ``subject_from`` (a shop database that holds the subject table itself) means the
    connector's own subject is the one.
    """

    subject_from: str

    def derive_subject(self, source: Any, subject: Subject) -> Subject:
        """The subject as this system knows it, read from ``source`` without changing it."""
        ...


@runtime_checkable
class DataMapped(Protocol):
    """Reads an SQL database described by a data map (``docs/datamap.md``)."""

    datamap: DataMap
    tables: Sequence[TableMap]  # the tables the map assigns to this connector
    engine: Engine  # the read engine

    def target_label(self, target: str, language: str) -> str | None:
        """The label of the data map's table ``target``; None when the map has no such table."""
        ...

    def column_labels(self, target: str, language: str) -> dict[str, str] | None:
        """The labels of table ``target``'s columns in the map's order, by column name; None
        when the map has no such table."""
        ...


@runtime_checkable
class NamesTargets(Protocol):
    """Names itself and the fields its plans change, having no data map (log files)."""

    label: ClassVar[Label]
    field_labels: ClassVar[Mapping[str, Label]]


@runtime_checkable
class KeepsSuppressionList(Protocol):
    """Keeps addresses that must not be written to again (Art. 21(3)) as keyed hashes, and
    can end the subscriptions of such addresses (after a restore from a backup)."""

    def suppression_hashes(self, email: str | None = None, street: str | None = None,
                           postcode: str | None = None) -> list[tuple[str, str]]:
        """``(kind, HMAC)`` of the normalised e-mail and postal address given."""
        ...

    def suppressed_stops(self, is_suppressed: Callable[[list[str]], bool],
                         norm: str) -> tuple[PlannedChange, ...]:
        """The end of each running subscription whose address ``is_suppressed``."""
        ...


@runtime_checkable
class FindsOnItsOwn(Protocol):
    """Derives its subject from another system, yet can find subjects by the claimed
    identifiers itself: a newsletter service's subscriber without a shop account is found
    here, so that "no data found" is not said of someone this system holds."""

    def discover_own(self, identity: Identity) -> Discovery:
        """The subjects this system holds by the claims alone (e-mail at least); reads only."""
        ...


@runtime_checkable
class NamesConsents(Protocol):
    """Holds consents a customer can withdraw one by one (Art. 7(3))."""

    def consent_kinds(self) -> dict[str, dict[str, str]]:
        """Consent kind -> its label by language (``{"de": ..., "en": ...}``)."""
        ...


@runtime_checkable
class StopsAdvertising(Protocol):
    """Can stop advertising to one address at once, without a subject: the one change made
    on intake, before verification (an objection or a withdrawal of consent, Art. 21(3),
    7(3)); it ends sends to the address and nothing else, so a third party who triggers it
    stops advertising and learns nothing."""

    def advertising_stops(self, email: str, norm: str) -> Plan:
        """The plan that ends every running advertising send to ``email`` (reads only)."""
        ...


@runtime_checkable
class Notifies(Protocol):
    """Tells recipients of the subject's data by e-mail (Art. 19) and reminds them."""

    def use_mailer(self, mailer: Sender, sender: str, compose: Composer | None = None) -> None:
        """Send through ``mailer`` from ``sender``, the text rendered by ``compose``."""
        ...

    def remind(self, plan: Plan, target: str) -> str:
        """Send the notice to ``target`` again; returns the reminder's Message-ID."""
        ...


@runtime_checkable
class ReportsStatus(Protocol):
    """Can be asked for the status of a question it was sent (polling a processor)."""

    def status(self, external_id: str) -> str:
        """The system's status of one question."""
        ...


@runtime_checkable
class AcceptsCallbacks(Protocol):
    """Is told of status changes by signed callbacks to the service."""

    def use_callback(self, url: str) -> None:
        """Where the system posts its callbacks (the service's endpoint)."""
        ...

    def accept_callback(self, body: bytes, headers: Mapping[str, str],
                        now: datetime) -> dict[str, Any]:
        """A callback's content once its signature verifies (raises on a bad one)."""
        ...


@runtime_checkable
class Closes(Protocol):
    """Holds resources (pooled connections) to release when the service stops."""

    def close(self) -> None:
        """Release the connector's resources."""
        ...


CAPABILITIES: tuple[type, ...] = (
    Discovers, Reads, Plans, FindsOverdue, ReadsWithOverdue, Executes, RechecksSteps,
    AnswersLater, DerivesSubject, DataMapped,
    NamesTargets, KeepsSuppressionList, StopsAdvertising, FindsOnItsOwn, NamesConsents,
    Notifies, ReportsStatus, AcceptsCallbacks, Closes,
)
"""Every capability a connector may declare, for the conformance test and the docs."""

T = TypeVar("T")


def capable(connector: object, capability: Callable[..., T]) -> T | None:
    """``connector`` typed as ``capability`` (one of :data:`CAPABILITIES`) when it has it,
    else None: the one place a connector is asked what it can do.

    ``capability`` is typed ``Callable[..., T]`` because mypy refuses a Protocol class where
    ``type[T]`` is expected (its ``type-abstract`` check); at run time it is the Protocol.
    """
    return cast(T, connector) if isinstance(connector, cast(type, capability)) else None


def subject_source(connector: object) -> str:
    """The connector whose subject ``connector`` derives its own from; "" for its own."""
    derived = capable(connector, DerivesSubject)
    return derived.subject_from if derived is not None else ""


def subject_holder(connector: Connector) -> str:
    """The connector whose subject keys are ``connector``'s (holds and plans name it)."""
    return subject_source(connector) or connector.name
