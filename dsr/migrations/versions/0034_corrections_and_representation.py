"""corrections and representation in tables of their own, out of identity_claims

A rectification's values (claims ``requested_corrections`` and ``corrections``, JSON text) move
to ``request_corrections``; ``acting_as`` and ``deliver_to`` move to ``representations``. The
downgrade writes them back as claims in the shape they had.

Revision ID: 0032
Revises: 0001
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0001"
branch_labels = None
depends_on = None

REQUESTED, RECORDED = "requested_corrections", "corrections"
REPRESENTATION = ("acting_as", "deliver_to")

claims = sa.table("identity_claims", sa.column("id", sa.Integer()),
                  sa.column("request_id", sa.Integer()), sa.column("kind", sa.String()),
                  sa.column("value", sa.Text()))
corrections = sa.table("request_corrections", sa.column("request_id", sa.Integer()),
                       sa.column("source", sa.String()), sa.column("values", sa.JSON()),
                       sa.column("note", sa.Text()))
representations = sa.table("representations", sa.column("request_id", sa.Integer()),
                           sa.column("acting_as", sa.String()), sa.column("deliver_to", sa.Text()))


def _loaded(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:  # unreadable: the service read it as "no corrections" too
        return {}
    return value if isinstance(value, dict) else {}


def _text_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def upgrade() -> None:
    op.create_table(
        "request_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("source IN ('requested', 'recorded')",
                           name=op.f("ck_request_corrections_source")),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_request_corrections_request_id_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_corrections")),
        sa.UniqueConstraint("request_id", "source", name=op.f("uq_request_corrections_request_id")),
    )
    op.create_index(op.f("ix_request_corrections_request_id"), "request_corrections",
                    ["request_id"])
    op.create_table(
        "representations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("acting_as", sa.String(length=30), nullable=True),
        sa.Column("deliver_to", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"],
                                name=op.f("fk_representations_request_id_requests"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_representations")),
        sa.UniqueConstraint("request_id", name=op.f("uq_representations_request_id")),
    )
    bind = op.get_bind()
    moved = (REQUESTED, RECORDED, *REPRESENTATION)
    rows = bind.execute(sa.select(claims.c.request_id, claims.c.kind, claims.c.value)
                        .where(claims.c.kind.in_(moved)).order_by(claims.c.id)).all()
    found: dict[tuple[int, str], str] = {}
    for request_id, kind, value in rows:
        found.setdefault((request_id, kind), value)  # the first one is the one the service read
    new_corrections: list[dict[str, Any]] = []
    people: dict[int, dict[str, Any]] = {}
    for (request_id, kind), value in found.items():
        if kind == RECORDED:
            new_corrections.append({"request_id": request_id, "source": "recorded",
                                    "values": _text_map(_loaded(value)), "note": ""})
        elif kind == REQUESTED:
            loaded = _loaded(value)
            new_corrections.append({"request_id": request_id, "source": "requested",
                                    "values": _text_map(loaded.get("fields")),
                                    "note": str(loaded.get("note") or "")})
        else:
            people.setdefault(request_id, {"request_id": request_id, "acting_as": None,
                                           "deliver_to": None})[kind] = value
    if new_corrections:
        bind.execute(corrections.insert(), new_corrections)
    if people:
        bind.execute(representations.insert(), list(people.values()))
    bind.execute(claims.delete().where(claims.c.kind.in_(moved)))


def downgrade() -> None:
    bind = op.get_bind()
    back: list[dict[str, Any]] = []
    for request_id, source, values, note in bind.execute(sa.select(
            corrections.c.request_id, corrections.c.source, corrections.c["values"],
            corrections.c.note)).all():
        body: Any = values if source == "recorded" else {"fields": values, "note": note}
        back.append({"request_id": request_id,
                     "kind": RECORDED if source == "recorded" else REQUESTED,
                     "value": json.dumps(body, ensure_ascii=False, sort_keys=True)})
    for request_id, acting_as, deliver_to in bind.execute(sa.select(
            representations.c.request_id, representations.c.acting_as,
            representations.c.deliver_to)).all():
        back += [{"request_id": request_id, "kind": kind, "value": value}
                 for kind, value in (("deliver_to", deliver_to), ("acting_as", acting_as))
                 if value]
    if back:
        bind.execute(claims.insert(), back)
    op.drop_table("representations")
    op.drop_index(op.f("ix_request_corrections_request_id"), table_name="request_corrections")
    op.drop_table("request_corrections")
