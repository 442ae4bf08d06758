"""Wire formats of the render API (msgspec structs, also used by the CLI)."""

from __future__ import annotations

from typing import Any

import msgspec

from atn_content.content.renderer import RenderedEmail

__all__ = ["RenderRequest", "RenderResponse", "TemplateInfo", "to_response"]


class RenderRequest(msgspec.Struct, forbid_unknown_fields=True):
    template: str
    locale: str
    recipient: dict[str, Any]


class RenderResponse(msgspec.Struct):
    subject: str
    preheader: str
    html: str
    text: str
    headers: dict[str, str]
    template: str
    template_version: str
    locale: str
    variant: str | None
    fallbacks: list[str]


class FieldInfo(msgspec.Struct, omit_defaults=True):
    type: str
    required: bool
    default: Any = None
    description: str = ""


class TemplateInfo(msgspec.Struct):
    name: str
    version: str | None
    description: str
    locales: list[str]
    recipient_schema: dict[str, FieldInfo]
    errors: list[str]


def to_response(email: RenderedEmail) -> RenderResponse:
    return RenderResponse(
        subject=email.subject,
        preheader=email.preheader,
        html=email.html,
        text=email.text,
        headers=email.headers,
        template=email.template,
        template_version=email.template_version,
        locale=email.locale,
        variant=email.variant,
        fallbacks=email.fallbacks,
    )
