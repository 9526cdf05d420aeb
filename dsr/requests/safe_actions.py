"""Safe actions: before an irreversible step a coordinator sees exactly what will happen, and
confirms that very summary.

``summarize`` builds the summary of a step from what is stored (the current plans, the
recipients they notify, what stays blocked and why, where the answer or the refusal goes);
its ``digest`` travels with the confirmation, so a plan that changed between showing and
confirming is refused (:class:`SummaryChanged`) instead of carried out unseen. ``confirm``
then runs the step — or, for a request type configured for four-eyes, records the first
coordinator's confirmation and waits for a second, different one (:mod:`dsr.requests.approvals`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.changes import CHANGE_TYPES
from dsr.answers.models import Delivery
from dsr.answers.postal import is_postal
from dsr.changes.operations import current_plans
from dsr.requests import approvals
from dsr.requests import operations as actions
from dsr.requests.contracts import SubjectKeys
from dsr.requests.models import Request
from dsr.verification.steps import answer_address
from workflows.states import State, TransitionError, allowed


class Step(StrEnum):
    """The irreversible steps that are confirmed on a summary page."""

    EXECUTE = "execute"  # record the decisions and carry out the plan on every system
    RELEASE = "release"  # send the answer (and the confirmations of what was done)
    REJECT = "reject"    # refuse the whole request; the refusal goes out


class SummaryChanged(actions.ActionError):
    """What the coordinator confirmed is no longer what would happen."""


@dataclass(frozen=True)
class Change:
    """Rows of one target of one system that a step deletes, anonymises or changes."""

    connector: str
    target: str
    action: str
    fields: tuple[str, ...]
    rows: int
    norm: str


@dataclass(frozen=True)
class Kept:
    """Fields kept, blocked, with the norm that requires it and until when."""

    connector: str
    target: str
    fields: tuple[str, ...]
    rows: int
    norm: str
    until: date | None


@dataclass(frozen=True)
class Recipient:
    """A recipient told of the change (Art. 19, or a processor asked to erase)."""

    connector: str
    key: str
    name: str
    address: str
    norm: str


@dataclass(frozen=True)
class Summary:
    """Exactly what a step will do; nothing else happens when it is confirmed."""

    step: Step
    request_id: int
    reference: str
    status: str
    types: tuple[str, ...]
    plans: tuple[int, ...]
    changes: tuple[Change, ...]
    kept: tuple[Kept, ...]
    recipients: tuple[Recipient, ...]
    decisions: tuple[actions.DecisionInput, ...]
    #: What goes to the subject with this step (answer, confirmation, refusal), and how.
    to_subject: tuple[str, ...]
    delivery: str        # portal, email, letter, or "" when nothing goes out
    address: str | None  # the e-mail address it goes to (None: a letter, or nothing)
    norm: str = ""
    reason: str = ""

    @property
    def systems(self) -> tuple[str, ...]:
        """Every system the step touches, in plan order."""
        return tuple(dict.fromkeys([c.connector for c in self.changes]
                                   + [k.connector for k in self.kept]
                                   + [r.connector for r in self.recipients]))

    def rows_of(self, connector: str) -> int:
        """Rows deleted, anonymised or changed in one system."""
        return sum(c.rows for c in self.changes if c.connector == connector)

    def digest(self) -> str:
        """SHA-256 of the summary's canonical JSON: equal digests, equal consequences."""
        raw = json.dumps(asdict(self), sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()


def summarize(session: Session, request: Request, step: Step, *,
              decisions: list[actions.DecisionInput] | None = None, norm: str = "",
              reason: str = "") -> Summary:
    """The summary of ``step`` for ``request`` as things stand now (reads only)."""
    changes: list[Change] = []
    kept: list[Kept] = []
    recipients: list[Recipient] = []
    plans = current_plans(session, request.id) if step == Step.EXECUTE else []
    for plan in plans:
        for row in plan.summary:
            fields = tuple(row["fields"])
            if row["action"] == "notify":
                continue
            if row["action"] == "block":
                until = row.get("retained_until")
                kept.append(Kept(plan.connector, row["target"], fields, int(row["rows"]),
                                 str(row["norm"]), date.fromisoformat(until) if until else None))
            else:
                changes.append(Change(plan.connector, row["target"], str(row["action"]),
                                      fields, int(row["rows"]), str(row["norm"])))
        for change in plan.body.get("changes", []):
            if change["action"] == "notify":
                value = change.get("value") or {}
                recipients.append(Recipient(plan.connector, str(change["target"]),
                                            str(value.get("name", change["target"])),
                                            str(value.get("to", "")), str(change["norm"])))
    to_subject, delivery, address = _to_subject(session, request, step)
    return Summary(step=step, request_id=request.id, reference=request.reference,
                   status=request.status, types=tuple(request.types),
                   plans=tuple(p.id for p in plans), changes=tuple(changes), kept=tuple(kept),
                   recipients=tuple(recipients), decisions=tuple(decisions or ()),
                   to_subject=to_subject, delivery=delivery, address=address,
                   norm=norm.strip(), reason=reason.strip())


def _to_subject(session: Session, request: Request,
                step: Step) -> tuple[tuple[str, ...], str, str | None]:
    """What the step sends the subject, by which way, to which address."""
    types = set(request.types)
    if step == Step.EXECUTE:
        return (), "", None  # the answer and confirmations go out only when released
    sent: tuple[str, ...]
    if step == Step.REJECT:
        sent = ("refusal",)
    else:
        sent = tuple(kind for kind, wanted in (
            ("answer", bool(actions.DISCLOSING & types)),
            ("confirmation", bool(set(CHANGE_TYPES) & types)),
            ("contest_outcome", "contest_decision" in types)) if wanted)
    if not sent:
        return (), "", None
    if is_postal(request):
        return sent, "letter", None
    if step == Step.REJECT:
        to = request.claim("email")
        return sent, ("email" if to else "letter"), to
    to = answer_address(session, request) or SubjectKeys.of(request).first("email")
    if "answer" not in sent:
        return sent, "email", to or request.claim("email")
    by_email = session.scalar(select(Delivery.id).where(Delivery.request_id == request.id,
                                                        Delivery.method == "email"))
    return sent, "email" if by_email is not None else "portal", to


def check_possible(session: Session, request: Request, step: Step, *,
                   decisions: list[actions.DecisionInput] | None = None, norm: str = "",
                   reason: str = "") -> None:
    """Refuse a step that cannot be taken now, before its summary is shown (raises the
    error the step itself would raise)."""
    target = {Step.EXECUTE: State.EXECUTING, Step.REJECT: State.REJECTED}.get(step)
    if target is not None and not allowed(request.status, target):
        raise TransitionError("request {reference}: {current} -> {target} is not allowed",
                              msgid="err_transition_not_now", reference=request.reference,
                              current=request.status, target=target.value)
    if step == Step.EXECUTE:
        actions.check_decisions(session, request, decisions or [])
    elif step == Step.RELEASE and (request.status != State.EXECUTING
                                   or request.released_at is not None):
        raise actions.ActionError("release: the request is {status}, not executing",
                                  msgid="err_release_state", status=request.status)
    elif step == Step.REJECT and (not norm.strip() or not reason.strip()):
        raise actions.ActionError("norm and reason are both needed to reject a request",
                                  msgid="err_reject_needs_norm_reason")


def confirm(session: Session, request: Request, step: Step, *, digest: str, actor: str,
            user_id: int | None, four_eyes: list[str], decisions: list[actions.DecisionInput]
            | None = None, norm: str = "", reason: str = "") -> approvals.Outcome:
    """Carry out ``step`` if ``digest`` is the summary's as things stand now (else
    :class:`SummaryChanged`); for a four-eyes request type the first coordinator's
    confirmation is recorded and the step waits for a second, different one (``PENDING``)."""
    check_possible(session, request, step, decisions=decisions, norm=norm, reason=reason)
    summary = summarize(session, request, step, decisions=decisions, norm=norm, reason=reason)
    if digest != summary.digest():
        raise SummaryChanged(
            "Die Zusammenfassung hat sich geändert, seit sie angezeigt wurde: bitte die neue "
            "prüfen und erneut bestätigen. / The summary changed since it was shown: check "
            "the new one and confirm again.", msgid="err_summary_changed")
    payload = {"decisions": [asdict(d) for d in decisions or []], "norm": norm, "reason": reason}
    outcome = approvals.second_person(
        session, request, step.value, digest=digest, actor=actor, payload=payload,
        required=approvals.needs_four_eyes(step.value, request.types, four_eyes))
    if outcome == approvals.Outcome.PENDING:
        return outcome
    if step == Step.EXECUTE:
        actions.approve(session, request, actor=actor, user_id=user_id,
                        decisions=list(decisions or []))
    elif step == Step.RELEASE:
        actions.release(session, request, actor=actor)
    else:
        actions.reject(session, request, actor=actor, user_id=user_id, norm=norm, reason=reason)
    return outcome


def stored_decisions(payload: dict[str, Any]) -> list[actions.DecisionInput]:
    """The decisions a pending approval carries (as the first coordinator confirmed them)."""
    return [actions.DecisionInput(**item) for item in payload.get("decisions", [])]
