"""Issue 8, defect 3: what a template (or an experiment variant subject) may build is bounded.

Each payload was accepted before: it built tens of megabytes, took a core for seconds, or
printed a Jinja internal's class name. Each must now be refused with a SecurityError, which
the renderer reports as a RenderError (a 422), while ordinary uses render as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.exceptions import SecurityError
from tests.untracked import build_renderer

from atn_content.config import Settings
from atn_content.content.environment import MAX_BUILT_LENGTH, MAX_INT_BITS, MAX_RANGE
from atn_content.content.errors import RenderError
from atn_content.content.renderer import Renderer, Variant

ROOT = Path(__file__).resolve().parents[2]
DOUBLING = (
    "{% set ns = namespace(s='x') %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}"
    "{% endfor %}{{ ns.s }}"
)


@pytest.fixture(scope="module")
def shipped() -> Renderer:
    return build_renderer(Settings(content_root=ROOT, secret=b"s" * 32))


def render_subject(renderer: Renderer, subject: str) -> str:
    """Render `subject` as an experiment variant's subject, as a launched test would."""
    email = renderer.render("newsletter-destination", "fr", {"id": "1"}, Variant("B", subject))
    return email.subject


def render_text(renderer: Renderer, source: str) -> str:
    """Render `source` in the text (not autoescaped) sandbox every template uses."""
    return renderer.envs.text("en").from_string(source).render()


@pytest.mark.parametrize(
    "subject",
    [
        # The payloads of the issue.
        "{{ 'x'|center(20000000) }}",
        "{{ '%020000000d' % 1 }}",
        "{{ range(20000)|join('x'*1000) }}",
        DOUBLING,
        "{{ ((9**99)**99)**99 }}",
        "{{ '%s'|format(cycler) }}",
        # Every other string-building filter and operator.
        "{{ '%020000000d'|format(1) }}",
        "{{ '%(a)s' * 5000 % {'a': 'x' * 1000} }}",
        "{{ '%.20000000f' % 1.5 }}",
        "{{ '%*d' % (20000000, 1) }}",
        "{{ range(5000)|join('x'*100) }}",
        "{{ (['x' * 1000] * 1000)|join }}",
        "{{ ('x' * 1000)|replace('x', 'y' * 1000) }}",
        "{{ ('x' * 50000)|replace('', 'yy') }}",
        "{{ ('a\n' * 5000)|indent(1000) }}",
        "{{ 'x'|indent(20000000, first=true) }}",
        "{{ ('a ' * 5000)|wordwrap(1, wrapstring='x' * 1000) }}",
        "{{ 'x'.ljust(20000000) }}",
        "{{ 'x'.rjust(20000000) }}",
        "{{ 'x'.center(20000000) }}",
        "{{ 'x'.zfill(20000000) }}",
        "{{ ('\t' * 1000).expandtabs(1000) }}",
        "{{ ('x' * 1000).join(['a'] * 1000) }}",
        "{{ ('x' * 1000).replace('x', 'y' * 1000) }}",
        "{{ ('x' * 1000).translate({120: 'y' * 1000}) }}",
        "{{ '{:>20000000}'.format(1) }}",
        "{{ '{:{}}'.format(1, 20000000) }}",
        "{{ ('{0}' * 5000).format('x' * 1000) }}",
        "{{ ('{a}' * 5000).format_map({'a': 'x' * 99}) }}",
        "{{ ['x' * 1000] * 1000 }}",
        "{{ (['x' * 1000] * 1000)|string }}",
        "{{ (['x' * 1000] * 1000) ~ '' }}",
        "{{ [1, 2]|tojson(indent=20000000) }}",
        "{{ ('http://a.example ' * 5000)|urlize(target='x' * 1000) }}",
        "{{ lipsum(1000, max=1000) }}",
        # Lists built by doubling or filling.
        "{% set ns = namespace(s=[1]) %}{% for i in range(30) %}{% set ns.s = ns.s + ns.s %}"
        "{% endfor %}{{ ns.s|length }}",
        "{% set ns = namespace(s='x') %}{% for i in range(30) %}{% set ns.s = ns.s + ns.s %}"
        "{% endfor %}{{ ns.s|length }}",
        "{{ ([1]|batch(100000000, 0)|list)|length }}",
        "{{ ([1]|slice(100000000)|list)|length }}",
        "{{ ([['x'] * 1000] * 1000)|sum(start=[])|length }}",
        # Doubling through what a macro or a block captures.
        "{% macro m(s) %}{{ s }}{{ s }}{% endmacro %}{% set ns = namespace(s='x') %}"
        "{% for i in range(30) %}{% set ns.s = m(ns.s) %}{% endfor %}{{ ns.s|length }}",
        "{% set ns = namespace(s='x') %}{% for i in range(30) %}"
        "{% set ns.s %}{{ ns.s }}{{ ns.s }}{% endset %}{% endfor %}{{ ns.s|length }}",
        # Big integers, whatever the operator.
        "{{ 9 ** 5000 }}",
        "{{ (2 ** 4000) * (2 ** 4000) }}",
        "{% set ns = namespace(n=3) %}{% for i in range(5000) %}{% set ns.n = ns.n + ns.n %}"
        "{% endfor %}{{ ns.n > 0 }}",
        "{% set ns = namespace(n=3) %}{% for i in range(5000) %}{% set ns.n = ns.n - (0 - ns.n) %}"
        "{% endfor %}{{ ns.n > 0 }}",
        # Ranges above the documented cap.
        "{{ range(20000)|length }}",
    ],
)
def test_string_and_number_bombs_are_refused(shipped: Renderer, subject: str) -> None:
    with pytest.raises(RenderError, match="SecurityError"):
        render_subject(shipped, subject)


@pytest.mark.parametrize(
    "subject",
    [
        "{{ '%s'|format(cycler) }}",
        "{{ '%s' % joiner() }}",
        "{{ '{}'.format(namespace()) }}",
        "{{ '{!r}'.format(cycler('a')) }}",
        "{{ cycler('a') }}",
        "{{ namespace(a=1) }}",
        "{{ range }}",
        "{{ dict }}",
        "{{ lipsum }}",
        "{{ 'x'.upper }}",
        "{{ cycler|string }}",
        "{{ [cycler] }}",
        "{{ {'a': joiner} }}",
        "{{ [cycler]|join(', ') }}",
        "{{ cycler ~ '' }}",
        "{{ '' ~ namespace }}",
        "{% for i in [1] %}{{ loop }}{% endfor %}",
        "{% for i in [1] %}{{ loop|pprint }}{% endfor %}",
        "{{ self }}",
        "{{ _(cycler) }}",
        "{{ ngettext(cycler, cycler, 1) }}",
        "{% trans name=cycler %}Hi {{ name }}{% endtrans %}",
        "{{ cycler|airport_city }}",
        "{{ lipsum|urlencode_component }}",
        "{{ cycler|upper }}",
    ],
)
def test_non_data_objects_are_neither_printed_nor_formatted(
    shipped: Renderer, subject: str
) -> None:
    with pytest.raises(RenderError, match="SecurityError"):
        render_subject(shipped, subject)


def test_a_block_cannot_be_called_to_double_a_string(shipped: Renderer) -> None:
    """Jinja joins a called block's output itself, beyond the bounded join."""
    source = (
        "{% set ns = namespace(s='x') %}{% block b %}{{ ns.s }}{{ ns.s }}{% endblock %}"
        "{% for i in range(30) %}{% set ns.s = self.b() %}{% endfor %}{{ ns.s|length }}"
    )
    with pytest.raises(SecurityError):
        render_text(shipped, source)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ 'ab'|center(6) }}", "  ab  "),
        ("{{ 'x'|center(20)|length }}", "20"),
        ("{{ ['a', 'b', 'c']|join(', ') }}", "a, b, c"),
        ("{{ [{'n': 'a'}, {'n': 'b'}]|join('/', attribute='n') }}", "a/b"),
        ("{{ ['a', 'b']|map('upper')|join }}", "AB"),
        ("{{ '%d'|format(3) }}", "3"),
        ("{{ '%s-%05.1f' % ('a', 2.25) }}", "a-002.2"),
        ("{{ '%(x)s!' % {'x': 'hi'} }}", "hi!"),
        ("{{ '100%%' % () }}", "100%"),
        ("{{ '{} {:>4}'.format('a', 'b') }}", "a    b"),
        ("{{ 'a' ~ 'b' ~ 1 ~ none }}", "ab1None"),
        ("{% set s = 'x' %}{{ s ~ s ~ [1, 'a'] }}", "xx[1, 'a']"),
        ("{{ 2**10 }}", "1024"),
        ("{{ 3 * 4 + 1 - 2 }}", "11"),
        ("{{ 2 ** 4095 > 0 }}", "True"),
        ("{{ 1 ** 100000 }}", "1"),
        ("{{ 1.5 ** 2 }}", "2.25"),
        ("{{ 'ab' * 3 }}", "ababab"),
        ("{{ [1] + [2] }}", "[1, 2]"),
        ("{{ 'a,b'|replace(',', ', ') }}", "a, b"),
        ("{{ 'a\nb'|indent(2) }}", "a\n  b"),
        ("{{ 'aaa bbb'|wordwrap(3) }}", "aaa\nbbb"),
        ("{{ 'hello world'|truncate(8, leeway=0) }}", "hello..."),
        ("{{ 'x'.ljust(3) ~ '|' ~ '7'.zfill(3) }}", "x  |007"),
        ("{{ ', '.join(['a', 'b']) }}", "a, b"),
        ("{{ [1, 2]|batch(3, 0)|list }}", "[[1, 2, 0]]"),
        ("{{ range(3)|sum }}", "3"),
        ("{{ [[1], [2]]|sum(start=[]) }}", "[1, 2]"),
        ("{{ {'a': [1, 2]}|tojson }}", '{"a": [1, 2]}'),
        ("{{ range(MAX)|length }}", str(MAX_RANGE)),
        ("{{ 'abc'|upper ~ 'x'|string }}", "ABCx"),
        ("{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}", "ab"),
        ("{% set j = joiner(', ') %}{% for x in 'ab' %}{{ j() }}{{ x }}{% endfor %}", "a, b"),
        ("{% set ns = namespace(n=0) %}{% set ns.n = ns.n + 1 %}{{ ns.n }}", "1"),
        ("{% for i in 'ab' %}{{ loop.index }}{{ loop.cycle('x', 'y') }}{% endfor %}", "1x2y"),
        ("{% macro m(s) %}<{{ s }}>{% endmacro %}{{ m('a') ~ m(1) }}", "<a><1>"),
        ("{% macro m() %}<{{ caller() }}>{% endmacro %}{% call m() %}b{% endcall %}", "<b>"),
        ("{% set c %}a{{ 1 }}{% endset %}{{ c }}{% filter upper %}b{% endfilter %}", "a1B"),
        ("{% block b %}[{{ 1 }}]{% endblock %}", "[1]"),
        ("{{ 'a b'|urlencode_component }}", "a%20b"),
    ],
)
def test_ordinary_uses_render_as_before(shipped: Renderer, source: str, expected: str) -> None:
    assert render_text(shipped, source.replace("MAX", str(MAX_RANGE))) == expected


def test_sum_still_refuses_strings_as_python_does(shipped: Renderer) -> None:
    with pytest.raises(TypeError, match="can't sum strings"):
        render_text(shipped, "{{ ['a', 'b']|sum(start='') }}")


def test_ordinary_uses_in_a_variant_subject(shipped: Renderer) -> None:
    subject = "{{ 'Ia ora na'|center(13) }}|{{ ['a', 'b']|join(', ') }}|{{ '%d'|format(3) }}"
    assert render_subject(shipped, subject + "|{{ 'a' ~ 'b' }}|{{ 2**10 }}") == (
        "Ia ora na  |a, b|3|ab|1024"
    )


def test_html_concatenation_still_escapes_data(shipped: Renderer) -> None:
    template = shipped.envs.html("en").from_string("{{ '<b>' ~ x ~ y }}")
    assert template.render(x="&", y=2) == "&lt;b&gt;&amp;2"


def test_the_caps_are_the_documented_constants(shipped: Renderer) -> None:
    assert len(render_text(shipped, f"{{{{ 'x'|center({MAX_BUILT_LENGTH}) }}}}")) == (
        MAX_BUILT_LENGTH
    )
    with pytest.raises(SecurityError):
        render_text(shipped, f"{{{{ 'x'|center({MAX_BUILT_LENGTH + 1}) }}}}")
    assert render_text(shipped, f"{{{{ (2 ** {MAX_INT_BITS - 1}) > 0 }}}}") == "True"
    with pytest.raises(SecurityError):
        render_text(shipped, f"{{{{ 2 ** {MAX_INT_BITS} }}}}")
    with pytest.raises(SecurityError):
        render_text(shipped, f"{{{{ range({MAX_RANGE + 1})|length }}}}")


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(["center", "ljust", "rjust", "zfill"]),
    width=st.integers(min_value=-10, max_value=10 * MAX_BUILT_LENGTH),
    as_filter=st.booleans(),
)
def test_padding_is_either_within_the_cap_or_refused(
    shipped: Renderer, method: str, width: int, as_filter: bool
) -> None:
    if as_filter and method == "center":
        source = "{{ value|center(width) }}"
    else:
        source = f"{{{{ value.{method}(width) }}}}"
    template = shipped.envs.text("en").from_string(source)
    try:
        out = template.render(value="ab", width=width)
    except SecurityError:
        assert width > MAX_BUILT_LENGTH
    else:
        assert len(out) == max(2, width) <= MAX_BUILT_LENGTH


@settings(max_examples=60, deadline=None)
@given(
    width=st.integers(min_value=0, max_value=3 * MAX_BUILT_LENGTH),
    precision=st.none() | st.integers(min_value=0, max_value=3 * MAX_BUILT_LENGTH),
    conversion=st.sampled_from("dsfexr"),
    style=st.sampled_from(["%", "format", "str.format"]),
)
def test_formatting_is_either_within_the_cap_or_refused(
    shipped: Renderer, width: int, precision: int | None, conversion: str, style: str
) -> None:
    if conversion in "sr":
        precision = None if precision is None else min(precision, 10)
    if style == "str.format" and conversion in "dxr":  # no precision for these there
        precision = None
    dot = "" if precision is None else f".{precision}"
    value = "'ab'" if conversion in "sr" else "12.5" if conversion in "fe" else "12"
    if style == "str.format":
        spec = {"d": "d", "s": "s", "f": "f", "e": "e", "x": "x", "r": ""}[conversion]
        source = f"{{{{ '{{:{width}{dot}{spec}}}'.format({value}) }}}}"
    elif style == "format":
        source = f"{{{{ '%{width}{dot}{conversion}'|format({value}) }}}}"
    else:
        source = f"{{{{ '%{width}{dot}{conversion}' % {value} }}}}"
    try:
        out = render_text(shipped, source)
    except SecurityError:
        assert max(width, precision or 0) > MAX_BUILT_LENGTH // 2
    else:
        assert len(out) <= MAX_BUILT_LENGTH
        assert len(out) >= width


@pytest.mark.parametrize(
    "subject",
    [
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}x",
        "{% for a in 'x' * 100000 %}{% for b in 'y' * 100000 %}{% endfor %}{% endfor %}x",
        "{% for i in range(400) %}{% for j in range(400) %}{% endfor %}{% endfor %}x",
    ],
)
def test_nested_loops_that_build_nothing_are_stopped(subject: str) -> None:
    """Each loop within its bounds, together 10^8 to 10^10 steps: minutes of CPU before."""
    from atn_content.content.sandbox import MAX_LOOP_STEPS, BoundedSandbox

    with pytest.raises(SecurityError, match=f"{MAX_LOOP_STEPS:,} times"):
        BoundedSandbox().from_string(subject).render()


def test_each_render_gets_its_own_loop_budget() -> None:
    from atn_content.content.sandbox import MAX_LOOP_STEPS, MAX_RANGE, BoundedSandbox

    loops = "{% for i in range(n) %}{% endfor %}" * 3 + "{{ n }}"
    template = BoundedSandbox().from_string(loops)
    renders = MAX_LOOP_STEPS // (3 * MAX_RANGE) + 1  # together over one budget
    for _ in range(renders):
        assert template.render(n=MAX_RANGE) == str(MAX_RANGE)
