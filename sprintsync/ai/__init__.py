"""ai domain."""
