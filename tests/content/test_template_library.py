"""Every template x locale x sample recipient renders a mail a real inbox can show.

Templates and samples are discovered, so a new template or sample is covered without
touching this file. One test per combination runs every check and lists all problems,
so a failure reads like a review note: what is wrong, where, in which rendering.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import html5lib
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from html5lib import getTreeBuilder

from atn_content.content.i18n import LOCALES
from atn_content.content.i18n_check import (
    Finding,
    check_translations,
    extract_messages,
    format_findings,
)
from atn_content.content.inbox_head import PREVIEW_SPACER_CHARACTERS
from atn_content.content.library import Library
from atn_content.content.renderer import RenderedEmail

ROOT = Path(__file__).resolve().parents[2]
SAMPLES_DIR = ROOT / "samples" / "recipients"
TEMPLATES = Library(ROOT).names()
SAMPLES = sorted(p.stem for p in SAMPLES_DIR.glob("*.json"))

#: Gmail clips a message whose HTML exceeds 102 KB ("[Message clipped]").
MAX_HTML_BYTES = 102 * 1024
#: RFC 5322 recommends lines under 78 characters; inboxes truncate subjects about there.
MAX_SUBJECT = {"fr": 78, "en": 78, "ja": 40}

_LEFTOVERS = ("{{", "{%", "@@atn", "<!--atn:", "%(")
_MISSING_DATA = re.compile(r"\b(None|Undefined|NaN|nan|null)\b|\[\]|\['|\{'")
_TAG = re.compile(r"</?[a-zA-Z][\w:-]*(\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_CONDITIONAL = re.compile(r"<!--\[if.*?<!\[endif\]-->", re.DOTALL)
_PLACEHOLDER = re.compile(r"%\(\w*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%%")
_LOWER_WORD = re.compile(r"^[a-z]{2,}$")
_SPACES = re.compile(r"\s+")
_URL = re.compile(r"\(?https?://\S+\)?")
_ALT = re.compile(r'\balt="([^"]*)"')
_ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")
#: Fewest invisible spacer characters after the preview text (inboxes show up to ~140).
MIN_PREVIEW_SPACER = 100
#: "-30 %" is how French writes a discount; English writes "30% off".
_MINUS_PERCENT = re.compile(r"(?<![\w-])-\s?\d+(?:[.,]\d+)?\s?%")
#: "0 miles": a count of nothing, shown as if it were news.
_ZERO_MILES = re.compile(r"(?<![\d,.])\b0[\s\u00a0\u202f]?(?:miles?\b|マイル)")


def _combinations() -> Iterator[Any]:
    for template in TEMPLATES:
        for locale in LOCALES:
            for sample in SAMPLES:
                yield pytest.param(template, locale, sample, id=f"{template}-{locale}-{sample}")


# --- what the checks read ------------------------------------------------------------


@cache
def _findings() -> tuple[Finding, ...]:
    return tuple(check_translations(ROOT))


@cache
def _messages() -> Catalog:
    catalog: Catalog = extract_messages(ROOT)
    return catalog


@cache
def _template_files(template: str) -> frozenset[str]:
    source = Library(ROOT).get(template)
    return frozenset([source.file, *(f"blocks/{block}" for block in source.blocks)])


def _english_fragments(msgid: str) -> list[str]:
    """Pieces of a msgid that can only be untranslated English in fr/ja output.

    Proper nouns stay the same in every language ("Air Tahiti Nui", "Bora Bora",
    "Black Friday"), so a piece counts only with two words or more, one of them an
    all-lowercase English word ("Return to Bora Bora" counts, "Club Tiare Gold" does not).
    """
    fragments = []
    for piece in _PLACEHOLDER.split(msgid):
        piece = _SPACES.sub(" ", piece).strip(" ,.;:!?-–—()\"'")
        words = piece.split(" ")
        if len(words) >= 2 and any(_LOWER_WORD.match(w.strip(",.;:!?")) for w in words):
            fragments.append(piece)
    return fragments


@cache
def _english_of(template: str) -> tuple[str, ...]:
    files = _template_files(template)
    fragments: set[str] = set()
    for message in _messages():
        if not message.id or not any(file in files for file, _ in message.locations):
            continue
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        for msgid in ids:
            fragments.update(_english_fragments(msgid))
    return tuple(sorted(fragments))


def _parse(document: str) -> tuple[Element, list[str]]:
    """Parse with html5lib; keep the errors outside MJML's Outlook conditional comments."""
    parser = html5lib.HTMLParser(tree=getTreeBuilder("etree"), namespaceHTMLElements=False)
    root = parser.parse(document)
    line_starts = [0] + [m.end() for m in re.finditer("\n", document)]
    skipped = [m.span() for m in _CONDITIONAL.finditer(document)]
    errors = []
    for (line, col), code, data in parser.errors:
        offset = line_starts[line - 1] + col if 0 < line <= len(line_starts) else -1
        if any(start <= offset < end for start, end in skipped):
            continue
        near = document[max(offset - 60, 0) : offset + 20]
        errors.append(f"{code} at {line}:{col} {data or ''} near {near!r}")
    return root, errors


# --- the checks: each returns problems as sentences ----------------------------------


def _leftovers(email: RenderedEmail) -> list[str]:
    problems = []
    parts = {"html": email.html, "text": email.text, "subject": email.subject}
    parts["preheader"] = email.preheader
    for part, value in parts.items():
        for token in _LEFTOVERS:
            if token in value:
                at = value.index(token)
                problems.append(f"{part} has unresolved {token!r}: {value[at - 40 : at + 40]!r}")
    for part in ("text", "subject", "preheader"):
        found = _MISSING_DATA.search(parts[part])
        if found:
            at = found.start()
            problems.append(
                f"{part} shows missing data {found.group(0)!r}: {parts[part][at - 40 : at + 40]!r}"
            )
    return problems


def _structure(email: RenderedEmail, locale: str) -> list[str]:
    root, errors = _parse(email.html)
    problems = [f"HTML parse error: {e}" for e in errors]
    if root.get("lang") != locale:
        problems.append(f"<html lang={root.get('lang')!r}>, expected {locale!r}")
    for img in root.iter("img"):
        alt, role = img.get("alt"), img.get("role")
        if alt is None or (not alt.strip() and role != "presentation"):
            problems.append(
                f'<img src={img.get("src")!r}> has no alt text (alt="" needs role="presentation")'
            )
        if _MISSING_DATA.search(alt or ""):
            problems.append(f"<img> alt shows missing data: {alt!r}")
    for link in root.iter("a"):
        href = (link.get("href") or "").strip()
        if not href.startswith(("https://", "mailto:", "tel:")):
            problems.append(f"<a> with href {href!r} (text {''.join(link.itertext())[:40]!r})")
        elif href not in email.text:
            problems.append(f"plain text lacks the link {href}")
    return problems


def _inbox_lines(email: RenderedEmail) -> list[str]:
    """What the inbox list shows comes from the HTML: <title>, then the hidden preview."""
    root, _ = _parse(email.html)
    problems = []
    title = root.find("head/title")
    shown_title = "" if title is None else "".join(title.itertext())
    if shown_title != email.subject:
        problems.append(f"<title> is {shown_title!r}, the subject is {email.subject!r}")
    body = root.find("body")
    first = body[0] if body is not None and len(body) else None
    if body is None or first is None or (body.text or "").strip():
        return [*problems, "the body does not start with an element"]
    style = (first.get("style") or "").replace(" ", "")
    preview = "".join(first.itertext())
    spacer = preview[len(email.preheader) :]
    if "display:none" not in style or not preview.startswith(email.preheader):
        problems.append(
            f"the body starts with {preview[:60]!r} ({style[:40]!r}), not the hidden "
            f"preheader {email.preheader!r}"
        )
    elif len(spacer) < MIN_PREVIEW_SPACER or not set(spacer) <= PREVIEW_SPACER_CHARACTERS:
        problems.append(
            f"the preview text is followed by {spacer[:20]!r}, not by at least "
            f"{MIN_PREVIEW_SPACER} invisible spacer characters"
        )
    return problems


def _attributes(email: RenderedEmail) -> list[str]:
    """Attribute values on one line: MRML once wrote a split style as literal \\n."""
    root, _ = _parse(email.html)
    problems = []
    for element in root.iter():
        for name, value in element.attrib.items():
            if "\\n" in value or "\n" in value or "\r" in value:
                problems.append(f"<{element.tag} {name}={value[:60]!r}> holds a line break")
    return problems


def _copy(email: RenderedEmail, locale: str) -> list[str]:
    """House style a reader notices: one apostrophe in French, English discounts, no '0 miles'."""
    shown = [email.subject, email.preheader, email.text]
    shown += [html.unescape(alt) for alt in _ALT.findall(email.html)]
    problems = []
    for part in shown:
        if locale == "fr" and "'" in part:
            at = part.index("'")
            problems.append(f"straight apostrophe in French (write ’): {part[at - 30 : at + 30]!r}")
        if locale == "en" and (found := _MINUS_PERCENT.search(part)):
            problems.append(f"{found.group(0)!r} in English: write it '30% off'")
        if found := _ZERO_MILES.search(part):
            at = found.start()
            problems.append(f"shows a count of zero miles: {part[at - 30 : at + 30]!r}")
    return problems


def _size(email: RenderedEmail) -> list[str]:
    size = len(email.html.encode())
    if size > MAX_HTML_BYTES:
        return [f"HTML is {size / 1024:.1f} KB, Gmail clips above {MAX_HTML_BYTES // 1024} KB"]
    return []


def _plain_text(email: RenderedEmail) -> list[str]:
    text = email.text
    problems = []
    if len(text.strip()) < 40:
        problems.append(f"plain text is (nearly) empty: {text!r}")
    tag = _TAG.search(text)
    if tag:
        problems.append(f"plain text has an HTML tag {tag.group(0)!r}")
    for part, value in (("text", text), ("subject", email.subject), ("preheader", email.preheader)):
        entity = _ENTITY.search(value)
        if entity:
            problems.append(f"{part} has an HTML entity {entity.group(0)!r}")
    if "mso-" in text or "@media" in text:
        problems.append("plain text contains CSS")
    return problems


def _header_lines(email: RenderedEmail, locale: str) -> list[str]:
    problems = []
    if not email.subject.strip():
        problems.append("subject is empty")
    if len(email.subject) > MAX_SUBJECT[locale]:
        problems.append(
            f"subject has {len(email.subject)} characters "
            f"(max {MAX_SUBJECT[locale]} in {locale}): {email.subject!r}"
        )
    if not email.preheader.strip():
        problems.append("preheader is empty")
    return problems


def _english_left(email: RenderedEmail, fragments: tuple[str, ...], locale: str) -> list[str]:
    if locale == "en":
        return []
    shown = _SPACES.sub(" ", html.unescape(f"{email.subject}\n{email.preheader}\n{email.html}"))
    shown += "\n" + _SPACES.sub(" ", email.text)
    problems = []
    for fragment in fragments:
        if re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", shown):
            problems.append(f"English text left in {locale}: {fragment!r}")
    return problems


def _phrases(email: RenderedEmail) -> set[str]:
    """Lines a reader sees (text part without URLs, subject, preheader, alt texts)."""
    lines = [email.subject, email.preheader, *email.text.splitlines()]
    lines += [html.unescape(alt) for alt in _ALT.findall(email.html)]
    return {_SPACES.sub(" ", _URL.sub("", line)).strip() for line in lines}


def _same_as_english(email: RenderedEmail, english: RenderedEmail, locale: str) -> list[str]:
    """Copy written straight into a template without _() reads the same in every locale."""
    if locale == "en":
        return []
    same = _phrases(email) & _phrases(english)
    return [
        f"same words in {locale} as in en (not wrapped in _()?): {phrase!r}"
        for phrase in sorted(same)
        if len(phrase.split()) >= 3 and _ENGLISH_WORD.search(phrase)
    ]


# --- tests ---------------------------------------------------------------------------


def test_library_has_templates_and_samples() -> None:
    assert TEMPLATES, "no template found in templates/"
    assert SAMPLES, "no sample recipient found in samples/recipients/"


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_string_of_the_template_is_translated(template: str) -> None:
    files = _template_files(template)
    findings = [f for f in _findings() if f.file in files]
    assert not findings, "\n" + format_findings(findings)


def test_french_catalog_uses_the_typographic_apostrophe() -> None:
    """Also messages no sample reaches: French writes ’, never a straight quote."""
    with (ROOT / "locales" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po)
    straight = [
        form
        for message in catalog
        if message.id
        for form in ((message.string,) if isinstance(message.string, str) else message.string)
        if "'" in form
    ]
    assert not straight, straight


def test_catalogs_have_no_findings_at_all() -> None:
    """Also blocks no template uses yet, and unreadable catalogs."""
    assert not _findings(), "\n" + format_findings(_findings())


@pytest.mark.parametrize(("template", "locale", "sample"), list(_combinations()))
def test_rendered_email_is_sendable(
    template: str,
    locale: str,
    sample: str,
    render_sample: Callable[[str, str, str], RenderedEmail],
    html_sizes: dict[str, int],
) -> None:
    email = render_sample(template, locale, sample)
    html_sizes[f"{template}/{locale}/{sample}"] = len(email.html.encode())
    problems = [
        *_leftovers(email),
        *_structure(email, locale),
        *_inbox_lines(email),
        *_attributes(email),
        *_copy(email, locale),
        *_size(email),
        *_plain_text(email),
        *_header_lines(email, locale),
        *_english_left(email, _english_of(template), locale),
        *_same_as_english(email, render_sample(template, "en", sample), locale),
    ]
    assert not problems, "\n" + "\n".join(problems)


# --- per-recipient logic: segments and plurals reach the copy ----------------------

#: (template, locale, sample, phrase the rendering must show): Champions, At risk and Lost
#: recipients get different blocks in the re-engagement and campaign emails, so in those a
#: phrase listed for one of the three samples must not reach the other two unless listed.
SEGMENT_COPY = [
    ("reengage-3m", "en", "champion-frequent-flyer", "Double miles on your next trip"),
    ("reengage-3m", "en", "at-risk-customer", "Back to Rangiroa"),
    ("reengage-3m", "en", "lapsed-customer", "The islands of Tahiti are waiting for your return"),
    ("reengage-3m", "en", "lapsed-customer", "MAEVA15-SW"),
    ("reengage-6m", "en", "champion-frequent-flyer", "your opinion matters to us"),
    ("reengage-6m", "en", "at-risk-customer", "since your trip to Rangiroa"),
    ("reengage-6m", "en", "at-risk-customer", "2,000 award miles"),
    ("reengage-6m", "en", "champion-frequent-flyer", "2,000 award miles"),
    ("reengage-6m", "en", "lapsed-customer", "Choose what I receive"),
    ("reengage-12m", "en", "champion-frequent-flyer", "Your Club Tiare status and your miles"),
    ("reengage-12m", "en", "at-risk-customer", "Your miles stay yours"),
    ("reengage-12m", "en", "champion-frequent-flyer", "Your miles stay yours"),
    ("reengage-12m", "en", "lapsed-customer", "MAEVA15-SW"),
    ("campaign-teaser", "en", "champion-frequent-flyer", "24 hours before everyone else"),
    ("campaign-launch", "en", "champion-frequent-flyer", "double miles on every Black Friday"),
    ("campaign-launch", "en", "at-risk-customer", "Rangiroa at Black Friday fares"),
    ("campaign-last-chance", "en", "lapsed-customer", "valid on top of the Black Friday fares"),
    ("first-flight-anniversary", "en", "lapsed-customer", "1 year ago, you discovered"),
    ("first-flight-anniversary", "en", "champion-frequent-flyer", "17 years ago, you discovered"),
    ("first-flight-anniversary", "fr", "lapsed-customer", "Il y a 1 an, vous découvriez"),
    ("first-flight-anniversary", "fr", "champion-frequent-flyer", "Il y a 17 ans, vous"),
    ("first-flight-anniversary", "ja", "champion-frequent-flyer", "ポリネシアとの出会いから17年"),
    ("birthday", "ja", "champion-frequent-flyer", "Tetuanui様"),
    ("birthday", "fr", "champion-frequent-flyer", "TIARE-TEVA-26"),
]
_OTHER_SEGMENTS = ("champion-frequent-flyer", "at-risk-customer", "lapsed-customer")


@pytest.mark.parametrize(("template", "locale", "sample", "phrase"), SEGMENT_COPY)
def test_per_recipient_copy(
    template: str,
    locale: str,
    sample: str,
    phrase: str,
    render_sample: Callable[[str, str, str], RenderedEmail],
) -> None:
    shown = render_sample(template, locale, sample)
    assert phrase in f"{shown.subject}\n{shown.text}"
    if template.startswith(("reengage-", "campaign-")) and sample in _OTHER_SEGMENTS:
        for other in _OTHER_SEGMENTS:
            if other != sample and (template, locale, other, phrase) not in SEGMENT_COPY:
                assert phrase not in render_sample(template, locale, other).text, other


# --- the checks catch what they claim to catch ---------------------------------------


def _fake(**overrides: str) -> RenderedEmail:
    base = {
        "subject": "Bonjour",
        "preheader": "Une offre",
        "html": '<!DOCTYPE html><html lang="fr"><head><title>x</title></head><body>'
        "<p>Bonjour Teva, votre offre vous attend.</p>"
        '<a href="https://example.com/o">Voir</a></body></html>',
        "text": "Bonjour Teva, votre offre vous attend.\n\nVoir (https://example.com/o)\n",
    }
    base.update(overrides)
    return RenderedEmail(
        subject=base["subject"],
        preheader=base["preheader"],
        html=base["html"],
        text=base["text"],
        headers={},
        template="t",
        template_version="v",
        locale="fr",
        variant=None,
    )


def test_checks_pass_a_clean_email() -> None:
    email = _fake()
    assert _leftovers(email) + _structure(email, "fr") + _plain_text(email) == []
    assert _header_lines(email, "fr") == [] and _size(email) == []


def test_checks_catch_broken_emails() -> None:
    clean = _fake()
    assert _leftovers(_fake(text=clean.text + "Bonjour {{ name }} None"))
    assert _structure(_fake(html=clean.html.replace('lang="fr"', 'lang="en"')), "fr")
    no_alt = clean.html.replace("<p>", '<p><img src="https://example.com/x.png">')
    assert "no alt" in _structure(_fake(html=no_alt), "fr")[0]
    spacer_img = '<img src="https://e.com/s.gif" alt="" role="presentation">'
    spacer = clean.html.replace("<p>", "<p>" + spacer_img)
    assert _structure(_fake(html=spacer), "fr") == []
    assert _structure(_fake(html=clean.html.replace("</p>", "</div></p><p <p>")), "fr")
    assert _structure(_fake(html=clean.html.replace("https://example.com/o", "")), "fr")
    assert _plain_text(_fake(text="<b>Bonjour</b> &amp; merci, votre offre vous attend ici."))
    assert _plain_text(_fake(text=" \n"))
    assert _header_lines(_fake(subject="x" * 79), "fr")
    assert _header_lines(_fake(subject="あ" * 41), "ja")
    assert _header_lines(_fake(preheader=" "), "fr")
    assert _size(_fake(html="x" * (MAX_HTML_BYTES + 1)))


def test_inbox_line_checks_catch_a_missing_title_or_preview() -> None:
    spacer = "\u034f\u200c\u00a0" * 40
    hidden = f'<div style="display:none;max-height:0">Une offre{spacer}</div>'
    good = _fake().html.replace("<title>x</title>", "<title>Bonjour</title>")
    good = good.replace("<body>", "<body>" + hidden)
    assert _inbox_lines(_fake(html=good)) == []
    assert _inbox_lines(_fake())  # <title>x</title> and no preview
    assert _inbox_lines(_fake(html=good.replace(spacer, spacer[:30])))
    assert _inbox_lines(_fake(html=good.replace("Une offre", "Voir en ligne")))
    assert _inbox_lines(_fake(html=good.replace(hidden, "<p>Bonjour</p>" + hidden)))


def test_attribute_and_copy_checks() -> None:
    split = _fake(html=_fake().html.replace("<p>", '<p style="color:red;\\n  font-size:60px">'))
    assert _attributes(split) and _attributes(_fake()) == []
    assert _copy(_fake(text="L'offre du jour, jusqu’à minuit."), "fr")
    assert _copy(_fake(text="L’offre du jour, jusqu’à minuit."), "fr") == []
    assert _copy(_fake(text="Up to -30 % on flights"), "en")
    assert _copy(_fake(text="Up to 30% off, from -20 to 30 °C"), "en") == []
    assert _copy(_fake(text="0 miles qualifiants · 0 miles prime"), "fr")
    assert _copy(_fake(text="10 miles · 5 000 miles · 1,500 miles"), "fr") == []
    assert _copy(_fake(text="特典マイル 0マイル"), "ja")


def test_english_fragments_skip_proper_nouns() -> None:
    assert _english_fragments("Return to Bora Bora with -15%%") == ["Return to Bora Bora with -15"]
    assert _english_fragments("%(name)s, your Club Tiare status") == ["your Club Tiare status"]
    assert _english_fragments("Air Tahiti Nui") == []
    assert _english_fragments("Black Friday Polynésie") == []
    assert _english_fragments("Unsubscribe") == []


def test_english_left_in_a_translation_is_caught() -> None:
    fragments = ("votre offre", "see our fares")
    email = _fake()
    assert _english_left(email, ("see our fares",), "fr") == []
    assert _english_left(email, fragments, "en") == []
    assert _english_left(email, fragments, "fr") == ["English text left in fr: 'votre offre'"]


def test_copy_outside_gettext_is_caught() -> None:
    english = _fake(text="Hello Teva, your offer is waiting.\n\nAir Tahiti Nui\n")
    french = _fake(text="Bonjour Teva,\n\nHello Teva, your offer is waiting.\n\nAir Tahiti Nui\n")
    assert _same_as_english(french, english, "fr") == [
        "same words in fr as in en (not wrapped in _()?): 'Hello Teva, your offer is waiting.'"
    ]
    assert _same_as_english(_fake(), english, "fr") == []


def test_conditional_comment_errors_are_ignored() -> None:
    document = (
        '<!DOCTYPE html><html lang="fr"><head><title>x</title></head><body>'
        "<!--[if mso | IE]><table><tr><td <![endif]--><p>ok</p></body></html>"
    )
    assert _parse(document)[1] == []
    assert _parse(document.replace("<p>ok</p>", "<p>ok</p></td></div>"))[1]
