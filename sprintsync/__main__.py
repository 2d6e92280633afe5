"""`python -m sprintsync` runs the CLI."""

from sprintsync.cli import app

app()
