"""One request must never hold up the others: renders (and first compiles) run off the
event loop, so /healthz answers while a render is still working."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from litestar import Litestar
from tests.api.conftest import AUTH, make_settings
from tests.content.test_hostile_input import content_root

from atn_content.app import create_app, default_features
from atn_content.content.extensions import BaseExtension
from atn_content.features import Feature

SLOW = (
    '+++\nsubject = "Hi"\n[fields.name]\ntype = "str"\ndefault = ""\n+++\n'
    "<mjml><mj-body><mj-section><mj-column><mj-text>{{ recipient.name|hold }}</mj-text>"
    "</mj-column></mj-section></mj-body></mjml>\n"
)


class Gate(BaseExtension):
    """A filter that stops a render until the test lets it go."""

    name = "gate"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def filters(self, locale: str) -> dict[str, Any]:
        return {"hold": self.hold}

    def hold(self, value: Any) -> Any:
        self.entered.set()
        self.release.wait(20)
        return value


@pytest.fixture
def gated(tmp_path: Path) -> Iterator[tuple[str, Gate]]:
    (tmp_path / "content").mkdir()
    root = content_root(tmp_path / "content", {"slow": SLOW})
    settings = make_settings(tmp_path, content_root=root)
    gate = Gate()
    app: Litestar = create_app(settings, [*default_features(settings), Feature("gate", gate)])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", gate
    gate.release.set()
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("path", ["/v1/render", "/v1/render/batch"])
def test_healthz_answers_while_a_render_is_held(gated: tuple[str, Gate], path: str) -> None:
    url, gate = gated
    body = {"template": "slow", "locale": "en", "recipient": {"id": "r1", "name": "Ana"}}
    answers: list[httpx.Response] = []

    def send() -> None:
        with httpx.Client(timeout=30) as client:
            if path.endswith("batch"):
                content = httpx.Request("POST", url, json=body).content + b"\n"
                answers.append(client.post(url + path, content=content, headers=AUTH))
            else:
                answers.append(client.post(url + path, json=body, headers=AUTH))

    sender = threading.Thread(target=send)
    sender.start()
    assert gate.entered.wait(20), "the render never started"
    # The render is stopped inside its template: the loop must still answer. (When renders
    # ran on the loop, this request waited for the render, so it timed out.)
    health = httpx.get(url + "/healthz", timeout=5)
    assert health.status_code == 200
    assert not gate.release.is_set() and sender.is_alive()
    gate.release.set()
    sender.join(20)
    assert answers[0].status_code == 200
    assert "Ana" in answers[0].text
