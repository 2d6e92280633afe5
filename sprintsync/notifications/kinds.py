"""The kinds of notification and the channels that can deliver them.

A kind is what happened ("assigned"); a channel is how a person hears of it. Today the only
channel is the in-app list; email can be added as a second `Channel` (see `channels.py`)
with its own switch per kind, without touching the code that decides who is told what.
"""

from __future__ import annotations

import enum


class Kind(enum.StrEnum):
    assigned = "assigned"
    mentioned = "mentioned"
    commented = "commented"
    moved = "moved"


class ChannelName(enum.StrEnum):
    in_app = "in_app"


KIND_LABELS: dict[Kind, str] = {
    Kind.assigned: "A task is assigned to me",
    Kind.mentioned: "Someone mentions me in a comment",
    Kind.commented: "Someone comments on a task I created or am assigned",
    Kind.moved: "Someone else moves a task I created or am assigned",
}
