"""Library: front matter, block assembly with a line map, content-hash versions, reloads."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from atn_content.content.content_types import CONTENT_TYPES
from atn_content.content.errors import TemplateError, UnknownTemplate
from atn_content.content.library import Library, TemplateSource

REPO = Path(__file__).resolve().parents[2]
FRONT = '+++\nsubject = "Hi"\nlist = "trip-alerts"\n\n[fields.first_name]\ndefault = ""\n+++\n'
BODY = '<mjml><mj-body>\n{% include "a.mjml" %}\n</mj-body></mjml>\n'
BLOCK_A = '<mj-section>\n  {% include "b.mjml" %}\n</mj-section>\n'
BLOCK_B = "<mj-column>\n  <mj-text>B</mj-text>\n</mj-column>\n"


def tree(tmp_path: Path, templates: dict[str, str], blocks: dict[str, str]) -> Path:
    (tmp_path / "templates").mkdir(parents=True)
    (tmp_path / "blocks").mkdir()
    for name, text in templates.items():
        (tmp_path / "templates" / name).write_text(text)
    for name, text in blocks.items():
        (tmp_path / "blocks" / name).write_text(text)
    return tmp_path


@pytest.fixture
def library(tmp_path: Path) -> Library:
    root = tree(tmp_path, {"t.mjml": FRONT + BODY}, {"a.mjml": BLOCK_A, "b.mjml": BLOCK_B})
    return Library(root, check_interval=3600)


def test_shipped_library_has_the_newsletter() -> None:
    source = Library(REPO).get("newsletter-destination")
    assert re.fullmatch(r"[0-9a-f]{12}", source.version)
    assert source.file == "templates/newsletter-destination.mjml"
    assert "destination-offer.mjml" in source.blocks
    assert {"id", "first_name", "last_destination", "recent_searches"} <= set(source.fields)
    assert source.fields["recent_searches"].type == "list[str]"
    assert "{% include" not in source.body and "Bora Bora" in source.body


def test_front_matter_and_nested_blocks_are_assembled(library: Library) -> None:
    source = library.get("t")
    assert (source.subject, source.preheader, source.list_id) == ("Hi", "", "trip-alerts")
    assert source.blocks == ("a.mjml", "b.mjml")
    assert "<mj-text>B</mj-text>" in source.body and "include" not in source.body
    assert source.fields["first_name"].required is False
    assert "fields" not in source.meta


def test_every_shipped_template_declares_what_content_it_is() -> None:
    library = Library(REPO)
    kinds = {name: library.get(name).content_type for name in library.names()}
    assert set(kinds.values()) == set(CONTENT_TYPES), kinds
    assert kinds["abandoned-h72"] == "promotions"
    assert kinds["newsletter-destination"] == "inspiration"
    assert kinds["online-checkin"] == "travel-information"


def test_a_template_without_content_declares_none(library: Library) -> None:
    assert library.get("t").content_type == ""


def test_line_map_points_into_each_block(library: Library) -> None:
    source = library.get("t")
    lines = source.body.splitlines()
    where = {text.strip(): source.origin(n) for n, text in enumerate(lines, 1)}
    assert where["<mj-text>B</mj-text>"] == ("blocks/b.mjml", 2)
    assert where["</mj-section>"] == ("blocks/a.mjml", 3)
    assert where["</mj-body></mjml>"] == ("templates/t.mjml", 10)
    assert source.origin(None) == ("templates/t.mjml", None)
    assert source.origin(10_000) == ("templates/t.mjml", None)


def test_version_is_a_content_hash_of_template_and_blocks(tmp_path: Path) -> None:
    one = tree(tmp_path / "one", {"t.mjml": FRONT + BODY}, {"a.mjml": BLOCK_A, "b.mjml": BLOCK_B})
    two = tree(tmp_path / "two", {"t.mjml": FRONT + BODY}, {"a.mjml": BLOCK_A, "b.mjml": BLOCK_B})
    assert Library(one).get("t").version == Library(two).get("t").version
    (two / "blocks" / "b.mjml").write_text(BLOCK_B.replace("B", "Bee"))
    assert Library(one).get("t").version != Library(two).get("t").version


def test_refresh_picks_up_changes_and_keeps_unchanged_versions(library: Library) -> None:
    before = library.get("t").version
    (library.root / "templates" / "u.mjml").write_text(FRONT + BODY)
    library.refresh_if_stale()
    assert library.names() == ["t"]
    library.refresh()
    assert library.names() == ["t", "u"]
    assert library.get("t").version == before == library.get("u").version
    (library.root / "blocks" / "a.mjml").write_text(BLOCK_A + "<!-- edited -->\n")
    library.refresh()
    assert library.get("t").version != before


def test_stale_check_rereads_when_the_interval_is_zero(tmp_path: Path) -> None:
    root = tree(tmp_path, {"t.mjml": FRONT + BODY}, {"a.mjml": BLOCK_A, "b.mjml": BLOCK_B})
    library = Library(root, check_interval=0)
    (root / "templates" / "t.mjml").write_text(FRONT.replace("Hi", "Ia ora na") + BODY)
    assert library.get("t").subject == "Ia ora na"


class HookedLibrary(Library):
    """A moment inside a reload (a template just read) where another thread's render or a
    designer's save can land."""

    during_load: Callable[[], None] | None = None

    def _load(self, path: Path) -> TemplateSource:
        source = super()._load(path)
        hook, self.during_load = self.during_load, None
        if hook:
            hook()
        return source


def test_a_render_during_a_reload_waits_for_it_and_gets_the_saved_file(tmp_path: Path) -> None:
    root = tree(tmp_path, {"t.mjml": FRONT + BODY}, {"a.mjml": BLOCK_A, "b.mjml": BLOCK_B})
    library = HookedLibrary(root, check_interval=0)
    (root / "templates" / "t.mjml").write_text(FRONT.replace("Hi", "Ia ora na") + BODY)
    seen: list[str] = []
    render = threading.Thread(target=lambda: seen.append(library.get("t").subject))

    def render_meanwhile() -> None:
        render.start()
        render.join(timeout=0.5)  # it waits for this reload (before the fix: answered "Hi")

    library.during_load = render_meanwhile
    library.refresh()
    render.join()
    assert seen == ["Ia ora na"]


def test_a_file_saved_while_the_library_loads_is_read_at_the_next_check(tmp_path: Path) -> None:
    root = tree(tmp_path, {"t.mjml": FRONT + BODY}, {"a.mjml": BLOCK_A, "b.mjml": BLOCK_B})
    library = HookedLibrary(root, check_interval=0)
    template = root / "templates" / "t.mjml"
    template.write_text(FRONT.replace("Hi", "Ia ora na") + BODY)
    library.during_load = lambda: template.write_text(FRONT.replace("Hi", "Maeva") + BODY)
    library.refresh()
    assert library.get("t").subject == "Maeva"


def test_unknown_template_lists_the_known_ones(library: Library) -> None:
    with pytest.raises(UnknownTemplate, match="known templates: t"):
        library.get("nope")


@pytest.mark.parametrize(
    ("text", "line", "complaint"),
    [
        ("<mjml></mjml>\n", 1, "starts with TOML front matter"),
        ('+++\nsubject = "Hi"\n<mjml></mjml>\n', 1, "no closing '\\+\\+\\+'"),
        ('+++\nsubject = "Hi"\nlist = \n+++\n<mjml></mjml>\n', 3, "front matter:"),
        ("+++\n[fields.age]\ntype = 3\n+++\n<mjml></mjml>\n", 1, "fields.age: unknown type"),
        ('+++\ncontent = "gossip"\n+++\n<mjml></mjml>\n', 1, "content must be one of"),
    ],
)
def test_front_matter_errors_have_file_and_line(
    tmp_path: Path, text: str, line: int, complaint: str
) -> None:
    library = Library(tree(tmp_path, {"bad.mjml": text, "ok.mjml": FRONT + "<mjml/>"}, {}))
    assert library.names() == ["bad", "ok"]
    with pytest.raises(TemplateError, match=complaint) as caught:
        library.get("bad")
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == ("templates/bad.mjml", line)
    assert library.get("ok").subject == "Hi"


@pytest.mark.parametrize("block", ["missing.mjml", "../templates/t.mjml"])
def test_include_outside_blocks_is_an_unknown_block(tmp_path: Path, block: str) -> None:
    body = f'<mjml>\n\n{{% include "{block}" %}}\n</mjml>\n'
    library = Library(tree(tmp_path, {"t.mjml": FRONT + body}, {}))
    with pytest.raises(TemplateError, match="unknown block") as caught:
        library.get("t")
    assert caught.value.problems[0].line == FRONT.count("\n") + 3


def test_a_block_including_itself_is_stopped(tmp_path: Path) -> None:
    loop = '<mj-text>\n{% include "loop.mjml" %}\n</mj-text>\n'
    library = Library(tree(tmp_path, {"t.mjml": FRONT + BODY}, {"a.mjml": loop, "loop.mjml": loop}))
    with pytest.raises(TemplateError, match="including itself"):
        library.get("t")
