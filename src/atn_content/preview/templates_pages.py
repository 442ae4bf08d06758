"""Designers' pages: the template list and one template's page, and the preview it asks for.

The page is static HTML plus template_view.js; each change of locale, sample, recipient
JSON or variant POSTs to `/studio/templates/{name}/preview`, which renders through the
delivery path (the ESP's) in the render pool and answers what the page shows, or the
render's problem (422 with the fields) for the JSON panel to point at.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from atn_content.api.errors import ProblemError
from atn_content.api.problems import Problem, ProblemItem, problem_for_decode_error
from atn_content.api.schemas import RenderResponse
from atn_content.content.errors import ContentError, UnknownTemplate
from atn_content.content.lint import CLIENTS
from atn_content.delivery import Delivery
from atn_content.preview.access import check_csrf
from atn_content.preview.email_preview import CLIENT_NAMES, preview, render_preview
from atn_content.preview.overview import FAMILIES, pick_sample
from atn_content.preview.pages import STUDIO_HEADERS, studio_page
from atn_content.preview.workspace import Workspace

__all__ = [
    "TEMPLATE_ROUTES",
    "PreviewRequest",
    "arm_of",
    "decode_request",
    "page_data",
    "parse_recipient",
    "render_asked",
]


@get("/studio")
async def template_list(
    request: Request[Any, Any, Any],
    delivery: NamedDependency[Delivery],
    workspace: NamedDependency[Workspace],
) -> Response[str]:
    rows = await delivery.pool.run(
        workspace.overview.rows, delivery, workspace.samples(), workspace.allow()
    )
    return studio_page(
        request,
        "templates.html",
        title="Templates",
        rows=rows,
        families=FAMILIES,
        names=CLIENT_NAMES,
    )


@get("/studio/templates/{name:str}")
async def template_page(
    request: Request[Any, Any, Any],
    name: FromPath[str],
    delivery: NamedDependency[Delivery],
    workspace: NamedDependency[Workspace],
) -> Response[str]:
    try:
        data = page_data(delivery, workspace, name)
    except UnknownTemplate:
        return studio_page(
            request, "not_found.html", status_code=404, title="Unknown template", template=name
        )
    return studio_page(request, "template.html", title=name, template=name, data=_script_json(data))


def page_data(delivery: Delivery, workspace: Workspace, name: str) -> dict[str, Any]:
    """What template_view.js starts from: locales, samples, arms, clients."""
    renderer = delivery.renderer
    try:
        source = renderer.library.get(name)
        version, meta = source.version, source.meta
    except UnknownTemplate:
        raise
    except ContentError:  # broken right now: the page opens, its preview shows the error
        version, meta = "", {}
    locales = [str(x) for x in meta.get("locales", renderer.locales)]
    samples = workspace.samples()
    first = pick_sample(samples, locales[0]) if locales else None
    return {
        "template": name,
        "version": version,
        "description": str(meta.get("description", "")),
        "locales": locales,
        "samples": [
            {
                "key": s.key,
                "label": s.label,
                "description": s.description,
                "locale": s.locale,
                "recipient": s.recipient,
            }
            for s in samples
        ],
        "sample": first.key if first else None,
        "arms": [
            {"experiment": key, "variant": variant}
            for key, variants in delivery.assigner.arms(name)
            for variant in variants
        ],
        "clients": [{"key": c.key, "name": c.name, "family": c.family} for c in CLIENTS],
        "preview_url": f"/studio/templates/{name}/preview",
    }


class PreviewRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    locale: str
    recipient: dict[str, Any] | None = None
    recipient_json: str | None = None
    """The JSON panel's text as typed: parsed here, so a syntax error names its line."""
    variant: str = ""
    """"experiment:variant" to see that arm; empty: the recipient's own assignment."""

    def the_recipient(self) -> dict[str, Any]:
        if self.recipient_json is None:
            return self.recipient or {}
        return parse_recipient(self.recipient_json)


Request_ = TypeVar("Request_", bound=PreviewRequest)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON (the API refuses it too)")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)[:200]


def parse_recipient(text: str) -> dict[str, Any]:
    """The JSON panel's recipient, or a 422 saying where the JSON goes wrong."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise _invalid_recipient(
            f"the recipient is not valid JSON: {exc.msg} ({where})",
            f"{where}: {exc.msg}",
            exc.lineno,
        ) from None
    except (RecursionError, ValueError) as exc:  # nested too deep, a huge integer, NaN
        reason = _reason(exc)
        raise _invalid_recipient(f"the recipient JSON cannot be read: {reason}", reason) from None
    if not isinstance(value, dict):
        raise _invalid_recipient(
            "the recipient must be a JSON object ({...})", "must be a JSON object", 1
        )
    return value


def _invalid_recipient(detail: str, message: str, line: int | None = None) -> ProblemError:
    item = ProblemItem(message, field="recipient", line=line)
    return ProblemError(Problem(422, "Invalid recipient JSON", detail, errors=[item]))


@post("/studio/templates/{name:str}/preview", status_code=200)
async def template_preview(
    request: Request[Any, Any, Any],
    name: FromPath[str],
    delivery: NamedDependency[Delivery],
    workspace: NamedDependency[Workspace],
) -> Response[Any]:
    check_csrf(request, None)
    ask = decode_request(await request.body(), PreviewRequest)
    email = await render_asked(delivery, name, ask)
    public_url = request.app.state.settings.public_url
    shown = await delivery.pool.run(preview, email, workspace.allow(), public_url)
    return Response(shown, headers=STUDIO_HEADERS)


def decode_request(body: bytes, kind: type[Request_]) -> Request_:
    """The page's JSON request, or the API's problem naming the field that is wrong."""
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.MsgspecError as exc:
        raise ProblemError(problem_for_decode_error(exc)) from None


async def render_asked(delivery: Delivery, name: str, ask: PreviewRequest) -> RenderResponse:
    """The email a page's request asks for (the preview's and the test send's)."""
    return await delivery.pool.run(
        render_preview, delivery, name, ask.locale, ask.the_recipient(), arm_of(ask.variant)
    )


def arm_of(variant: str) -> tuple[str, str] | None:
    if not variant:
        return None
    experiment, sep, arm = variant.partition(":")
    if not sep or not experiment or not arm:
        raise ProblemError(
            Problem(
                422,
                "Unknown variant",
                f"variant {variant!r} is not 'experiment:variant'",
                errors=[ProblemItem("expected 'experiment:variant'", field="variant")],
            )
        )
    return experiment, arm


def _script_json(data: dict[str, Any]) -> str:
    """JSON safe inside <script type="application/json">: no `</script>` can close it."""
    return (
        json.dumps(data, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


TEMPLATE_ROUTES = [template_list, template_page, template_preview]
