"""The page a refused tracking link lands on: localised, the same for every refusal, and
saying nothing about the token (no error detail, no echo of the URL).

Language: the token's own locale when it can be read (it is data inside the token, used only
to pick one of three fixed pages), else the browser's Accept-Language, else English.
"""

from __future__ import annotations

__all__ = ["SITE", "page_language", "refused_page"]

#: Where the page sends the reader instead (fixed, never taken from the request).
SITE = "https://www.airtahitinui.com/"

_TEXT = {
    "fr": (
        "Ce lien n'est plus valable",
        "Le lien que vous avez suivi est incomplet ou a expiré.",
        "Aller sur airtahitinui.com",
    ),
    "en": (
        "This link is no longer valid",
        "The link you followed is incomplete or has expired.",
        "Go to airtahitinui.com",
    ),
    "ja": (
        "このリンクは無効です",
        "お使いのリンクは不完全か、有効期限が切れています。",
        "airtahitinui.com へ",
    ),
}

_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots"
content="noindex"><title>{title}</title><style>body{{font-family:Helvetica,Arial,sans-serif;
max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1d2a33}}a{{color:#0b4f6c}}</style>
</head><body><h1>{title}</h1><p>{body}</p><p><a href="{site}">{link}</a></p></body></html>"""


def page_language(token_locale: str | None, accept_language: str) -> str:
    """fr, en or ja: the token's locale, else the first one Accept-Language prefers."""
    if token_locale:
        lang = token_locale.split("-")[0].split("_")[0].lower()
        if lang in _TEXT:
            return lang
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept_language.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        lang = tag.split("-")[0].lower()
        if lang in _TEXT and quality > 0:
            ranked.append((-quality, index, lang))
    return min(ranked)[2] if ranked else "en"


def refused_page(lang: str) -> str:
    title, body, link = _TEXT.get(lang, _TEXT["en"])
    return _PAGE.format(lang=lang, title=title, body=body, link=link, site=SITE)
