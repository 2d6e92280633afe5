"""SprintSync: a self-hostable work tracker for engineering teams."""

__version__ = "0.1.0"
