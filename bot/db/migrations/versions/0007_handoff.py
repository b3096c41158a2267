"""handoff cases (talking to a person) and the message log their card shows

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "handoff_cases",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("resident_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("flow", sa.String(length=40), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_handoff_cases_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_cases")),
    )
    op.create_index(
        "uq_handoff_cases_open", "handoff_cases", ["resident_id"], unique=True,
        sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_handoff_cases_topic", "handoff_cases", ["chat_id", "thread_id"], unique=False)
    op.create_index("ix_handoff_cases_status", "handoff_cases", ["status", "last_activity_at"], unique=False)
    op.create_table(
        "message_log",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("resident_id", sa.BigInteger(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["residents.id"], name=op.f("fk_message_log_resident_id_residents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_log")),
    )
    op.create_index("ix_message_log_resident", "message_log", ["resident_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_message_log_resident", table_name="message_log")
    op.drop_table("message_log")
    op.drop_index("ix_handoff_cases_status", table_name="handoff_cases")
    op.drop_index("ix_handoff_cases_topic", table_name="handoff_cases")
    op.drop_index("uq_handoff_cases_open", table_name="handoff_cases")
    op.drop_table("handoff_cases")
