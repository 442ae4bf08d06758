"""ESP webhooks: each provider's verification and payload in its own module, normalised
into one event shape (events.py) and counted by counting.py; receiver.py runs a request."""
