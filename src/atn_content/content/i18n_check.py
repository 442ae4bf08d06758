"""Extract translatable strings from templates, update catalogs, and find gaps.

`check_translations` is what `atn-content i18n check` and the test suite run: a shipped
template string that would render untranslated (or crash on a bad placeholder) in any
locale is a finding with the template's file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import PoFileError, read_po, write_po
from babel.util import pathmatch
from jinja2 import TemplateSyntaxError

from atn_content.content.errors import TemplateError, TemplateProblem
from atn_content.content.i18n import DOMAIN, LOCALES, po_path

__all__ = [
    "COMMENT_TAGS",
    "JINJA_OPTIONS",
    "METHOD_MAP",
    "Finding",
    "check_translations",
    "extract_messages",
    "format_findings",
    "update_catalogs",
]

#: Which files hold translatable strings; babel.cfg says the same for `pybabel extract`.
METHOD_MAP: tuple[tuple[str, str], ...] = (
    ("templates/**.mjml", "jinja2"),
    ("blocks/**.mjml", "jinja2"),
)
#: Jinja extraction options, as the engine renders: new-style gettext, i18n extension.
#: No global trimming: write `{% trans trimmed %}` to fold a multi-line block's spaces.
JINJA_OPTIONS: dict[str, str] = {
    "extensions": "jinja2.ext.i18n",
    "newstyle_gettext": "true",
    "silent": "false",
    "encoding": "utf-8",
}
#: `{# NOTE: ... #}` right before a string becomes a comment for translators.
COMMENT_TAGS = ("NOTE:",)

# A %-conversion as Python's `str % mapping` reads it; group 2 is None when malformed.
_PERCENT = re.compile(
    r"%(?:\((\w*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])?"
)

#: A msgid or msgstr as babel gives it: one string, or the forms of a plural.
MsgId = str | tuple[str, ...] | list[str]
_Extracted = tuple[int, str | tuple[str, ...], list[str], str | None]


@dataclass(frozen=True, order=True)
class Finding:
    """One string that would not render right; locale is "" for template-level problems."""

    file: str
    line: int
    locale: str
    msgid: str
    problem: str


def _template_files(root: Path) -> list[Path]:
    """Files under the mapped top-level folders only (never a walk through .venv)."""
    tops = sorted({pattern.split("/", 1)[0] for pattern, _ in METHOD_MAP})
    files = (p for top in tops for p in (root / top).rglob("*") if p.is_file())
    rel = sorted(p.relative_to(root).as_posix() for p in files)
    return [root / r for r in rel if any(pathmatch(pattern, r) for pattern, _ in METHOD_MAP)]


def _extract_file(root: Path, path: Path) -> list[_Extracted]:
    try:
        return extract_from_file(
            "jinja2.ext:babel_extract",
            path,
            keywords=DEFAULT_KEYWORDS,
            comment_tags=COMMENT_TAGS,
            options=JINJA_OPTIONS,
            strip_comment_tags=True,
        )
    except TemplateSyntaxError as exc:
        where = path.relative_to(root).as_posix()
        raise TemplateError([TemplateProblem(where, exc.lineno, exc.message or "")]) from exc


def _collect(root: Path, files: Iterable[Path], catalog: Catalog) -> None:
    for path in files:
        rel = path.relative_to(root).as_posix()
        for line, msgid, comments, context in _extract_file(root, path):
            catalog.add(msgid, None, [(rel, line)], auto_comments=comments, context=context)


def extract_messages(root: Path) -> Catalog:
    """Every translatable string of root/templates and root/blocks, with file and line."""
    catalog = Catalog(project="ATN Content", domain=DOMAIN, charset="utf-8", fuzzy=False)
    _collect(root, _template_files(root), catalog)
    return catalog


def update_catalogs(root: Path, locales: Sequence[str] = LOCALES) -> list[Path]:
    """Write locales/messages.pot and merge it into each locale's .po, like `pybabel update`.

    Existing translations are kept; changed strings come back fuzzy (for review), removed
    ones become obsolete entries. A missing catalog is created, like `pybabel init`.
    """
    template = extract_messages(root)
    locales_dir = root / "locales"
    locales_dir.mkdir(parents=True, exist_ok=True)
    pot = locales_dir / f"{DOMAIN}.pot"
    with pot.open("wb") as out:
        write_po(out, template)
    written = [pot]
    for locale in locales:
        po = po_path(locales_dir, locale)
        if po.is_file():
            with po.open("rb") as f:
                catalog = read_po(f, locale=locale, domain=DOMAIN)
        else:
            catalog = Catalog(locale=locale, domain=DOMAIN, project="ATN Content", fuzzy=False)
            po.parent.mkdir(parents=True, exist_ok=True)
        catalog.update(template)
        with po.open("wb") as out:
            write_po(out, catalog)
        written.append(po)
    return written


def _conversions(text: str) -> tuple[set[str], bool]:
    """(named placeholders, whether every % is %(name)x or %%), as new-style gettext needs."""
    names: set[str] = set()
    clean = True
    for match in _PERCENT.finditer(text):
        name, conversion = match.groups()
        if conversion == "%":
            continue
        if conversion is None or name is None:
            clean = False
        else:
            names.add(name)
    return names, clean


_LONE_PERCENT = "has a % that is not a %(name)s placeholder (write %% for a percent sign)"


def _msgid_problem(msgid: MsgId) -> str | None:
    ids = (msgid,) if isinstance(msgid, str) else msgid
    if all(_conversions(s)[1] for s in ids):
        return None
    return _LONE_PERCENT


def _placeholder_problem(msgid: MsgId, msgstr: MsgId) -> str | None:
    ids = (msgid,) if isinstance(msgid, str) else msgid
    forms = (msgstr,) if isinstance(msgstr, str) else msgstr
    got = [_conversions(s) for s in forms]
    if not all(clean for _, clean in got):
        return f"translation {_LONE_PERCENT}"
    expected = set().union(*(_conversions(s)[0] for s in ids))
    found = set().union(*(names for names, _ in got))
    # A plural form may drop %(num)d ("une nuit"); every name must still appear somewhere.
    missing = expected - found if len(forms) > 1 else expected - got[0][0]
    unknown = found - expected
    if not (missing or unknown):
        return None
    parts = [f"lacks {_show(missing)}"] if missing else []
    parts += [f"has unknown {_show(unknown)}"] if unknown else []
    return "translation " + " and ".join(parts)


def _show(names: set[str]) -> str:
    return ", ".join(f"%({n})s" for n in sorted(names))


def _entry_problem(msgid: MsgId, entry: Message | None) -> str | None:
    """Why this entry would not render right (babel pads missing plural forms with \"\")."""
    if entry is None:
        return "is not translated"
    if entry.fuzzy:
        return "is fuzzy (ignored until reviewed)"
    string = entry.string or ""
    plural = not isinstance(msgid, str)
    if plural != (not isinstance(string, str)):
        kind = "plural" if plural else "singular"
        return f"is {kind} in the template but not in the catalog"
    forms = (string,) if isinstance(string, str) else tuple(string)
    if not all(forms):
        return "has an empty translation"
    return _placeholder_problem(msgid, string)


def _first_id(msgid: MsgId) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _load_catalog(root: Path, locale: str) -> tuple[Catalog | None, Finding | None]:
    po = po_path(root / "locales", locale)
    rel = po.relative_to(root).as_posix()
    if not po.is_file():
        return None, Finding(rel, 0, locale, "", "catalog file is missing")
    try:
        catalog = read_po(BytesIO(po.read_bytes()), locale=locale, abort_invalid=True)
    except PoFileError as exc:
        reason = re.sub(r" on \d+$", "", str(exc))
        return None, Finding(rel, exc.lineno + 1, locale, "", f"cannot be read: {reason}")
    except (UnicodeDecodeError, ValueError) as exc:
        return None, Finding(rel, 0, locale, "", f"cannot be read: {exc}")
    return catalog, None


def check_translations(root: Path, locales: Sequence[str] = LOCALES) -> list[Finding]:
    """Findings for every template string missing, empty, fuzzy or mistranslated anywhere."""
    template = Catalog(domain=DOMAIN, fuzzy=False)
    findings: list[Finding] = []
    for path in _template_files(root):
        try:
            _collect(root, [path], template)
        except TemplateError as exc:
            findings += [
                Finding(p.file, p.line or 0, "", "", f"cannot be parsed: {p.message}")
                for p in exc.problems
            ]
    for message in template:
        if not message.id:
            continue
        file, line = message.locations[0]
        problem = _msgid_problem(message.id)
        if problem:
            findings.append(Finding(file, line or 0, "", _first_id(message.id), problem))
    for locale in locales:
        catalog, missing = _load_catalog(root, locale)
        if catalog is None:
            findings += [missing] if missing else []
            continue
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id, context=message.context)
            problem = _entry_problem(message.id, entry)
            if problem:
                file, line = message.locations[0]
                findings.append(Finding(file, line or 0, locale, _first_id(message.id), problem))
    return sorted(findings, key=lambda f: (f.file, f.line, _locale_rank(f.locale, locales)))


def _locale_rank(locale: str, locales: Sequence[str]) -> int:
    return locales.index(locale) if locale in locales else -1


def format_findings(findings: Iterable[Finding]) -> str:
    """One line per finding: templates/x.mjml:12 [ja] 'Tokyo awaits' is not translated."""
    lines: list[str] = []
    for f in findings:
        where = f"{f.file}:{f.line}" if f.line else f.file
        tag = f" [{f.locale}]" if f.locale else ""
        what = f" {f.msgid!r}" if f.msgid else ""
        lines.append(f"{where}{tag}{what} {f.problem}")
    return "\n".join(lines)
