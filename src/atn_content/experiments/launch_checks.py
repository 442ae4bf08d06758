"""What launch checks beyond parsing: every variant renders, and its parameters are safe.

Compiling is not enough: the sandbox refuses `{{ ''.__class__ }}`, `{{ 1/0 }}` or a
range too big only when it renders, and a variant that launched anyway fails for every
recipient in its arm. So launch (the API and `atn-content experiments launch` alike)
dry-renders each variant, in each locale of the test, for a sample recipient built from
the template's declared defaults, and names the field that failed
(`variants[1].subject`).

Variant parameters are plain TOML scalars that templates print into attributes
(`background-color="{{ experiment.cta_color }}"`): no front matter declares them, so
their kind comes from the name (`PARAM_KINDS`): colours, https URLs, or plain text.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple
from urllib.parse import urlsplit

from atn_content.content.errors import ContentError, RenderError, TemplateError, TemplateProblem
from atn_content.content.fields import FieldSpec
from atn_content.content.renderer import Renderer, Variant
from atn_content.experiments.definitions import Definition, Scalar, VariantSpec

__all__ = [
    "CSS_COLOUR_NAMES",
    "MAX_TEXT_PARAM",
    "SAMPLE_ID",
    "LaunchProblem",
    "check_launch",
    "check_params",
    "param_kind",
    "sample_recipient",
    "variant_of",
]

#: The id of the sample recipient a launch renders for.
SAMPLE_ID = "launch-check"
#: Longest text parameter (a button text, a block title).
MAX_TEXT_PARAM = 200
#: Longest URL parameter.
MAX_URL_PARAM = 2048
ParamKind = Literal["colour", "url", "text"]
#: Placeholders for required fields that declare no default, by declared type.
_PLACEHOLDERS: dict[str, Any] = {
    "str": "Sample",
    "email": "launch-check@example.com",
    "int": 1,
    "number": 1,
    "bool": False,
    "list[str]": [],
    "list": [],
    "dict": {},
    "date": "2026-01-15",
    "datetime": "2026-01-15T09:00:00+00:00",
}
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_NAMED_COLOURS = """
    aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
    crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
    darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
    dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite
    gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki
    lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
    lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
    lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
    magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
    mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
    mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
    palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
    powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown
    seagreen seashell sienna silver skyblue slateblue slategray slategrey snow springgreen
    steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
    yellowgreen
"""
#: The CSS named colours (CSS Color Module Level 4).
CSS_COLOUR_NAMES = frozenset(_NAMED_COLOURS.split())
#: Bidi embeddings, overrides and isolates: they reorder what the reader sees.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class LaunchProblem(NamedTuple):
    """One reason a definition cannot launch, naming its field (`variants[1].subject`)."""

    field: str
    message: str


def check_launch(renderer: Renderer, definition: Definition) -> list[LaunchProblem]:
    """Every problem that would make a variant fail at send time; [] when it can launch.

    Each variant is rendered as the assigner serves it, in the test's locales (all the
    renderer's when the test does not restrict them); a variant is reported once, for the
    first locale it fails in.
    """
    problems: list[LaunchProblem] = []
    locales = definition.locales or list(renderer.locales)
    for i, spec in enumerate(definition.variants):
        problems += check_params(i, spec.params)
        template = spec.template or definition.template
        template_field = f"variants[{i}].template" if spec.template else "template"
        for locale in locales:
            found = _dry_render(renderer, i, spec, template, template_field, locale)
            if found:
                problems += found
                break
    return problems


def variant_of(spec: VariantSpec) -> Variant:
    """The renderer's variant for an arm, as the assigner builds it."""
    return Variant(spec.key, spec.subject, spec.preheader, tuple(sorted(spec.params.items())))


def sample_recipient(fields: Mapping[str, FieldSpec]) -> dict[str, Any]:
    """A recipient every declared field accepts: the declared defaults, and for a required
    field without one a placeholder of its type (the id is `SAMPLE_ID`)."""
    values: dict[str, Any] = {}
    for spec in fields.values():
        if spec.name == "id":
            values["id"] = SAMPLE_ID
        elif spec.default is not None:
            values[spec.name] = copy.deepcopy(spec.default)
        elif spec.required:
            values[spec.name] = _PLACEHOLDERS.get(spec.type, "")
    return values


def param_kind(name: str) -> ParamKind:
    """The kind of a variant parameter, from its name (no template declares them)."""
    lowered = name.lower()
    if lowered.endswith(("_color", "_colour")) or lowered in {"color", "colour"}:
        return "colour"
    if lowered.endswith("_url") or lowered == "url":
        return "url"
    return "text"


def check_params(index: int, params: Mapping[str, Scalar]) -> list[LaunchProblem]:
    """Colours, https URLs and plain text only: parameters land in attributes and text."""
    problems: list[LaunchProblem] = []
    for name, value in params.items():
        message = _param_problem(param_kind(name), value)
        if message:
            problems.append(LaunchProblem(f"variants[{index}].params.{name}", message))
    return problems


def _param_problem(kind: ParamKind, value: Scalar) -> str | None:
    if kind == "colour":
        if isinstance(value, str) and (
            _HEX_COLOUR.match(value) or value.lower() in CSS_COLOUR_NAMES
        ):
            return None
        return (
            f"{_shown(value)} is not a colour: use #rgb, #rrggbb or a CSS colour name "
            "(no ';', '(' or url)"
        )
    if kind == "url":
        return _url_problem(value)
    if not isinstance(value, str):
        return None  # numbers and booleans choose blocks; they print as plain text
    if len(value) > MAX_TEXT_PARAM:
        return f"must be at most {MAX_TEXT_PARAM} characters, got {len(value)}"
    if "<" in value:
        return f"{_shown(value)} must be plain text (no '<')"
    if any(_is_control(ch) for ch in value):
        return f"{_shown(value)} must not contain control, line-break or bidi characters"
    return None


def _url_problem(value: Scalar) -> str | None:
    if not isinstance(value, str):
        return f"{_shown(value)} must be an https URL (https://host/path)"
    if len(value) > MAX_URL_PARAM:
        return f"must be at most {MAX_URL_PARAM} characters, got {len(value)}"
    bad = any(_is_control(ch) or ch.isspace() or ch in "\"'<>\\`" for ch in value)
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if bad or parts is None or parts.scheme != "https" or not parts.hostname:
        return f"{_shown(value)} must be an https URL (https://host/path), without spaces or quotes"
    return None


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in {"Cc", "Zl", "Zp"} or ch in _BIDI_CONTROLS


def _shown(value: Scalar) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _dry_render(
    renderer: Renderer,
    index: int,
    spec: VariantSpec,
    template: str,
    template_field: str,
    locale: str,
) -> list[LaunchProblem]:
    """Problems of one variant in one locale: compile errors name the override they are in;
    a render error is pinned on the part that fails alone."""
    at = f"variants[{index}]"
    try:
        sample = sample_recipient(renderer.library.get(template).fields)
    except ContentError as exc:  # the API and the CLI check template names first
        return [LaunchProblem(template_field, str(exc))]
    try:
        renderer.render(template, locale, sample, variant_of(spec))
    except TemplateError as exc:
        return [_compile_problem(at, template_field, p, locale) for p in exc.problems]
    except RenderError as exc:
        message = exc.problems[0].message
        culprit = _culprit(renderer, spec, template, locale, sample)
        if culprit is None:
            field = template_field
            message = f"{template} does not render with its declared defaults: {message}"
        else:
            field = f"{at}.{culprit}" if culprit else at
        return [LaunchProblem(field, f"{message} (locale {locale})")]
    except ContentError as exc:  # a sample the template's own fields refuse
        return [LaunchProblem(template_field, f"{exc} (locale {locale})")]
    return []


def _compile_problem(
    at: str, template_field: str, problem: TemplateProblem, locale: str
) -> LaunchProblem:
    for part in ("subject", "preheader"):
        if problem.message.startswith(f"experiment variant {part}"):
            return LaunchProblem(f"{at}.{part}", f"{problem.message} (locale {locale})")
    return LaunchProblem(template_field, f"{problem} (locale {locale})")


def _culprit(
    renderer: Renderer, spec: VariantSpec, template: str, locale: str, sample: dict[str, Any]
) -> str | None:
    """The override that fails on its own (`subject`, `preheader`, `params.<name>`); ""
    when only their combination fails; None when the template fails without them."""
    alone: list[tuple[str, Variant]] = []
    if spec.subject is not None:
        alone.append(("subject", Variant(spec.key, subject=spec.subject)))
    if spec.preheader is not None:
        alone.append(("preheader", Variant(spec.key, preheader=spec.preheader)))
    alone += [
        (f"params.{name}", Variant(spec.key, params=((name, value),)))
        for name, value in sorted(spec.params.items())
    ]
    if not _renders(renderer, template, locale, sample, Variant(spec.key)):
        return None
    for part, variant in alone:
        if not _renders(renderer, template, locale, sample, variant):
            return part
    return ""


def _renders(
    renderer: Renderer, template: str, locale: str, sample: dict[str, Any], variant: Variant
) -> bool:
    try:
        renderer.render(template, locale, sample, variant)
    except ContentError:
        return False
    return True
