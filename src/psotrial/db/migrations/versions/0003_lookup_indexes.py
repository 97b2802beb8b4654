"""Indexes for the lookups every save makes: a participant's entries of one form, and the
signatures of a participant.

``ix_form_entry_form_code`` (form_code alone) made SQLite, which has no statistics until
ANALYZE, answer ``participant_id = ? AND form_code = ?`` by reading every entry of that form
in the study: the latest weight, the lifecycle checks and the end-of-study lookup grew with
the trial (an import slowed from 8 to 2.5 participants/s between 200 and 2,700
participants). ``(form_code, participant_id)`` serves both that lookup and the by-form
reads; the signature lookup of every save read the whole signature table.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_form_entry_form_code", table_name="form_entry")
    op.create_index(
        "ix_form_entry_form_code_participant", "form_entry", ["form_code", "participant_id"]
    )
    op.create_index("ix_signature_participant_id", "signature", ["participant_id"])


def downgrade() -> None:
    op.drop_index("ix_signature_participant_id", table_name="signature")
    op.drop_index("ix_form_entry_form_code_participant", table_name="form_entry")
    op.create_index("ix_form_entry_form_code", "form_entry", ["form_code"])
