"""No `javascript:` link by construction: URL attributes whose scheme data could choose.

A URL's scheme is its first characters. In an href, src, background-url... the compiler
refuses every Jinja expression that stands where the scheme is decided (at the start of
the value, or after a literal that has not fixed it yet) unless its value cannot come from
recipient or experiment data: a literal, `|safe_url` (http, https or mailto only), our own
unsubscribe and preferences links, or a variable every `{% set %}`/`{% with %}` of which is
one of these. Once a literal such as `https://host/path?x=` precedes it, an expression only
fills the path or query (`|urlencode_component` is then the filter to use).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import jinja2
from jinja2 import nodes

from atn_content.content.mjml_normalise import ATTRIBUTE, TAG, is_url_attribute
from atn_content.content.protect import TEXT_TOKEN, Protected

__all__ = ["TRUSTED_URL_NAMES", "unsafe_url_attributes"]

#: Context variables holding links the service itself signs.
TRUSTED_URL_NAMES = frozenset({"unsubscribe_url", "preferences_url"})
#: Filters that keep a URL's scheme as it was.
_KEEPS_SCHEME = frozenset({"trim", "e", "escape", "string"})
_GETTEXT = frozenset({"_", "gettext"})


@dataclass(frozen=True)
class _Binding:
    value: nodes.Node | None  # None: bound by a loop, a macro, a block set or unpacking
    line: int | None


def unsafe_url_attributes(
    body: str, protected: Protected, env: jinja2.Environment, where: Callable[[int | None], str]
) -> list[tuple[int, str]]:
    """(line, message) for each URL attribute whose scheme data could choose."""
    bindings = _bindings(env.parse(body))
    judge = _Judge(bindings, where)
    problems: list[tuple[int, str]] = []
    for tag in TAG.finditer(protected.text):
        for attribute in ATTRIBUTE.finditer(tag.group(2)):
            name, value = attribute.group(1), attribute.group(2)
            if value is None or not is_url_attribute(name) or not TEXT_TOKEN.search(value):
                continue
            reason = judge.attribute(value.strip("\"'"), protected.spans, env)
            if reason is not None:
                line = protected.text.count("\n", 0, tag.start(2) + attribute.start(1)) + 1
                problems.append((line, f"{name}=... {reason}"))
    return problems


def _bindings(tree: nodes.Template) -> dict[str, list[_Binding]]:
    found: dict[str, list[_Binding]] = {}

    def bind(target: nodes.Node, value: nodes.Node | None, line: int | None) -> None:
        if isinstance(target, nodes.Name):
            found.setdefault(target.name, []).append(_Binding(value, line))
        else:
            for name in target.find_all(nodes.Name):
                found.setdefault(name.name, []).append(_Binding(None, line))

    for assign in tree.find_all(nodes.Assign):
        bind(assign.target, assign.node, assign.lineno)
    for with_node in tree.find_all(nodes.With):
        for target, value in zip(with_node.targets, with_node.values, strict=False):
            bind(target, value, with_node.lineno)
    for block_set in tree.find_all(nodes.AssignBlock):
        bind(block_set.target, None, block_set.lineno)
    for loop in tree.find_all(nodes.For):
        bind(loop.target, None, loop.lineno)
    for macro in tree.find_all(nodes.Macro):
        for argument in macro.args:
            bind(argument, None, macro.lineno)
    for call in tree.find_all(nodes.CallBlock):
        for argument in call.args:
            bind(argument, None, call.lineno)
    return found


class _Judge:
    def __init__(self, bindings: dict[str, list[_Binding]], where: Callable[[int | None], str]):
        self._bindings = bindings
        self._where = where
        self._visiting: set[str] = set()

    def attribute(self, value: str, spans: tuple[str, ...], env: jinja2.Environment) -> str | None:
        """Why data could choose the scheme of `value`, or None when it cannot."""
        literal, fixed = "", False
        for piece, span in _pieces(value, spans):
            if span is None:
                literal += piece
                fixed = fixed or _fixes_scheme(literal)
            elif span.startswith("{%"):
                literal, fixed = "", False  # a branch may leave out what came before
            elif not fixed:
                expression = _expression(span, env)
                if isinstance(expression, nodes.Const):
                    literal += str(expression.value)
                    fixed = _fixes_scheme(literal)
                elif self.fixes(expression):
                    fixed = True
                elif not self.literal_only(expression):
                    return (
                        f"{span} can put data where the URL's scheme goes (a javascript: "
                        "link): write {{ ...|safe_url }} (http, https and mailto only)"
                        + self._why(expression)
                    )
        return None

    def fixes(self, expression: nodes.Node | None) -> bool:
        """Whether the value of `expression` starts with a scheme no data chose."""
        match expression:
            case nodes.Const(value=value):
                return _fixes_scheme(str(value))
            case nodes.Filter(name="safe_url"):
                return True
            case nodes.Filter(name=name, node=inner) if name in _KEEPS_SCHEME:
                return self.fixes(inner)
            case nodes.Name(name=name):
                return name in TRUSTED_URL_NAMES or self._bound_all(name, self.fixes)
            case nodes.CondExpr(expr1=yes, expr2=no):
                return self.fixes(yes) and no is not None and self.fixes(no)
            case nodes.Or(left=left, right=right) | nodes.And(left=left, right=right):
                return self.fixes(left) and self.fixes(right)
            case nodes.Concat(nodes=parts):
                return bool(parts) and self._leading_part_fixes(parts)
            case nodes.Add(left=left, right=right):
                return self._leading_part_fixes([left, right])
            case nodes.Call(node=nodes.Name(name=name), args=args) if name in _GETTEXT:
                return all(isinstance(a, nodes.Const) for a in args)
        return False

    def literal_only(self, expression: nodes.Node | None) -> bool:
        """Whether `expression` gives text the designer wrote, whatever the data."""
        match expression:
            case nodes.Const():
                return True
            case nodes.Filter(name=name, node=inner) if name in _KEEPS_SCHEME:
                return self.literal_only(inner)
            case nodes.Name(name=name):
                return self._bound_all(name, self.literal_only)
            case nodes.CondExpr(expr1=yes, expr2=no):
                return self.literal_only(yes) and (no is None or self.literal_only(no))
            case nodes.Or(left=left, right=right) | nodes.And(left=left, right=right):
                return self.literal_only(left) and self.literal_only(right)
            case nodes.Add(left=left, right=right):
                return self.literal_only(left) and self.literal_only(right)
            case nodes.Concat(nodes=parts):
                return all(self.literal_only(part) for part in parts)
            case nodes.Call(node=nodes.Name(name=name), args=args) if name in _GETTEXT:
                return all(isinstance(a, nodes.Const) for a in args)
        return False

    def _leading_part_fixes(self, parts: list[nodes.Expr]) -> bool:
        """`"https://" ~ data` starts with a fixed scheme; `data ~ "/x"` does not."""
        literal = ""
        for part in parts:
            if isinstance(part, nodes.Const):
                literal += str(part.value)
                if _fixes_scheme(literal):
                    return True
            else:
                return not literal and self.fixes(part)
        return False

    def _bound_all(self, name: str, test: Callable[[nodes.Node | None], bool]) -> bool:
        """Whether every {% set %}/{% with %} of `name` passes `test` (none: it is data)."""
        bindings = self._bindings.get(name)
        if not bindings or name in self._visiting:
            return False
        self._visiting.add(name)
        try:
            return all(b.value is not None and test(b.value) for b in bindings)
        finally:
            self._visiting.discard(name)

    def _why(self, expression: nodes.Node | None) -> str:
        names = {n.name for n in expression.find_all(nodes.Name)} if expression else set()
        if isinstance(expression, nodes.Name):
            names.add(expression.name)
        for name in sorted(names):
            for binding in self._bindings.get(name, []):
                value = binding.value
                if value is None or not (self.fixes(value) or self.literal_only(value)):
                    return (
                        f"; {name} is set from data at {self._where(binding.line)}: pass it "
                        f"through |safe_url there"
                    )
        return ""


def _pieces(value: str, spans: tuple[str, ...]) -> Iterator[tuple[str, str | None]]:
    cursor = 0
    for token in TEXT_TOKEN.finditer(value):
        if token.start() > cursor:
            yield value[cursor : token.start()], None
        yield token.group(0), spans[int(token.group(1))]
        cursor = token.end()
    if cursor < len(value):
        yield value[cursor:], None


def _expression(span: str, env: jinja2.Environment) -> nodes.Node | None:
    try:
        output = env.parse(span).body[0]
    except (jinja2.TemplateSyntaxError, IndexError):
        return None
    if isinstance(output, nodes.Output) and len(output.nodes) == 1:
        return output.nodes[0]
    return None


def _fixes_scheme(literal: str) -> bool:
    """A scheme ends at ':'; a '/', '?' or '#' before any ':' makes the URL relative."""
    return any(c in literal for c in ":/?#")
