"""stats domain."""
