"""privacy: consent-ledger entries and handoff cases can outlive the resident, anonymised

An erasure (/forget) leaves one consent-ledger entry without a resident as proof, and keeps
handoff cases for the city's statistics without the link to the resident; retention anonymises
closed cases after a year. Both foreign keys become nullable with ON DELETE SET NULL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OPEN_ONLY = sa.text("status = 'open'")


def _relink(table: str, *, nullable: bool, ondelete: str) -> None:
    name = f"fk_{table}_resident_id_residents"
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(name, type_="foreignkey")
        batch_op.alter_column("resident_id", existing_type=sa.BigInteger(), nullable=nullable)
        batch_op.create_foreign_key(name, "residents", ["resident_id"], ["id"], ondelete=ondelete)


def _open_case_index(create: bool) -> None:
    # SQLite rebuilds the table in batch mode; the partial unique index is dropped and made again
    # explicitly so its WHERE clause survives on every SQLAlchemy version.
    if create:
        op.create_index(
            "uq_handoff_cases_open", "handoff_cases", ["resident_id"], unique=True,
            sqlite_where=OPEN_ONLY, postgresql_where=OPEN_ONLY,
        )  # fmt: skip
    else:
        op.drop_index("uq_handoff_cases_open", table_name="handoff_cases")


def upgrade() -> None:
    _relink("consent_ledger", nullable=True, ondelete="SET NULL")
    _open_case_index(create=False)
    _relink("handoff_cases", nullable=True, ondelete="SET NULL")
    _open_case_index(create=True)


def downgrade() -> None:
    # Rows without a resident cannot go back under a NOT NULL column: they are anonymous by now.
    op.execute("DELETE FROM consent_ledger WHERE resident_id IS NULL")
    op.execute("DELETE FROM handoff_cases WHERE resident_id IS NULL")
    _relink("consent_ledger", nullable=False, ondelete="CASCADE")
    _open_case_index(create=False)
    _relink("handoff_cases", nullable=False, ondelete="CASCADE")
    _open_case_index(create=True)
