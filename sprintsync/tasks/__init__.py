"""Tasks: the unit of work, its status workflow and history."""
