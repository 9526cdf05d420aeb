"""The service's models; importing this package registers every table on ``Base.metadata``."""

from dsr.models.audit import AuditEvent, AuditHead
from dsr.models.base import Base, utcnow
from dsr.models.document import Document
from dsr.models.mail import OutgoingMail
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

__all__ = [
    "ApiToken", "AuditEvent", "AuditHead", "Base", "Channel", "Decision", "Document",
    "IdentityClaim", "OutgoingMail", "Outcome", "Request", "RequestType", "Role", "Task", "TaskAttempt",
    "TaskStatus", "User", "utcnow",
]
