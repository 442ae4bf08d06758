"""The recipient's pages: unsubscribe, its confirmation, and the preference centre."""
