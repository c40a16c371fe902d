"""People and roles: accounts, sign-in and sign-out, and which role may open which page."""
