"""MJML written elsewhere gives what the reference MJML compiler gives.

Each file in mjml_reference/ is compiled twice: by the engine (MRML plus our normalising,
as a template with no Jinja) and by the npm package `mjml` pinned in package-lock.json
(`make test` runs `npm ci`). What a reader sees is compared, not the markup (the two
compilers nest Outlook wrappers differently): the visible text, the style declarations
in force on every element that shows text (its own inline style plus what it inherits
from its ancestors' inline styles), every link, every image's src and alt.

Two differences are ours on purpose: `!important` is compared as absent (the reference
inliner, juice, drops it; css-inline keeps it; an inline declaration shows the same
either way), and a raw <img> in mj-text without alt gets alt="" from us where the
reference writes none (every image of every email carries alt).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import pytest
from html5lib import getTreeBuilder
from tests.untracked import build_renderer

from atn_content.config import Settings

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "mjml_reference"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.mjml"))
FRONT = '+++\nsubject = "Reference"\npreheader = "Reference"\n+++\n'
_SKIP = {"head", "style", "script", "title", "template"}
_HIDDEN = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
#: CSS properties an element takes from its parent when it does not set them.
_INHERITED = frozenset(
    {
        "color",
        "direction",
        "font",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "letter-spacing",
        "line-height",
        "text-align",
        "text-transform",
        "white-space",
        "word-spacing",
    }
)


@dataclass
class Shown:
    """What a reader of one email sees, in document order."""

    texts: list[str] = field(default_factory=list)
    styles: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    images: list[tuple[str, str | None]] = field(default_factory=list)


def declarations(style: str) -> dict[str, str]:
    """`a: b; C:D !important` -> {"a": "b", "c": "d !important"}, spacing and case aside."""
    found = {}
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        if colon and name.strip():
            value = _SPACES.sub(" ", value.strip().lower()).replace("!important", "")
            found[name.strip().lower()] = value.strip()
    return found


def shown(document: str) -> Shown:
    parser = html5lib.HTMLParser(tree=getTreeBuilder("etree"), namespaceHTMLElements=False)
    seen = Shown()
    _walk(parser.parse(document), seen, hidden=False, inherited={})
    return seen


def _walk(element: Element, seen: Shown, hidden: bool, inherited: dict[str, str]) -> None:
    tag = str(element.tag)
    if tag in _SKIP:
        return
    style = element.get("style") or ""
    hidden = hidden or bool(_HIDDEN.search(style))
    own = declarations(style)
    in_force = {**inherited, **own}
    if tag == "img":
        seen.images.append((element.get("src") or "", element.get("alt") or ""))
    if tag == "a" and element.get("href"):
        seen.links.append(element.get("href") or "")
    own_text = _SPACES.sub(" ", "".join([element.text or "", *(c.tail or "" for c in element)]))
    if not hidden:
        if own_text.strip():
            seen.texts.append(own_text.strip())
        if own_text.strip() or tag in {"a", "img"}:
            label = own_text.strip()[:30] or (element.get("src") or element.get("href") or "")
            seen.styles.append((tag, label, in_force))
    passed_on = {k: v for k, v in in_force.items() if k in _INHERITED}
    for child in element:
        if isinstance(child.tag, str):
            _walk(child, seen, hidden, passed_on)


def _node_ready() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (make test installs nodejs with apt-get when root)"
    if not (ROOT / "node_modules" / "mjml").is_dir():
        return "the reference compiler is not installed: run `npm ci` (make test does)"
    return None


@pytest.fixture(scope="module")
def reference() -> dict[str, str]:
    missing = _node_ready()
    if missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{missing}; CI=true requires the reference MJML comparison to run")
        pytest.skip(missing)
    paths = [{"path": str(FIXTURES / f"{name}.mjml")} for name in NAMES]
    done = subprocess.run(
        ["node", str(FIXTURES / "compile.js")],
        input=json.dumps(paths),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
    )
    compiled: dict[str, str] = json.loads(done.stdout)
    return {Path(path).stem: html for path, html in compiled.items()}


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("reference") / "content"
    shutil.copytree(ROOT / "locales", root / "locales")
    (root / "blocks").mkdir()
    shutil.copytree(FIXTURES / "partials", root / "templates" / "partials")
    for name in NAMES:
        (root / "templates" / f"{name}.mjml").write_text(
            FRONT + (FIXTURES / f"{name}.mjml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    renderer = build_renderer(Settings(content_root=root, secret=b"r" * 32))
    return {name: renderer.render(name, "en", {"id": "r1"}).html for name in NAMES}


def test_fixtures_cover_what_other_hands_write() -> None:
    text = "\n".join(p.read_text() for p in FIXTURES.rglob("*.mjml"))
    for shape in (
        "<mj-attributes>",
        "<mj-class",
        "<mj-hero",
        "<mj-navbar",
        "<mj-carousel",
        "<mj-accordion",
        "<mj-social",
        "<mj-table",
        "<mj-include",
        'inline="inline"',
    ):
        assert shape in text, shape
    assert re.search(r"<mj-image(?![^>]*\balt=)[^>]*>", text), "an mj-image without alt"
    assert re.search(r'style="[^"]*\n[^"]*"', text), "a style attribute over several lines"
    assert re.search(r'(\bhref="[^"]*")[^>]*\1|\b(href)="[^"]*"\s+href=', text, re.DOTALL)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("aspect", ["texts", "styles", "links", "images"])
def test_engine_shows_what_the_reference_compiler_shows(
    name: str, aspect: str, ours: dict[str, str], reference: dict[str, str]
) -> None:
    expected = getattr(shown(reference[name]), aspect)
    got = getattr(shown(ours[name]), aspect)
    assert got == expected


@pytest.mark.parametrize("name", NAMES)
def test_every_image_has_alt_and_no_attribute_breaks_a_line(
    name: str, ours: dict[str, str]
) -> None:
    parser = html5lib.HTMLParser(tree=getTreeBuilder("etree"), namespaceHTMLElements=False)
    images = list(parser.parse(ours[name]).iter("img"))
    assert images and all(img.get("alt") is not None for img in images)
    assert "\\n" not in ours[name]


def test_declarations_ignore_spacing_and_case() -> None:
    assert declarations("Color:#FFF ;font-size: 60px!important;;") == {
        "color": "#fff",
        "font-size": "60px",
    }


def test_what_is_shown_follows_inheritance_and_skips_hidden_parts() -> None:
    page = (
        '<html><head><title>t</title></head><body><div style="display:none">pre</div>'
        '<div style="color:red;padding:4px"><p style="font-size:20px">Hi <a href="https://e.com/"'
        ' style="color:blue">go</a></p><img src="x.png"></div></body></html>'
    )
    seen = shown(page)
    assert seen.texts == ["Hi", "go"]
    assert seen.styles[0] == ("p", "Hi", {"color": "red", "font-size": "20px"})
    assert seen.styles[1] == ("a", "go", {"color": "blue", "font-size": "20px"})
    assert seen.links == ["https://e.com/"] and seen.images == [("x.png", "")]
