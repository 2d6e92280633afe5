"""Delivery channels: where a notification goes once it is decided that someone gets it.

`notify` stores every notification (the in-app list is the record of what was sent) and
then hands it to each further channel whose switch the recipient has on. An email channel
would implement `Channel` by writing to an outbox table in the same transaction, for a
worker to send after commit; nothing else changes.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from sprintsync.notifications.kinds import ChannelName
from sprintsync.notifications.models import Notification


class Channel(Protocol):
    name: ChannelName

    async def deliver(self, session: AsyncSession, notification: Notification) -> None:
        """Queue `notification` for delivery; runs inside the caller's transaction."""


class InAppChannel:
    """The notification row itself is the in-app delivery: nothing more to do."""

    name = ChannelName.in_app

    async def deliver(self, session: AsyncSession, notification: Notification) -> None:
        return None


CHANNELS: tuple[Channel, ...] = (InAppChannel(),)
