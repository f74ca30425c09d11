"""Who may use the shared app and what each account may change.

The app is run once for a district: clerks of many communes log in to one server. This package
holds the pieces that make that safe, each in its own module:

- ``accounts``: users with argon2 password hashes in ``data/access.sqlite3``, roles clerk/admin;
- ``ownership``: which account and unit added each uploaded document, and who may change it;
- ``sessions``: login sessions that expire (idle and absolute limits);
- ``throttle``: failed-login limits per account and per client address;
- ``audit``: the append-only, hash-chained log of logins and corpus changes;
- ``web``: the login page and the ASGI guard in front of every Gradio route.
"""
