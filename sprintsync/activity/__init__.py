"""A task's activity feed: one timeline merged from what the other domains record."""
