"""Authentication: passwords, tokens, cookies, CSRF and login throttling."""
