"""The render API's document: the rendered email's fields, then the experiment's."""

from __future__ import annotations

import datetime as dt

import msgspec

from atn_content.api.schemas import RenderResponse, to_response
from atn_content.content.renderer import RenderedEmail
from atn_content.experiments.assign import Assignment

EMAIL = RenderedEmail(
    subject="Ia ora na",
    preheader="Tahiti",
    html="<p>hi</p>",
    text="hi",
    headers={"List-Id": "<newsletter>"},
    template="promo",
    template_version="v1",
    locale="fr",
    variant="B",
    fallbacks=["recipient.first_name"],
)


def test_the_response_declares_every_field_of_the_email_first_in_order() -> None:
    email_fields = [f.name for f in msgspec.structs.fields(RenderedEmail)]
    response_fields = [f.name for f in msgspec.structs.fields(RenderResponse)]
    assert response_fields[: len(email_fields)] == email_fields


def test_a_response_copies_the_email_and_adds_the_experiment() -> None:
    send_at = dt.datetime(2026, 11, 27, 18, 30, tzinfo=dt.UTC)
    assignment = Assignment("bf", "test", None, "promo", "B", "Air Tahiti Nui", send_at)
    plain = msgspec.to_builtins(to_response(EMAIL))
    assert plain == {
        **msgspec.structs.asdict(EMAIL),
        "experiment": None,
        "status": None,
        "send_at": None,
        "from_name": None,
    }
    tested = msgspec.to_builtins(to_response(EMAIL, assignment))
    assert tested == {
        **plain,
        "experiment": "bf",
        "status": "test",
        "send_at": "2026-11-27T18:30:00Z",
        "from_name": "Air Tahiti Nui",
    }
