"""Stand-up summaries: yesterday, today and blockers for a person or a project."""
