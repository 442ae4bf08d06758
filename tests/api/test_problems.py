"""problem_for_decode_error: the problem of a batch line (API and CLI) that msgspec refused."""

from __future__ import annotations

import msgspec
import pytest

from atn_content.api.problems import problem_for_decode_error
from atn_content.api.schemas import RenderRequest


def _error(line: bytes) -> msgspec.MsgspecError:
    with pytest.raises(msgspec.MsgspecError) as caught:
        msgspec.json.decode(line, type=RenderRequest)
    return caught.value


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (
            b'{"template": 3, "locale": "en", "recipient": {}}',
            "template",
            "Expected `str`, got `int`",
        ),
        (
            b'{"locale": "en", "recipient": {}}',
            "template",
            "Object missing required field `template`",
        ),
        (
            b'{"template": "t", "locale": "en", "recipient": {}, "extra": 1}',
            "extra",
            "Object contains unknown field `extra`",
        ),
    ],
)
def test_names_the_field_like_the_single_render_does(line: bytes, field: str, message: str) -> None:
    problem = problem_for_decode_error(_error(line))
    assert problem.status == 422
    assert [(item.field, item.message) for item in problem.errors] == [(field, message)]


def test_a_line_that_is_not_json_names_no_field() -> None:
    problem = problem_for_decode_error(_error(b"{not json"))
    assert problem.status == 400 and problem.errors[0].field is None
