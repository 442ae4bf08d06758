"""GET /healthz: public, no credentials in it, and a warning for a Redis that keeps nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from litestar.testing import TestClient

from atn_content.app import create_app
from atn_content.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def health(store_url: str, tmp_path: Path) -> dict[str, Any]:
    settings = Settings(
        content_root=ROOT, store_url=store_url, state_dir=tmp_path / "state", secret=b"h" * 32
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_sqlite_is_ok_without_warnings(tmp_path: Path) -> None:
    body = health(f"sqlite:///{tmp_path / 'atn.db'}", tmp_path)
    assert (body["status"], body["store"], body["warnings"]) == ("ok", "ok", [])


def test_a_redis_without_aof_or_rdb_is_reported(redis_url: str, tmp_path: Path) -> None:
    # The session's server runs with appendonly no and save "".
    body = health(redis_url, tmp_path)
    assert body["store"] == "ok"
    [warning] = body["warnings"]
    assert "neither AOF nor RDB" in warning
    assert "restart loses" in warning


def test_a_redis_with_aof_or_rdb_is_not_reported(
    make_redis_server: Callable[[bool], Any], tmp_path: Path
) -> None:
    aof = make_redis_server(True)  # appendonly yes
    aof.start()
    assert health(aof.url, tmp_path)["warnings"] == []
    rdb = make_redis_server(False)
    rdb.start()
    with redis.Redis(port=rdb.port) as admin:
        admin.config_set("save", "3600 1")
    assert health(rdb.url, tmp_path)["warnings"] == []
