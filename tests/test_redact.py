"""Credentials never leave the service: /healthz, the banner, warnings, logs, error messages."""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from atn_content import cli
from atn_content.app import create_app
from atn_content.config import Settings
from atn_content.experiments.assign import Assigner, refresh_forever
from atn_content.experiments.service import ExperimentService
from atn_content.redact import redact
from atn_content.store import StoreUnavailable, open_store
from atn_content.store.buffer import EventBuffer
from atn_content.store.redis import RedisStore

SECRET = "S3cret-p4ss"
ROOT = Path(__file__).resolve().parents[1]


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def down_url() -> str:
    """A Redis URL with a password and nothing listening."""
    return f"redis://:{SECRET}@127.0.0.1:{unused_port()}/0"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("redis://:S3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("rediss://app:S3cret@cache.internal:6380/2", "rediss://app:***@cache.internal:6380/2"),
        ("redis://S3cret@cache/0", "redis://***@cache/0"),
        ("redis://:p%40ss@w@rd@cache/0", "redis://:***@cache/0"),
        ("redis://cache/0?password=S3cret&db=1", "redis://cache/0?password=***&db=1"),
        ("https://x.example/?token=S3cret", "https://x.example/?token=***"),
        (
            "Redis at 'redis://:S3cret@a:1/0' and redis://u:S3cret@b:2/0 are down",
            "Redis at 'redis://:***@a:1/0' and redis://u:***@b:2/0 are down",
        ),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
        ("sqlite:///.atn/atn.db", "sqlite:///.atn/atn.db"),
        ("no url at all: user@example.com", "no url at all: user@example.com"),
    ],
)
def test_redact_hides_passwords_and_keeps_the_rest(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_healthz_does_not_show_the_store_password(tmp_path: Path) -> None:
    settings = Settings(
        content_root=ROOT, store_url=down_url(), state_dir=tmp_path, secret=b"s" * 32
    )
    with TestClient(create_app(settings)) as client:
        body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert SECRET not in str(body)
    assert "redis://:***@127.0.0.1" in body["store"]


async def test_store_errors_carry_no_password() -> None:
    store = RedisStore(down_url(), connect_timeout=0.2)
    with pytest.raises(StoreUnavailable) as raised:
        await store.ping()
    assert SECRET not in str(raised.value)
    assert "redis://:***@" in str(raised.value)
    await store.close()
    with pytest.raises(ValueError) as refused:
        open_store(f"memcached://:{SECRET}@cache/0")
    assert SECRET not in str(refused.value)


def test_startup_banner_does_not_show_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setenv("ATN_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("ATN_API_KEY", "banner-key-0123456789abcdef")
    url = down_url()
    assert cli.main(["serve", "--store", url]) == 0
    out = capsys.readouterr().out
    assert "store=redis://:***@127.0.0.1" in out
    assert SECRET not in out


async def test_warnings_and_logs_carry_no_password(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    store = RedisStore(down_url(), connect_timeout=0.2)
    service = ExperimentService(store, None)
    refresh = asyncio.create_task(refresh_forever(Assigner(), service.records, 0.0, service.tick))
    buffer = EventBuffer(store, tmp_path / "spool")
    for _ in range(300):  # until the refresh has failed at least once
        if "refresh failed" in caplog.text:
            break
        await asyncio.sleep(0.01)
    refresh.cancel()
    await asyncio.gather(refresh, return_exceptions=True)
    from atn_content.store import Event

    buffer.add(Event("s", "A", "open", "r1", 0.0))
    await buffer.stop()
    await store.close()
    assert "refresh failed" in caplog.text
    assert "spooling" in caplog.text
    assert buffer.last_error is not None and SECRET not in buffer.last_error
    assert SECRET not in caplog.text
    assert "redis://:***@" in caplog.text


def test_cli_errors_carry_no_password(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("ATN_STORE", down_url())
    monkeypatch.setenv("ATN_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("ATN_SECRET", "s" * 32)
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert cli.main(["experiments", "list"]) == 1
    assert "unavailable" in err.getvalue()
    assert SECRET not in err.getvalue()
