"""Accounts: the people who use SprintSync and what they may do."""
