"""Client support and accessibility lint for rendered emails.

`lint_html(html, clients=..., allow=..., lang=...)` returns a LintReport: the HTML and CSS
features the email uses with caniemail's support and notes for each client, and findings
(client gaps not in the allow-list, size, lang, alt, layout-table roles, links, contrast).
The CLI (`atn-content lint`) and the test suite call it on every shipped template; the
preview studio can call it on one render with a client filter.
"""

from atn_content.content.lint.allowlist import ALLOW_LIST_FILE, AllowList, AllowListError
from atn_content.content.lint.caniemail import CLIENT_KEYS, CLIENTS, Client, caniemail
from atn_content.content.lint.findings import Finding
from atn_content.content.lint.linter import OUTLOOK_WINDOWS, lint_html
from atn_content.content.lint.report import FeatureUse, LintReport, combine, summary_key

__all__ = [
    "ALLOW_LIST_FILE",
    "CLIENTS",
    "CLIENT_KEYS",
    "OUTLOOK_WINDOWS",
    "AllowList",
    "AllowListError",
    "Client",
    "FeatureUse",
    "Finding",
    "LintReport",
    "caniemail",
    "combine",
    "lint_html",
    "summary_key",
]
