"""The recipient's pages as HTML: no JavaScript, labelled controls, the emails' colours.

Pure: language, token and choices in, a page out. Every value from outside is escaped;
the token only goes back into the form's own action URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from atn_content.content.content_types import CONTENT_TYPES
from atn_content.store.base import UNSUBSCRIBE_REASONS
from atn_content.tracking.pages.text import TEXT

__all__ = [
    "FREQUENCIES",
    "REASONS",
    "invalid_page",
    "preferences_page",
    "saved_page",
    "unsubscribe_page",
    "unsubscribed_page",
]

FREQUENCIES = ("weekly", "monthly", "never")
#: The reasons a recipient may give (the store's list, without "no reason").
REASONS = tuple(r for r in UNSUBSCRIBE_REASONS if r)

# Contrast: #1d2a33 on white 14.6:1, white on #0b4f6c 8.6:1, #0b4f6c on white 8.6:1.
_STYLE = """body{font-family:Helvetica,Arial,sans-serif;max-width:34rem;margin:3rem auto;
padding:0 1rem;color:#1d2a33;line-height:1.5;background:#fff}
h1{font-size:1.6rem;color:#0b4f6c}fieldset{border:1px solid #9fb6c3;border-radius:.5rem;
margin:0 0 1.2rem;padding:.6rem 1rem}legend{font-weight:bold;padding:0 .3rem}
label{display:block;padding:.35rem 0;cursor:pointer}input{margin-right:.5rem}
button{background:#0b4f6c;color:#fff;border:0;border-radius:1.5rem;padding:.8rem 1.8rem;
font-size:1rem;cursor:pointer}a{color:#0b4f6c}
:focus-visible{outline:3px solid #e8a33d;outline-offset:2px}"""


def _page(lang: str, title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><main><h1>{escape(title)}</h1>{body}"
        "</main></body></html>"
    )


def _t(lang: str, key: str) -> str:
    return escape(TEXT[lang][key])


def unsubscribe_page(lang: str, token: str, preferences_href: str | None) -> str:
    reasons = "".join(
        f'<label for="reason-{r}"><input type="radio" id="reason-{r}" name="reason" '
        f'value="{r}">{_t(lang, "reason." + r)}</label>'
        for r in REASONS
    )
    choose = (
        f'<p><a href="{escape(preferences_href)}">{_t(lang, "unsubscribe.choose")}</a></p>'
        if preferences_href
        else ""
    )
    body = (
        f"<p>{_t(lang, 'unsubscribe.body')}</p>"
        f'<form method="post" action="/u/{escape(token)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        f"<fieldset><legend>{_t(lang, 'unsubscribe.reason')}</legend>{reasons}"
        f'</fieldset><button type="submit">{_t(lang, "unsubscribe.button")}</button></form>'
        f"{choose}"
    )
    return _page(lang, TEXT[lang]["unsubscribe.title"], body)


def unsubscribed_page(lang: str, preferences_href: str | None) -> str:
    link = (
        f'<p><a href="{escape(preferences_href)}">{_t(lang, "unsubscribed.preferences")}</a></p>'
        if preferences_href
        else ""
    )
    return _page(
        lang, TEXT[lang]["unsubscribed.title"], f"<p>{_t(lang, 'unsubscribed.body')}</p>{link}"
    )


def preferences_page(
    lang: str, token: str, frequency: str, topics: Iterable[str], everything: bool
) -> str:
    kept = set(topics)
    frequencies = "".join(
        f'<label for="frequency-{f}"><input type="radio" id="frequency-{f}" name="frequency" '
        f'value="{f}"{" checked" if f == frequency else ""}>{_t(lang, "frequency." + f)}</label>'
        for f in FREQUENCIES
    )
    boxes = "".join(
        f'<label for="topic-{c}"><input type="checkbox" id="topic-{c}" name="topics" '
        f'value="{c}"{" checked" if c in kept else ""}>{_t(lang, "topic." + c)}</label>'
        for c in CONTENT_TYPES
    )
    body = (
        f"<p>{_t(lang, 'preferences.intro')}</p>"
        f'<form method="post" action="/preferences/{escape(token)}">'
        f"<fieldset><legend>{_t(lang, 'preferences.frequency')}</legend>{frequencies}</fieldset>"
        f"<fieldset><legend>{_t(lang, 'preferences.topics')}</legend>{boxes}</fieldset>"
        '<fieldset><label for="everything"><input type="checkbox" id="everything" '
        f'name="everything" value="yes"{" checked" if everything else ""}>'
        f"{_t(lang, 'preferences.everything')}</label></fieldset>"
        f'<button type="submit">{_t(lang, "preferences.save")}</button></form>'
    )
    return _page(lang, TEXT[lang]["preferences.title"], body)


def saved_page(lang: str, everything: bool) -> str:
    words = _t(lang, "saved.everything" if everything else "saved.body")
    return _page(lang, TEXT[lang]["saved.title"], f"<p>{words}</p>")


def invalid_page(lang: str, field: str, value: str, back_href: str) -> str:
    """What was wrong and where: the form field and the value it got (never a 500)."""
    body = (
        f"<p>{_t(lang, 'invalid.field')} <code>{escape(field)}</code>: "
        f"<code>{escape(value[:80])}</code></p>"
        f'<p><a href="{escape(back_href)}">{_t(lang, "invalid.back")}</a></p>'
    )
    return _page(lang, TEXT[lang]["invalid.title"], body)
