"""Settings from the environment; the only place that reads os.environ."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SCOPES", "Settings", "parse_api_keys"]

#: What an API key may be allowed to do.
SCOPES = frozenset({"render", "experiments", "privacy", "studio", "admin"})
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def _default_content_root() -> Path:
    cwd = Path.cwd()
    if (cwd / "templates").is_dir():
        return cwd
    return _PACKAGE_ROOT


def parse_api_keys(spec: str) -> dict[str, frozenset[str]]:
    """`key1:render,experiments;key2:admin` -> {key: scopes}. Raises ValueError when malformed."""
    keys: dict[str, frozenset[str]] = {}
    for item in filter(None, (part.strip() for part in spec.split(";"))):
        key, sep, scope_list = item.partition(":")
        scopes = frozenset(s.strip() for s in scope_list.split(",") if s.strip())
        if not sep or not key or not scopes:
            raise ValueError(f"ATN_API_KEYS entry {item[:6]}... must look like KEY:scope,scope")
        unknown = scopes - SCOPES
        if unknown:
            raise ValueError(
                f"ATN_API_KEYS: unknown scope(s) {', '.join(sorted(unknown))}; "
                f"use {', '.join(sorted(SCOPES))}"
            )
        if len(key) < 16:
            raise ValueError("ATN_API_KEYS: keys must be at least 16 characters")
        keys[key] = scopes
    return keys


@dataclass(frozen=True)
class Settings:
    content_root: Path = field(default_factory=_default_content_root)
    store_url: str = "sqlite:///.atn/atn.db"
    state_dir: Path = Path(".atn")
    api_keys: Mapping[str, frozenset[str]] = field(default_factory=dict)
    secret: bytes = b""
    previous_secrets: tuple[bytes, ...] = ()
    """ATN_SECRET_PREVIOUS, comma-separated: retired secrets whose links still verify."""
    public_url: str = "https://news.airtahitinui.com"
    max_body_bytes: int = 1_048_576
    max_batch_line_bytes: int = 1_048_576
    sendgrid_verification_key: str = ""
    """ATN_SENDGRID_VERIFICATION_KEY: the base64 public key SendGrid shows (signed webhook)."""
    mailgun_signing_key: str = ""
    """ATN_MAILGUN_SIGNING_KEY: Mailgun's HTTP webhook signing key."""
    postmark_webhook_auth: str = ""
    """ATN_POSTMARK_WEBHOOK_AUTH: `user:password` configured on the Postmark webhook."""
    sns_topic_arns: tuple[str, ...] | None = None
    """ATN_SNS_TOPIC_ARNS: topics SES events may come from; () allows any, None (unset,
    and no ATN_SNS_CERT_DIR either) turns the SES webhook off."""
    sns_cert_dir: Path | None = None
    """ATN_SNS_CERT_DIR: SNS signing certificates by file name, read before any download."""
    webhook_tolerance_s: float = 300.0
    """ATN_WEBHOOK_TOLERANCE_S: older signed timestamps are refused; 0 turns the check off."""
    smtp_url: str = field(default="", repr=False)  # may hold the relay's password
    """ATN_SMTP_URL: the relay test emails go through (atn_content.mail.smtp); "" none."""
    mail_from: str = "Air Tahiti Nui <news@airtahitinui.com>"
    """ATN_MAIL_FROM: the From of the messages (a sender-name test replaces the name)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        state_dir = Path(env.get("ATN_STATE_DIR", ".atn"))
        keys = parse_api_keys(env.get("ATN_API_KEYS", ""))
        if env.get("ATN_API_KEY"):
            keys[env["ATN_API_KEY"]] = SCOPES
        secret = env.get("ATN_SECRET", "").encode() or _persistent_secret(state_dir)
        return cls(
            content_root=Path(env["ATN_CONTENT_ROOT"])
            if env.get("ATN_CONTENT_ROOT")
            else _default_content_root(),
            store_url=env.get("ATN_STORE", f"sqlite:///{state_dir}/atn.db"),
            state_dir=state_dir,
            api_keys=keys,
            secret=secret,
            previous_secrets=tuple(
                s.strip().encode()
                for s in env.get("ATN_SECRET_PREVIOUS", "").split(",")
                if s.strip()
            ),
            public_url=env.get("ATN_PUBLIC_URL", cls.public_url),
            max_body_bytes=int(env.get("ATN_MAX_BODY_BYTES", cls.max_body_bytes)),
            sendgrid_verification_key=env.get("ATN_SENDGRID_VERIFICATION_KEY", "").strip(),
            mailgun_signing_key=env.get("ATN_MAILGUN_SIGNING_KEY", "").strip(),
            postmark_webhook_auth=env.get("ATN_POSTMARK_WEBHOOK_AUTH", ""),
            sns_topic_arns=_topic_arns(env.get("ATN_SNS_TOPIC_ARNS")),
            sns_cert_dir=Path(env["ATN_SNS_CERT_DIR"]) if env.get("ATN_SNS_CERT_DIR") else None,
            webhook_tolerance_s=_tolerance(env.get("ATN_WEBHOOK_TOLERANCE_S", "300")),
            smtp_url=_smtp_url(env.get("ATN_SMTP_URL", "")),
            mail_from=_mail_from(env.get("ATN_MAIL_FROM") or cls.mail_from),
        )


def _topic_arns(spec: str | None) -> tuple[str, ...] | None:
    """Unset: None; set (even empty, which allows any topic): the comma-separated ARNs."""
    if spec is None:
        return None
    return tuple(arn.strip() for arn in spec.split(",") if arn.strip())


def _tolerance(spec: str) -> float:
    try:
        seconds = float(spec)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise ValueError(
            f"ATN_WEBHOOK_TOLERANCE_S must be a number of seconds >= 0 (0: no age check), "
            f"got {spec!r}"
        )
    return seconds


def _smtp_url(spec: str) -> str:
    """The URL, checked now (ValueError naming ATN_SMTP_URL) rather than at the first send."""
    from atn_content.mail.smtp import SmtpRelay

    if spec.strip():
        SmtpRelay.from_url(spec)
    return spec.strip()


def _mail_from(spec: str) -> str:
    from atn_content.mail.message import parse_sender

    try:
        parse_sender(spec)
    except ValueError:
        raise ValueError(
            f"ATN_MAIL_FROM must be one address, as `Air Tahiti Nui <news@example.com>`, "
            f"got {spec[:80]!r}"
        ) from None
    return spec


def _persistent_secret(state_dir: Path) -> bytes:
    """A signing secret kept in the state dir, so links stay valid across restarts."""
    path = state_dir / "secret"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def ensure_local_key(state_dir: Path) -> tuple[str, bool]:
    """The key `make run` prints: created once in the state dir; (key, created)."""
    path = state_dir / "local-api-key"
    if path.exists():
        return path.read_text().strip(), False
    state_dir.mkdir(parents=True, exist_ok=True)
    key = "atn_local_" + secrets.token_urlsafe(24)
    path.write_text(key)
    path.chmod(0o600)
    return key, True
