"""The account row (`users` table) that request authentication loads; `users/` manages it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from sprintsync.db import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    # Set when an admin resets the password: every page and API call but changing it is
    # refused until the user picks a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # IANA name (validated by timeutil.zone when stored); read it through timeutil.user_zone.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Emails are unique whatever their case; lookups use the same expression so they hit it.
Index("uq_users_email_lower", func.lower(User.email), unique=True)
