"""The service's models; importing this package registers every table on ``Base.metadata``."""

from dsr.models.answers import (
    Delivery,
    DownloadEvent,
    MessageDraft,
    Redaction,
    RegisterVersion,
    SealedAnswer,
)
from dsr.models.audit import AuditEvent, AuditHead
from dsr.models.base import Base, utcnow
from dsr.models.contest import DecisionReview
from dsr.models.document import Document
from dsr.models.inbound import ClassificationCorrection, InboundMessage, TriageEntry
from dsr.models.mail import OutgoingMail
from dsr.models.plan import (
    ChangePlan,
    ChangeReceipt,
    ErasureJournalEntry,
    HoldKind,
    LegalHold,
    PlanStatus,
    RecipientNotice,
    RetainedRecord,
    SuppressionEntry,
)
from dsr.models.request import (
    Channel,
    Decision,
    IdentityClaim,
    Outcome,
    Request,
    RequestType,
)
from dsr.models.task import Task, TaskAttempt, TaskStatus
from dsr.models.user import ApiToken, Role, User
from dsr.models.verification import VerificationCode, VerificationStep

__all__ = [
    "ApiToken", "AuditEvent", "AuditHead", "Base", "Channel", "Decision", "Document",
    "IdentityClaim", "OutgoingMail", "Outcome", "Request", "RequestType", "Role", "Task", "TaskAttempt",
    "TaskStatus", "User", "utcnow",
    "VerificationCode", "VerificationStep",
    "ClassificationCorrection", "InboundMessage", "TriageEntry",
    "Delivery", "DownloadEvent", "MessageDraft", "Redaction", "RegisterVersion", "SealedAnswer",
    "ChangePlan", "ChangeReceipt", "ErasureJournalEntry", "HoldKind", "LegalHold", "PlanStatus",
    "RecipientNotice", "RetainedRecord", "SuppressionEntry",
    "DecisionReview",
]

# The security package's tables (staff sessions, sign-in throttles) join the same metadata.
from dsr.security import models as _security_models  # noqa: E402, F401
