"""One webhook request, whichever provider: verify, parse, count, keep it before answering.

Nothing is parsed into events, and nothing written, before the provider's verification
passed. The writes of one request go to the store in one call, or to the spool (fsync'd)
when the store cannot take them: `Receipt.spooled` says which (the API answers 200 or 202).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from types import ModuleType

import msgspec

from atn_content.config import Settings
from atn_content.experiments.assign import Assigner
from atn_content.experiments.intake import Intake
from atn_content.store.base import Store
from atn_content.store.buffer import EventBuffer
from atn_content.tracking.webhooks import mailgun, postmark, sendgrid, ses
from atn_content.tracking.webhooks.certificates import (
    Certificates,
    CertificateUnavailable,
    download,
)
from atn_content.tracking.webhooks.counting import count
from atn_content.tracking.webhooks.events import WebhookEvent
from atn_content.tracking.webhooks.replay import ReplayGuard

__all__ = ["PROVIDERS", "Receipt", "Refused", "Unavailable", "WebhookReceiver"]

log = logging.getLogger(__name__)

PROVIDERS: dict[str, ModuleType] = {m.NAME: m for m in (sendgrid, mailgun, postmark, ses)}


class Refused(Exception):
    """Verification failed (a 401); the reason is logged, never stored."""


class Unavailable(Exception):
    """Something of SNS's we need (a certificate, the confirmation URL) cannot be reached
    now: a 503, and SNS retries."""


class Receipt(msgspec.Struct):
    provider: str
    events: int
    """Events of our kinds in the request (after verification)."""
    writes: int
    """Counter, experiment and suppression writes they made."""
    spooled: bool
    """True when the store was unreachable and the writes wait in the spool."""
    confirmed: bool = False
    """SNS: the SubscriptionConfirmation was confirmed."""
    notes: list[str] = msgspec.field(default_factory=list)


class WebhookReceiver:
    def __init__(
        self,
        settings: Settings,
        fetch: Callable[[str], bytes] = download,
        clock: Callable[[], float] = time.time,
    ) -> None:
        sendgrid.check_key(settings)
        self.settings = settings
        self.fetch = fetch
        """GETs over HTTPS: SNS certificates not in ATN_SNS_CERT_DIR, SubscribeURLs."""
        self.clock = clock
        self.certificates = Certificates(settings.sns_cert_dir, fetch)
        self.replays = ReplayGuard(settings.webhook_tolerance_s)

    def configured(self, provider: str) -> bool:
        module = PROVIDERS.get(provider)
        return module is not None and bool(module.configured(self.settings))

    async def receive(
        self,
        provider: str,
        headers: Mapping[str, str],
        raw_body: bytes,
        *,
        buffer: EventBuffer,
        intake: Intake,
        assigner: Assigner,
        store: Store | None,
    ) -> Receipt:
        """Raises Refused (401), MalformedPayload (400), Unavailable (503), and
        InvalidEvent / OSError from the buffer (nothing kept)."""
        await self._verify(provider, headers, raw_body, store)
        confirmed = False
        if provider == ses.NAME:
            url = ses.subscribe_url(raw_body)
            if url is not None:
                try:
                    await asyncio.to_thread(self.fetch, url)
                except Exception as exc:  # network, TLS, HTTP status
                    raise Unavailable(f"cannot confirm the subscription: {exc}") from exc
                log.info("SNS subscription confirmed for %s", ses.read(raw_body)["TopicArn"])
                confirmed = True
        events: list[WebhookEvent] = PROVIDERS[provider].parse(raw_body)
        counted = count(events, assigner, intake)
        recorded = await buffer.record_or_spool_all(counted.writes)
        return Receipt(
            provider,
            events=len(events),
            writes=len(counted.writes),
            spooled=not recorded,
            confirmed=confirmed,
            notes=counted.notes,
        )

    async def _verify(
        self, provider: str, headers: Mapping[str, str], raw_body: bytes, store: Store | None
    ) -> None:
        now = self.clock()
        if provider == ses.NAME:  # may read a file or download a certificate
            try:
                reason = await asyncio.to_thread(
                    ses.verify, headers, raw_body, self.settings, now, self.certificates.get
                )
            except CertificateUnavailable as exc:
                raise Unavailable(str(exc)) from exc
        else:
            reason = PROVIDERS[provider].verify(headers, raw_body, self.settings, now)
        if reason is None and provider == mailgun.NAME:
            token = mailgun.replay_token(raw_body)
            if not await self.replays.first_time(provider, token, store):
                reason = "token seen before (replayed request)"
        if reason is not None:
            log.warning("%s webhook refused: %s", provider, reason)
            raise Refused(reason)
