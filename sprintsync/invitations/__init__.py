"""Invitations: single-use sign-up links with an expiry that join a person to a project."""
