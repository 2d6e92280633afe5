"""ai/providers domain."""
