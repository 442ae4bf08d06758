"""The kinds of content a template declares (`content = "..."` in its front matter).

One definition: the library checks templates against it, the store checks a recipient's
preferences against it (the topics they keep), and suppression compares the two.
"""

from __future__ import annotations

__all__ = ["CONTENT_TYPES"]

#: What a template is, as a recipient chooses in the preference centre.
CONTENT_TYPES = ("promotions", "inspiration", "travel-information")
