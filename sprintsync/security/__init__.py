"""Request authentication every domain's routes need, kept below the domains.

Tokens, the current-user dependencies, password hashing, the user cache, and the account
row (`User`) they load. Sign-up, log-in and profile stay in `auth/`; managing accounts in
`users/`.
"""
