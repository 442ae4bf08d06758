"""Wire formats of the render API (msgspec structs, also used by the CLI)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from atn_content.content.headers import header_line
from atn_content.content.renderer import RenderedEmail
from atn_content.timestamps import utc_iso

if TYPE_CHECKING:
    from atn_content.experiments.assign import Assignment

__all__ = ["RenderRequest", "RenderResponse", "TemplateInfo", "to_response"]


class RenderRequest(msgspec.Struct, forbid_unknown_fields=True):
    template: str
    locale: str
    recipient: dict[str, Any]
    tracking: bool = True
    """False: no click tracking and no open pixel in this email (transactional mail)."""


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
    experiment: str | None = None
    """Key of the experiment this recipient is in, if any."""
    status: str | None = None
    """Within an experiment: test, holdback_control or rollout."""
    send_at: str | None = None
    """Send-time tests: when to send to this recipient (ISO 8601, UTC)."""
    from_name: str | None = None
    """Sender-name tests: the display name to send from."""


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


#: RenderedEmail's fields, copied as they are: the response is the email plus the
#: experiment's fields, so a field added to RenderedEmail must be declared above.
_EMAIL_FIELDS = RenderedEmail.__struct_fields__


def to_response(email: RenderedEmail, assignment: Assignment | None = None) -> RenderResponse:
    """The API document of one render: every field of the email, then the experiment's."""
    fields = {name: getattr(email, name) for name in _EMAIL_FIELDS}
    a = assignment
    if a is None:
        return RenderResponse(**fields)
    return RenderResponse(
        **fields,
        experiment=a.experiment,
        status=a.status,
        send_at=utc_iso(a.send_at) if a.send_at else None,
        from_name=header_line(a.from_name) if a.from_name else None,
    )
