"""The Jinja sandbox templates and experiment variant subjects run in, with bounds.

Jinja's ImmutableSandboxedEnvironment keeps templates away from Python internals but lets
them build strings and integers of any size: `'x'|center(20000000)`, a `~` doubled in a
loop, `((9**99)**99)**99`. Anyone with the experiments scope writes variant subjects, so
every operator, filter and str method that builds a string is checked *before* it runs
against one length cap, integer results against one size cap, and only data (text,
numbers, dates, lists and mappings of them) may be printed or formatted: the repr of a
cycler, a function or `loop` names Jinja internals and memory addresses.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import operator
import re
import string
import types
from collections.abc import Callable, ItemsView, Iterable, KeysView, Mapping, ValuesView
from decimal import Decimal
from typing import Any

from jinja2 import Template, nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.exceptions import SecurityError
from jinja2.filters import FILTERS, make_attrgetter
from jinja2.runtime import BlockReference, Undefined, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from jinja2.utils import generate_lorem_ipsum
from markupsafe import EscapeFormatter, Markup

__all__ = [
    "MAX_BUILT_LENGTH",
    "MAX_INT_BITS",
    "MAX_LOOP_STEPS",
    "MAX_RANGE",
    "BoundedSandbox",
    "percent_length",
    "printed_length",
]

#: Longest string (or list) a template may build with any operator, filter or method.
MAX_BUILT_LENGTH = 100_000
#: Largest integer (in bits) arithmetic may produce: ~1,233 digits, far beyond any amount.
MAX_INT_BITS = 4096
#: Most items `range()` may produce (Jinja allows 100,000; no email needs a tenth of that).
MAX_RANGE = 10_000
#: Most loop iterations one render of one part may take, all loops together: nested
#: `range()` loops would otherwise burn seconds of CPU while building nothing.
MAX_LOOP_STEPS = 100_000
#: What is left of the current render's loop budget (set by BudgetedTemplate.render).
_STEPS: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("atn_steps", default=None)

_SCALARS = (str, int, float, Decimal, dt.date, dt.time, dt.timedelta, type(None), Undefined)
_SEQUENCES = (list, tuple, set, frozenset, KeysView, ValuesView)
_DIGITS = re.compile(r"\d+")
_BOUNDED = "atn_bounded"  # marks a filter already wrapped


def _too_long(what: str) -> SecurityError:
    return SecurityError(f"{what} would be longer than {MAX_BUILT_LENGTH} characters")


def printed_length(value: Any, limit: int = MAX_BUILT_LENGTH) -> int:
    """About len(str(value)) for template data; refuses non-data and anything over `limit`.

    Walks containers without building their text (a list of 100,000 references to one long
    string prints gigabytes), and stops as soon as the limit is passed.
    """
    total = 0
    stack: list[tuple[Any, bool]] = [(value, False)]
    while stack:
        item, nested = stack.pop()
        if isinstance(item, str):
            size = len(item)
            if nested:  # printed with repr: quotes, and escapes for what is not printable
                size = size + 2 if item.isprintable() else 10 * size + 2
        elif isinstance(item, bool | None):
            size = 5
        elif isinstance(item, int):
            size = item.bit_length() * 3 // 10 + 2
        elif isinstance(item, _SCALARS):
            size = 40
        elif isinstance(item, range):
            size = 30
        elif isinstance(item, Mapping | ItemsView):
            pairs = item.items() if isinstance(item, Mapping) else item
            size = 2
            for key, val in pairs:
                stack.append((key, True))
                stack.append((val, True))
                size += 4
                if total + size > limit:
                    break
        elif isinstance(item, _SEQUENCES):
            size = 2
            for element in item:
                stack.append((element, True))
                size += 2
                if total + size > limit:
                    break
        else:
            raise SecurityError(
                f"a {type(item).__name__} object cannot be printed or formatted: only text,"
                " numbers, dates and lists or mappings of them can"
            )
        total += size
        if total > limit:
            raise _too_long("the printed value")
    return total


def _text_length(value: Any) -> int:
    return len(value) if isinstance(value, str) else printed_length(value)


def _too_big() -> SecurityError:
    return SecurityError(f"an integer larger than {MAX_INT_BITS} bits is refused")


def _check_int(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise _too_big()
    return value


def _check_sized(value: Any, what: str) -> Any:
    if isinstance(value, str | bytes | list | tuple) and len(value) > MAX_BUILT_LENGTH:
        raise _too_long(what)
    return value


def _check_operands(op: str, left: Any, right: Any) -> None:
    """Refuse, before computing it, a `+`, `*` or `**` whose result would be too big."""
    if op == "+" and isinstance(left, str | list | tuple):
        if isinstance(right, str | list | tuple) and len(left) + len(right) > MAX_BUILT_LENGTH:
            raise _too_long("the result of +")
    elif op == "*":
        for sequence, count in ((left, right), (right, left)):
            sized = isinstance(sequence, str | list | tuple) and isinstance(count, int)
            if sized and len(sequence) * count > MAX_BUILT_LENGTH:
                raise _too_long("the result of *")
        ints = isinstance(left, int) and isinstance(right, int)
        if ints and left.bit_length() + right.bit_length() - 1 > MAX_INT_BITS:
            raise _too_big()
    elif op == "**" and _power_bits(left, right) > MAX_INT_BITS:
        raise _too_big()


def _power_bits(left: Any, right: Any) -> int:
    """A lower bound of the bits of left ** right: (bits - 1) * right + 1 when |left| >= 2."""
    if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
        return (left.bit_length() - 1) * right + 1
    return 0


def checked_binop(op: str, function: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    """`left op right` unless its result would be too long or too large."""
    if op == "%" and isinstance(left, str):
        return percent_format(left, right)
    _check_operands(op, left, right)
    return _check_int(function(left, right))


def _spec_number(fmt: str, k: int) -> tuple[str, int]:
    start = k
    if k < len(fmt) and fmt[k] == "*":
        return "*", k + 1
    while k < len(fmt) and fmt[k].isdigit():
        k += 1
    return fmt[start:k], k


def _number_value(text: str) -> int:
    if len(text) > 7 or int(text) > MAX_BUILT_LENGTH:
        raise _too_long("a formatted field")
    return int(text)


def percent_length(fmt: str, args: Any) -> int:
    """An upper bound of len(fmt % args), parsing conversions as CPython does."""
    positional = args if isinstance(args, tuple) else (args,)
    mapping = args if isinstance(args, Mapping) else {}
    total, i, pos, n = 0, 0, 0, len(fmt)

    def next_arg() -> Any:
        nonlocal pos
        pos += 1
        return positional[pos - 1] if pos <= len(positional) else ""

    while (j := fmt.find("%", i)) >= 0:
        total += j - i
        k, key = j + 1, None
        if k < n and fmt[k] == "(":
            depth, start = 1, k + 1
            while k + 1 < n and depth:
                k += 1
                depth += {"(": 1, ")": -1}.get(fmt[k], 0)
            key, k = fmt[start:k], k + 1
        while k < n and fmt[k] in "#0- +":
            k += 1
        width, k = _spec_number(fmt, k)
        precision = ""
        if k < n and fmt[k] == ".":
            precision, k = _spec_number(fmt, k + 1)
        while k < n and fmt[k] in "hlL":
            k += 1
        conversion = fmt[k] if k < n else ""
        sizes = []
        for number in (width, precision):
            if number == "*":
                star = next_arg()
                sizes.append(_number_value(str(abs(star))) if isinstance(star, int) else 0)
            else:
                sizes.append(_number_value(number) if number else 0)
        if conversion == "%":
            value_size = 1
        else:
            value = mapping.get(key, "") if key is not None else next_arg()
            value_size = printed_length(value)
            if conversion in "ra":
                value_size = printed_length([value])
            elif conversion not in "s":
                value_size = 330 + sizes[1]  # digits of the largest float, then the decimals
        total += max(sizes[0], value_size)
        if total > MAX_BUILT_LENGTH:
            raise _too_long("the formatted string")
        i = k + 1
    return total + max(0, n - i)


#: The conversions of a translated message: %(name)s and %%.
_NAMED_CONVERSION = re.compile(r"%(?:\(([^()]*)\)s|%)")


def _named_length(fmt: str, args: Mapping[str, Any]) -> int | None:
    """len(fmt % args) when every conversion is %(name)s or %% (a message's usual shape,
    met on every render), else None: percent_length's parse, without its cost."""
    literal, percents = len(fmt), 0
    total = 0
    for match in _NAMED_CONVERSION.finditer(fmt):
        key = match.group(1)
        literal -= match.end() - match.start()
        percents += match.group(0).count("%")
        total += 1 if key is None else printed_length(args.get(key, ""))
    if percents != fmt.count("%"):
        return None  # another conversion: a width, a precision, %r, %d...
    return literal + total


def percent_format(fmt: str, args: Any) -> str:
    """`fmt % args` (the `%` operator and the format filter), bounded and data only."""
    named = _named_length(fmt, args) if isinstance(args, Mapping) else None
    if (named if named is not None else percent_length(fmt, args)) > MAX_BUILT_LENGTH:
        raise _too_long("the formatted string")
    result: str = _check_sized(fmt % args, "the formatted string")
    return result


class _BoundedFormatter(SandboxedFormatter):
    """str.format: fields must be data, widths within the cap, the whole within the cap."""

    def __init__(self, env: Any, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self._used = 0

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, str]:
        obj, first = super().get_field(field_name, args, kwargs)
        printed_length(obj)
        return obj, first

    def format_field(self, value: Any, format_spec: str) -> Any:
        for number in _DIGITS.findall(format_spec):
            _number_value(number)
        text = super().format_field(value, format_spec)
        self._used += len(text)
        if self._used > MAX_BUILT_LENGTH:
            raise _too_long("the formatted string")
        return text


class _BoundedEscapeFormatter(_BoundedFormatter, EscapeFormatter):
    pass


def _replace_length(s: str, old: str, new: str, count: int | None = None) -> int:
    found = len(s) + 1 if old == "" else s.count(old)
    if count is not None and count >= 0:
        found = min(found, count)
    return len(s) + found * max(0, len(new) - len(old))


def _join_length(separator: str, items: list[Any]) -> int:
    total = max(0, len(items) - 1) * len(separator)
    for item in items:
        if total > MAX_BUILT_LENGTH:
            break
        total += _text_length(item)
    return total


def _translate_length(s: str, table: Any) -> int:
    longest = 1
    if isinstance(table, Mapping):
        longest = max([len(v) for v in table.values() if isinstance(v, str)], default=1)
    return len(s) * longest


#: Upper bounds of the length of what a str method returns, for those that can grow it.
_STR_METHOD_LENGTH: dict[str, Callable[..., int]] = {
    "center": lambda s, width, *_: max(len(s), width),
    "ljust": lambda s, width, *_: max(len(s), width),
    "rjust": lambda s, width, *_: max(len(s), width),
    "zfill": lambda s, width: max(len(s), width),
    "expandtabs": lambda s, tabsize=8: len(s) + s.count("\t") * max(0, tabsize),
    "replace": lambda s, old, new, count=-1: _replace_length(s, old, new, count),
    "translate": _translate_length,
}


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """Jinja's lipsum, within the cap (a word and its space are at most 13 characters)."""
    if n * max * 13 > MAX_BUILT_LENGTH:
        raise _too_long("lipsum()")
    return generate_lorem_ipsum(n, html, min, max)


def _range(*args: int) -> range:
    """range() of at most MAX_RANGE items."""
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise SecurityError(f"Range too big. The sandbox blocks ranges larger than {MAX_RANGE}.")
    return rng


# Bounds of the built-in filters that build strings or lists: each returns an upper bound
# of the result's length, computed from the arguments before the filter runs. The names
# and defaults of the parameters are Jinja's.


def _center(value: Any, width: int = 80) -> int:
    return max(_text_length(value), width)


def _format(value: Any, *args: Any, **kwargs: Any) -> int:
    return percent_length(str(value), kwargs or args)


def _indent(s: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> int:
    step = len(width) if isinstance(width, str) else width
    if step > MAX_BUILT_LENGTH:
        raise _too_long("indent")
    text = str(s)
    return len(text) + (text.count("\n") + 2) * step


def _wordwrap(
    s: Any,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> int:
    # Two consecutive lines hold more than `width` characters, so there are at most
    # 2 * len / width lines, plus one per paragraph.
    text = str(s)
    lines = 2 * len(text) // max(1, width) + text.count("\n") + 2
    return len(text) + lines * len(wrapstring if wrapstring is not None else "\n")


def _replace(s: Any, old: str, new: str, count: int | None = None) -> int:
    return _replace_length(str(s), str(old), str(new), count)


def _urlize(
    value: Any,
    trim_url_limit: int | None = None,
    nofollow: bool = False,
    target: str | None = None,
    rel: str | None = None,
    extra_schemes: Iterable[str] | None = None,
) -> int:
    # Each URL is printed twice, inside a tag holding target and rel.
    text = str(value)
    extra = len(str(target or "")) + len(str(rel or "")) + 60
    return 2 * len(text) + (len(text.split()) + 1) * extra


def _json_shape(value: Any) -> tuple[int, int]:
    nodes_seen, deepest = 0, 0
    stack = [(value, 1)]
    while stack and nodes_seen <= MAX_BUILT_LENGTH:
        item, depth = stack.pop()
        nodes_seen, deepest = nodes_seen + 1, max(deepest, depth)
        if isinstance(item, Mapping):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((v, depth + 1) for v in item)
    return nodes_seen, deepest


def _tojson(value: Any, indent: int | str | None = None) -> int:
    size = printed_length(value)
    if indent is None:
        return size
    step = len(indent) if isinstance(indent, str) else indent
    if step > MAX_BUILT_LENGTH:
        raise _too_long("tojson")
    count, depth = _json_shape(value)
    return size + count * (depth * step + 1)


def _batch(value: Any, linecount: int, fill_with: Any = None) -> int:
    return linecount if fill_with is not None else 0


def _slice(value: Any, slices: int, fill_with: Any = None) -> int:
    return slices


def _no_growth(value: Any, *args: Any, **kwargs: Any) -> int:
    """Filters whose result is about as long as their input: checked after they run."""
    return 0


_FILTER_LENGTH: dict[str, Callable[..., int]] = {
    "center": _center,
    "format": _format,
    "indent": _indent,
    "wordwrap": _wordwrap,
    "replace": _replace,
    "urlize": _urlize,
    "tojson": _tojson,
    "batch": _batch,
    "slice": _slice,
    **dict.fromkeys(
        [
            *("capitalize", "e", "escape", "filesizeformat", "forceescape", "lower"),
            *("pprint", "safe", "string", "striptags", "title", "trim", "truncate"),
            *("upper", "urlencode", "wordcount", "xmlattr"),
        ],
        _no_growth,
    ),
}


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` refusing non-data arguments and results over the cap, checked first."""
    length = _FILTER_LENGTH[name]
    passes = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        for arg in (*args[passes:], *kwargs.values()):
            printed_length(arg)
        if length(*args[passes:], **kwargs) > MAX_BUILT_LENGTH:
            raise _too_long(f"the result of |{name}")
        return _check_sized(function(*args, **kwargs), f"the result of |{name}")

    return bounded


def _data_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    """A feature's filter (money, airport_city...): its arguments must be data."""
    passes = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        for arg in (*args[passes:], *kwargs.values()):
            if not isinstance(arg, str):
                printed_length(arg)
        return function(*args, **kwargs)

    return checked


def _join_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def join(eval_ctx: Any, value: Any, d: str = "", attribute: str | int | None = None) -> Any:
        if attribute is not None:
            value = map(make_attrgetter(eval_ctx.environment, attribute), value)
        items = list(value)
        if _join_length(str(d), items) > MAX_BUILT_LENGTH:
            raise _too_long("the result of |join")
        return function(eval_ctx, items, d)

    return join


def _sum_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def bounded_sum(
        environment: Any, iterable: Any, attribute: str | int | None = None, start: Any = 0
    ) -> Any:
        if isinstance(start, str | bytes):  # as Python's sum, which the filter calls
            raise TypeError("sum() can't sum strings [use ''.join(seq) instead]")
        if attribute is not None:
            iterable = map(make_attrgetter(environment, attribute), iterable)
        total = start
        for item in iterable:
            total = checked_binop("+", operator.add, total, item)
        return total

    return bounded_sum


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles `~` to the environment's bounded_concat, and joins what macros, `{% call %}`,
    `{% filter %}` and `{% set %}` blocks capture with its bounded_join: a macro printing
    its argument twice, fed its own output in a loop, doubles a string like `~` does."""

    def writeline(self, x: str, node: nodes.Node | None = None, extra: int = 0) -> None:
        if x == "concat = environment.concat":  # the template's local join of buffers
            x = "concat = environment.bounded_join"
        super().writeline(x, node, extra)

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        if frame.eval_ctx.volatile:
            markup = "context.eval_ctx.volatile"
        else:
            markup = str(bool(frame.eval_ctx.autoescape))
        self.write(f"environment.bounded_concat({markup}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _finalize(value: Any) -> Any:
    """What `{{ }}` prints must be data (a string is: its length is already paid for)."""
    if not isinstance(value, str):
        printed_length(value)
    return value


class BudgetedTemplate(Template):
    """A render gets a fresh loop budget, shared by every loop it runs."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        token = _STEPS.set([MAX_LOOP_STEPS])
        try:
            return super().render(*args, **kwargs)
        finally:
            _STEPS.reset(token)


def _counted(iterable: Any) -> Iterable[Any]:
    """Every `{% for %}` iterates through this (see BoundedSandbox._parse)."""
    budget = _STEPS.get() or [MAX_LOOP_STEPS]
    for item in iterable:
        budget[0] -= 1
        if budget[0] < 0:
            raise SecurityError(f"the template loops more than {MAX_LOOP_STEPS:,} times")
        yield item


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Refuses unsafe attributes loudly (ChainableUndefined would print them as blanks),
    and bounds every string, list and integer a template builds (see the module doc)."""

    code_generator_class = _BoundedCodeGenerator
    template_class = BudgetedTemplate
    intercepted_binops = frozenset({"+", "-", "*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(finalize=_finalize, **options)
        self.globals["range"] = _range
        self.globals["lipsum"] = _lipsum
        self.bound_filters()

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every loop's iterable goes through the render's loop budget."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Call(
                nodes.EnvironmentAttribute("counted_steps"), [loop.iter], [], None, None
            )
        return tree

    counted_steps = staticmethod(_counted)

    def bound_filters(self) -> None:
        """Wrap the built-in filters that build strings or lists (call again after adding)."""
        wrappers: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
            name: functools.partial(_bounded_filter, name) for name in _FILTER_LENGTH
        }
        wrappers.update(join=_join_filter, sum=_sum_filter)
        wrappers.update((name, _data_filter) for name in self.filters if name not in FILTERS)
        for name, wrap in wrappers.items():
            function = self.filters.get(name)
            if function is not None and not getattr(function, _BOUNDED, False):
                bounded = wrap(function)
                setattr(bounded, _BOUNDED, True)
                self.filters[name] = bounded

    def bounded_join(self, parts: Iterable[str]) -> str:
        """The join of a captured block or a macro's output, no longer than the cap."""
        parts = list(parts)
        if sum(map(len, parts)) > MAX_BUILT_LENGTH:
            raise _too_long("a macro's or block's output")
        return "".join(parts)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return checked_binop(operator, self.binop_table[operator], left, right)

    def bounded_concat(self, markup: bool, values: tuple[Any, ...]) -> str:
        """`a ~ b ~ ...`: data only, and no longer than the cap."""
        total = 0
        for value in values:
            total += _text_length(value)
            if total > MAX_BUILT_LENGTH:
                raise _too_long("the result of ~")
        return markup_join(values) if markup else str_join(values)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Calls, with the str methods that can grow a string bounded before they run."""
        if isinstance(__obj, BlockReference):  # its output is joined out of our reach
            raise SecurityError("a template cannot call a block (self.name() or super())")
        owner = getattr(__obj, "__self__", None)
        if not isinstance(owner, str) or not isinstance(
            __obj, types.BuiltinMethodType | types.MethodType
        ):
            return super().call(__context, __obj, *args, **kwargs)
        name = __obj.__name__
        if name == "join" and args:
            args = (list(args[0]), *args[1:])
            if _join_length(owner, args[0]) > MAX_BUILT_LENGTH:
                raise _too_long("str.join")
        elif name in _STR_METHOD_LENGTH and (
            _STR_METHOD_LENGTH[name](owner, *args, **kwargs) > MAX_BUILT_LENGTH
        ):
            raise _too_long(f"str.{name}")
        return _check_sized(super().call(__context, __obj, *args, **kwargs), f"str.{name}")

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """str.format and format_map through a bounded formatter (Jinja's, with caps)."""
        if not isinstance(
            value, types.MethodType | types.BuiltinMethodType
        ) or value.__name__ not in ("format", "format_map"):
            return None
        owner = value.__self__
        if not isinstance(owner, str):
            return None
        str_type: type[str] = type(owner)
        is_format_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_format_map:
                if kwargs:
                    raise TypeError("format_map() takes no keyword arguments")
                if len(args) != 1:
                    raise TypeError(f"format_map() takes exactly one argument ({len(args)} given)")
                kwargs, args = args[0], ()
            formatter: string.Formatter
            if isinstance(owner, Markup):
                formatter = _BoundedEscapeFormatter(self, escape=owner.escape)
            else:
                formatter = _BoundedFormatter(self)
            return str_type(formatter.vformat(owner, args, kwargs))

        return functools.update_wrapper(wrapper, value)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        raise SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe."
        )
