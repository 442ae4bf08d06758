"""Settings from the environment: API keys with scopes, secrets, store and limits."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from atn_content.config import SCOPES, Settings, ensure_local_key, parse_api_keys

KEY_A = "a" * 20
KEY_B = "b" * 20


def test_api_keys_with_scopes() -> None:
    keys = parse_api_keys(f" {KEY_A}:render, experiments ; {KEY_B}:admin ;")
    assert keys == {KEY_A: frozenset({"render", "experiments"}), KEY_B: frozenset({"admin"})}
    assert parse_api_keys("") == {}


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        (KEY_A, "must look like KEY:scope"),
        (f"{KEY_A}:", "must look like KEY:scope"),
        (":render", "must look like KEY:scope"),
        (f"{KEY_A}:render,fly", "unknown scope"),
        ("short:render", "at least 16 characters"),
    ],
)
def test_malformed_api_keys_are_refused(spec: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_api_keys(spec)


def test_malformed_key_message_does_not_print_the_key() -> None:
    with pytest.raises(ValueError) as caught:
        parse_api_keys(KEY_A + "secretpart")
    assert "secretpart" not in str(caught.value)


def test_from_env_reads_every_setting(tmp_path: Path) -> None:
    env = {
        "ATN_API_KEYS": f"{KEY_A}:render",
        "ATN_API_KEY": KEY_B,
        "ATN_SECRET": "x" * 32,
        "ATN_STORE": "redis://127.0.0.1:6390/0",
        "ATN_STATE_DIR": str(tmp_path / "state"),
        "ATN_CONTENT_ROOT": str(tmp_path),
        "ATN_PUBLIC_URL": "https://mail.example.pf",
        "ATN_MAX_BODY_BYTES": "4096",
    }
    settings = Settings.from_env(env)
    assert settings.api_keys == {KEY_A: frozenset({"render"}), KEY_B: SCOPES}
    assert settings.secret == b"x" * 32
    assert settings.store_url == "redis://127.0.0.1:6390/0"
    assert settings.content_root == tmp_path
    assert settings.public_url == "https://mail.example.pf"
    assert settings.max_body_bytes == 4096
    assert not (tmp_path / "state").exists()


def test_defaults_keep_a_secret_and_store_in_the_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = Settings.from_env({"ATN_STATE_DIR": str(state)})
    again = Settings.from_env({"ATN_STATE_DIR": str(state)})
    assert len(first.secret) >= 32 and first.secret == again.secret
    assert stat.S_IMODE((state / "secret").stat().st_mode) == 0o600
    assert first.store_url == f"sqlite:///{state}/atn.db"
    assert first.api_keys == {}
    assert first.public_url.startswith("https://")
    assert (first.content_root / "templates").is_dir()


def test_local_key_is_created_once(tmp_path: Path) -> None:
    key, created = ensure_local_key(tmp_path / "state")
    assert created and key.startswith("atn_local_") and len(key) >= 16
    assert ensure_local_key(tmp_path / "state") == (key, False)
    assert stat.S_IMODE((tmp_path / "state" / "local-api-key").stat().st_mode) == 0o600
    assert parse_api_keys(f"{key}:render") == {key: frozenset({"render"})}


def test_webhook_settings_from_the_environment(tmp_path: Path) -> None:
    env = {
        "ATN_STATE_DIR": str(tmp_path),
        "ATN_SECRET": "x" * 16,
        "ATN_SENDGRID_VERIFICATION_KEY": " MFkw== ",
        "ATN_MAILGUN_SIGNING_KEY": "key-1",
        "ATN_POSTMARK_WEBHOOK_AUTH": "u:p",
        "ATN_SNS_TOPIC_ARNS": "arn:a, arn:b,",
        "ATN_SNS_CERT_DIR": str(tmp_path),
        "ATN_WEBHOOK_TOLERANCE_S": "0",
    }
    s = Settings.from_env(env)
    assert (s.sendgrid_verification_key, s.mailgun_signing_key) == ("MFkw==", "key-1")
    assert s.postmark_webhook_auth == "u:p"
    assert s.sns_topic_arns == ("arn:a", "arn:b")
    assert s.sns_cert_dir == tmp_path and s.webhook_tolerance_s == 0
    base = {"ATN_STATE_DIR": str(tmp_path), "ATN_SECRET": "x" * 16}
    assert Settings.from_env(base).sns_topic_arns is None  # unset: SES off
    assert Settings.from_env({**base, "ATN_SNS_TOPIC_ARNS": ""}).sns_topic_arns == ()  # any
    assert Settings.from_env(base).webhook_tolerance_s == 300


@pytest.mark.parametrize("spec", ["-1", "soon", "nan", "inf"])
def test_a_bad_webhook_tolerance_is_refused(tmp_path: Path, spec: str) -> None:
    env = {"ATN_STATE_DIR": str(tmp_path), "ATN_SECRET": "x" * 16}
    with pytest.raises(ValueError, match="ATN_WEBHOOK_TOLERANCE_S"):
        Settings.from_env({**env, "ATN_WEBHOOK_TOLERANCE_S": spec})


def test_mail_settings_from_the_environment(tmp_path: Path) -> None:
    base = {"ATN_STATE_DIR": str(tmp_path), "ATN_SECRET": "x" * 16}
    defaults = Settings.from_env(base)
    assert (defaults.smtp_url, defaults.mail_from) == ("", "Air Tahiti Nui <news@airtahitinui.com>")
    s = Settings.from_env(
        {
            **base,
            "ATN_SMTP_URL": " smtps://user:hunter2@relay.example.pf ",
            "ATN_MAIL_FROM": "Air Tahiti Nui — Tests <tests@example.pf>",
        }
    )
    assert s.smtp_url == "smtps://user:hunter2@relay.example.pf"
    assert s.mail_from == "Air Tahiti Nui — Tests <tests@example.pf>"
    assert "hunter2" not in repr(s)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ATN_SMTP_URL", "http://relay.example.pf"),
        ("ATN_SMTP_URL", "smtp://relay.example.pf:0x19"),
        ("ATN_MAIL_FROM", "Air Tahiti Nui"),
        ("ATN_MAIL_FROM", "a@example.pf, b@example.pf"),
    ],
)
def test_bad_mail_settings_are_refused_at_start(tmp_path: Path, name: str, value: str) -> None:
    env = {"ATN_STATE_DIR": str(tmp_path), "ATN_SECRET": "x" * 16}
    with pytest.raises(ValueError, match=name):
        Settings.from_env({**env, name: value})
