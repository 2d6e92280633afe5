"""Stored emails' internationalised domains in their ASCII (punycode) form.

Emails are now stored as sign-up and log-in normalise them (anna@bücher.example is kept as
anna@xn--bcher-kva.example), so a user stored earlier with the Unicode form could no longer
log in. This rewrites those domains. A row whose ASCII form another user already has, or
whose domain is not a valid IDNA name, is left as it is and reported, never merged: an
admin decides (the migration does not fail on it).

Data only, and there is nothing to undo: the downgrade keeps the ASCII forms, which the
older code accepts as well.

Revision ID: 0370
Revises: 0360
Create Date: 2026-11-29
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0370"
down_revision: str | None = "0360"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("sprintsync.migrations")

_users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String(length=320)))


def ascii_email(email: str) -> str | None:
    """The email with its domain in punycode, lower case; None if the domain is not IDNA."""
    local, at, domain = email.rpartition("@")
    if not at:
        return None
    try:
        return f"{local}@{domain.lower().encode('idna').decode('ascii')}"
    except UnicodeError:
        return None


def upgrade() -> None:
    conn = op.get_bind()
    # Only a non-ASCII domain needs rewriting; the table is read once and rows change one by
    # one, so a clash between two rows of this very batch is noticed too.
    rows = conn.execute(sa.select(_users.c.id, _users.c.email)).all()
    for user_id, email in rows:
        domain = email.rpartition("@")[2]
        if domain.isascii():
            continue
        new = ascii_email(email)
        if new is None:
            log.warning("user %s: email domain is not a valid IDNA name; left as it is", user_id)
            continue
        taken = conn.execute(
            sa.select(_users.c.id).where(
                sa.func.lower(_users.c.email) == new.lower(), _users.c.id != user_id
            )
        ).first()
        if taken is not None:
            log.warning(
                "user %s: email %s is already user %s's; left as it is (merge or rename by hand)",
                user_id,
                new,
                taken.id,
            )
            continue
        conn.execute(sa.update(_users).where(_users.c.id == user_id).values(email=new))


def downgrade() -> None:
    pass
