"""The human review of a contested automated decision (Art. 22(3) GDPR): which decision a
coordinator reviewed, with what outcome, why, and which payment options follow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dsr.clock import stamp
from dsr.db import Base

REVIEW_OUTCOMES = ("upheld", "changed")


class DecisionReview(Base):
    """One request's recorded review of the decision it contests; editable until approval.

    ``check_key`` names the decision taken (the register's decision and the row key of the
    subject's record of it, e.g. ``credit_check:17``); ``options`` are the register's option
    codes the subject is offered now (for ``upheld`` the ones the decision offered).
    """

    __tablename__ = "decision_reviews"
    __table_args__ = (
        CheckConstraint("outcome IN (" + ", ".join(f"'{o}'" for o in REVIEW_OUTCOMES) + ")",
                        name="outcome"),
        CheckConstraint("length(reasons) > 0", name="reasons_given"),
        CheckConstraint("length(reviewer_role) > 0", name="reviewer_role_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                            unique=True)
    decision: Mapped[str] = mapped_column(String(60))
    check_key: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]]
    reviewer_role: Mapped[str] = mapped_column(String(40))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    updated_at: Mapped[datetime] = mapped_column(default=stamp)
