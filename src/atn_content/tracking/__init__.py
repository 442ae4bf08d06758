"""Signed links in an email and what comes back through them: unsubscribe and preferences
links now; click redirects and the open pixel next."""
