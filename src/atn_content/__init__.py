"""ATN Content: Air Tahiti Nui's email content and experimentation service."""

__all__ = ["__version__"]

__version__ = "0.1.0"
