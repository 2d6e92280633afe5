"""Projects: a team's shared space, its members and their roles, and its task-key sequence."""
