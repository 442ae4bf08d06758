"""What each kind of mail client reads from one HTML document.

Outlook for Windows (Word's engine, "mso") evaluates conditional comments: it shows what
`<!--[if mso]>...<![endif]-->` holds and skips `<!--[if !mso]><!-->...<!--<![endif]-->`.
Every other client takes both as plain comments, so it sees the document as written. The
lint therefore parses two documents: the HTML itself, and the HTML as Outlook reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

__all__ = ["MSO_VERSION", "Views", "condition_holds", "outlook_source", "parse_views"]

#: Outlook 2016, 2019, 2021 and Microsoft 365 for Windows all answer "mso 16".
MSO_VERSION = 16
_ENDIF = "<![endif]"


@dataclass(frozen=True)
class Views:
    """The document as written (every client but Outlook for Windows) and as Outlook
    for Windows reads it, each as source text and parsed tree."""

    source: str
    standard: LexborHTMLParser
    outlook_source: str
    outlook: LexborHTMLParser


def parse_views(html: str) -> Views:
    standard = LexborHTMLParser(html)
    outlook_html = outlook_source(html, standard)
    outlook = standard if outlook_html == html else LexborHTMLParser(outlook_html)
    return Views(html, standard, outlook_html, outlook)


def outlook_source(html: str, parsed: LexborHTMLParser | None = None) -> str:
    """The document as Outlook for Windows reads it: conditional comments evaluated.

    The parser finds the comments (so `<!--` inside a <style> is not one); each is then
    located in the source in document order and replaced by what Outlook makes of it.
    """
    tree = parsed or LexborHTMLParser(html)
    out: list[str] = []
    cursor = 0
    hiding = False  # inside a downlevel-revealed block whose condition is false for mso
    for node in tree.root.traverse(include_text=False) if tree.root else ():
        if not node.is_comment_node:
            continue
        data = node.comment_content or ""
        start = html.find(f"<!--{data}-->", cursor)
        if start < 0:
            continue  # not written as <!--...--> in the source (parser recovery): leave it
        end = start + len(data) + 7
        if hiding:
            if data == _ENDIF:
                hiding, cursor = False, end
            continue
        out.append(html[cursor:start])
        cursor = end
        condition, shown = _conditional(data)
        if condition is None:
            if data != _ENDIF:  # a stray <!--<![endif]--> closes nothing Outlook shows
                out.append(html[start:end])
        elif shown is None:  # <!--[if cond]><!-->: what follows is markup for everyone
            hiding = not condition_holds(condition, MSO_VERSION)
        elif condition_holds(condition, MSO_VERSION):
            out.append(shown)
    out.append(html[cursor:] if not hiding else "")
    return "".join(out)


def _conditional(data: str) -> tuple[str | None, str | None]:
    """'[if mso]><table><![endif]' -> ('mso', '<table>'); '[if !mso]><!' -> ('!mso', None)."""
    if not data.startswith("[if ") or "]>" not in data:
        return None, None
    condition, rest = data[4:].split("]>", 1)
    if rest.strip() in ("<!", "<!--"):
        return condition, None
    if rest.endswith(_ENDIF):
        return condition, rest[: -len(_ENDIF)]
    return None, None


def condition_holds(condition: str, mso: int | None, ie: int | None = None) -> bool:
    """Evaluate a conditional-comment expression ('gte mso 9', 'mso | IE', '!mso') for a
    client that is Outlook version `mso` (None: not Outlook) and IE version `ie`."""
    tokens = _tokens(condition)
    value, rest = _or(tokens, {"mso": mso, "ie": ie})
    return value and not rest


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch.isalnum() or ch in "._":
            word += ch
            continue
        if word:
            tokens.append(word)
            word = ""
        if ch in "!()|&":
            tokens.append(ch)
    if word:
        tokens.append(word)
    return tokens


_Versions = dict[str, int | None]


def _or(tokens: list[str], versions: _Versions) -> tuple[bool, list[str]]:
    value, tokens = _and(tokens, versions)
    while tokens and tokens[0] == "|":
        right, tokens = _and(tokens[1:], versions)
        value = value or right
    return value, tokens


def _and(tokens: list[str], versions: _Versions) -> tuple[bool, list[str]]:
    value, tokens = _unary(tokens, versions)
    while tokens and tokens[0] == "&":
        right, tokens = _unary(tokens[1:], versions)
        value = value and right
    return value, tokens


_COMPARE = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _unary(tokens: list[str], versions: _Versions) -> tuple[bool, list[str]]:
    if not tokens:
        return False, []
    head, rest = tokens[0], tokens[1:]
    if head == "!":
        value, rest = _unary(rest, versions)
        return not value, rest
    if head == "(":
        value, rest = _or(rest, versions)
        return value, rest[1:] if rest and rest[0] == ")" else rest
    compare = _COMPARE.get(head.lower())
    if compare is not None:
        if not rest:
            return False, []
        head, rest = rest[0], rest[1:]
    version = versions.get(head.lower())
    wanted: float | None = None
    if rest and rest[0].replace(".", "", 1).isdigit():
        wanted, rest = float(rest[0]), rest[1:]
    if version is None:
        return False, rest
    if wanted is None:
        return True, rest
    return (compare or (lambda a, b: a == b))(version, wanted), rest
