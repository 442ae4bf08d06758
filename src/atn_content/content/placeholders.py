"""Placeholders written for other tools, and hints that are the whole fix.

Templates bought or exported elsewhere carry Mailjet (`{{var:name:"default"}}`), Handlebars
(`{{FirstName}}`, `{{#if x}}`, `{{{raw}}}`) or Mailchimp (`*|FNAME|*`) placeholders. Each is
found before Jinja reads the file (Jinja would stop at the first as a syntax error, or send
a Mailchimp tag as text) and told in one message what to write in its place and, when the
field is not declared yet, the exact front-matter declaration, so that doing what the
message says compiles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass

__all__ = ["Placeholder", "declaration", "field_for", "foreign_placeholders", "snake_case"]

#: Jinja comments and raw sections: what is written there is text, not code.
_INERT = re.compile(r"\{#.*?#\}|\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_MAILJET = re.compile(
    r"\{\{\s*(?:var|data)\s*:\s*([\w.-]+)\s*(?::\s*(\"[^\"]*\"|'[^']*'|[^}\s]*))?\s*\}\}"
)
_TRIPLE = re.compile(r"\{\{\{\s*([\w.-]+)\s*\}\}\}")
_HANDLEBARS_OPEN = re.compile(r"\{\{\s*#\s*(\w+)\s+([\w.-]+)[^}]*\}\}")
_HANDLEBARS_CLOSE = re.compile(r"\{\{\s*/\s*(\w+)\s*\}\}")
_HANDLEBARS_ELSE = re.compile(r"\{\{\s*else\s*\}\}")
_HANDLEBARS_OTHER = re.compile(r"\{\{\s*(?:>|!|\^)[^}]*\}\}")
_MAILCHIMP = re.compile(r"\*\|([A-Za-z0-9_:]+)\|\*")
#: Mailchimp merge tags whose meaning is fixed, and what they are here.
_MAILCHIMP_KNOWN = {
    "FNAME": "recipient.first_name",
    "LNAME": "recipient.last_name",
    "EMAIL": "recipient.email",
    "UNSUB": "unsubscribe_url",
    "UPDATE_PROFILE": "preferences_url",
}
_ENDS = {"if": "{% endif %}", "unless": "{% endif %}", "each": "{% endfor %}"}


@dataclass(frozen=True)
class Placeholder:
    """A foreign placeholder at `start`..`end` of the text, and the whole fix for it."""

    start: int
    end: int
    message: str


def snake_case(name: str) -> str:
    """FirstName -> first_name, HTMLPart -> html_part: the shape of our field names."""
    text = re.sub(r"[-\s.]+", "_", name)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return re.sub(r"_+", "_", text).lower()


def field_for(name: str, declared: Collection[str]) -> str:
    """The recipient field meant by `name`: as written if declared, else in snake_case."""
    if name in declared:
        return name
    return snake_case(name)


def declaration(
    field: str, declared: Collection[str], default: str = '""', kind: str = "str"
) -> str:
    """'' when the field is declared, else the exact front matter to add."""
    if field in declared:
        return ""
    return (
        f", and declare it in the front matter: [fields.{field}] with "
        f'type = "{kind}" and default = {default} (no default if every recipient has it)'
    )


def foreign_placeholders(text: str, declared: Collection[str]) -> list[Placeholder]:
    """Every Mailjet, Handlebars or Mailchimp placeholder of `text`, in order."""
    inert = [m.span() for m in _INERT.finditer(text)]
    found: list[Placeholder] = []
    taken: list[tuple[int, int]] = []
    for pattern, describe in _KINDS:
        for match in pattern.finditer(text):
            at = match.start()
            if any(s <= at < e for s, e in inert) or any(s <= at < e for s, e in taken):
                continue
            taken.append(match.span())
            found.append(Placeholder(at, match.end(), describe(match, declared)))
    return sorted(found, key=lambda p: p.start)


def _mailjet(match: re.Match[str], declared: Collection[str]) -> str:
    field = field_for(match.group(1), declared)
    default = match.group(2)
    if default is None:
        toml_default = '""'
    elif default[:1] in "\"'":
        toml_default = default
    else:
        toml_default = json.dumps(default)
    return (
        f"{match.group(0)} is a Mailjet placeholder: write {{{{ recipient.{field} }}}} in its "
        f"place{declaration(field, declared, toml_default)}"
    )


def _triple(match: re.Match[str], declared: Collection[str]) -> str:
    field = field_for(match.group(1), declared)
    return (
        f"{match.group(0)} is a Handlebars unescaped placeholder: write "
        f"{{{{ recipient.{field} }}}} in its place (values from data are always "
        f"escaped){declaration(field, declared)}"
    )


def _handlebars_open(match: re.Match[str], declared: Collection[str]) -> str:
    helper, name = match.group(1), match.group(2)
    field = field_for(name, declared)
    if helper == "if":
        jinja, end, kind = f"{{% if recipient.{field} %}}", "{% endif %}", "str"
    elif helper == "unless":
        jinja, end, kind = f"{{% if not recipient.{field} %}}", "{% endif %}", "str"
    elif helper == "each":
        jinja, end, kind = f"{{% for item in recipient.{field} %}}", "{% endfor %}", "list"
    else:
        return (
            f"{match.group(0)} is a Handlebars block helper: write it with Jinja tags "
            "({% if %}, {% for %}, {% with %}) and recipient.FIELD"
        )
    default = "[]" if kind == "list" else '""'
    return (
        f"{match.group(0)} is a Handlebars block: write {jinja} in its place (and {end} "
        f"for its closing tag){declaration(field, declared, default, kind)}"
    )


def _handlebars_close(match: re.Match[str], _declared: Collection[str]) -> str:
    end = _ENDS.get(match.group(1), "the matching {% end... %} tag")
    return f"{match.group(0)} closes a Handlebars block: write {end} in its place"


def _handlebars_else(match: re.Match[str], _declared: Collection[str]) -> str:
    return f"{match.group(0)} is Handlebars: write {{% else %}} in its place"


def _handlebars_other(match: re.Match[str], _declared: Collection[str]) -> str:
    written = match.group(0)
    if written.lstrip("{ ").startswith("!"):
        return f"{written} is a Handlebars comment: write {{# ... #}} in its place"
    if written.lstrip("{ ").startswith(">"):
        return (
            f"{written} is a Handlebars partial: put the part in blocks/ and write "
            '{% include "name.mjml" %} in its place'
        )
    return f"{written} is a Handlebars inverted block: write {{% if not ... %}} in its place"


def _mailchimp(match: re.Match[str], declared: Collection[str]) -> str:
    tag = match.group(1).upper()
    known = _MAILCHIMP_KNOWN.get(tag)
    if known is not None and not known.startswith("recipient."):
        return f"{match.group(0)} is a Mailchimp merge tag: write {{{{ {known} }}}} in its place"
    field = known.removeprefix("recipient.") if known else field_for(tag.lower(), declared)
    return (
        f"{match.group(0)} is a Mailchimp merge tag: write {{{{ recipient.{field} }}}} in its "
        f"place{declaration(field, declared)}"
    )


_KINDS = (
    (_MAILJET, _mailjet),
    (_TRIPLE, _triple),
    (_HANDLEBARS_OPEN, _handlebars_open),
    (_HANDLEBARS_CLOSE, _handlebars_close),
    (_HANDLEBARS_ELSE, _handlebars_else),
    (_HANDLEBARS_OTHER, _handlebars_other),
    (_MAILCHIMP, _mailchimp),
)
