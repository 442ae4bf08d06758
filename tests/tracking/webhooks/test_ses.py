"""Amazon SES through SNS: AWS's own signed messages and certificates, then SES's sample
events signed by a certificate of our own (SNS's private key is, rightly, not published)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from tests.tracking.webhooks.conftest import VECTORS, Hook

from atn_content.tracking.webhooks import ses
from atn_content.tracking.webhooks.certificates import Certificates, cert_url_problem

# Real SNS messages with the certificates that signed them, copied byte for byte:
# - sns-ruby-sha1.json, sns-ruby-sha256.json and SimpleNotificationService-7ff5...pem:
#   aws/aws-sdk-ruby, gems/aws-sdk-sns/spec/message_verifier_spec.rb (SignatureVersion 1, 2);
# - sns-java-sha1.json and SimpleNotificationService-bb75...pem: aws/aws-sdk-java-v2,
#   services/sns/src/test/resources/.../sample-message.json and unit-test-public-cert.pem.
RUBY_CERT = "SimpleNotificationService-7ff5318490ec183fbaddaa2a969abfda.pem"
JAVA_CERT = "SimpleNotificationService-bb750dd426d95ee9390147a5624348ee.pem"
AWS_VECTORS = ["sns-ruby-sha1.json", "sns-ruby-sha256.json", "sns-java-sha1.json"]
CERT_NAME = "SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"
CERT_URL = f"https://sns.eu-west-3.amazonaws.com/{CERT_NAME}"
TOPIC = "arn:aws:sns:eu-west-3:123456789012:atn-ses-events"
OURS = {"atn_recipient": ["r-ses"], "atn_campaign": ["ses"], "atn_template": ["newsletter"]}


def vector(name: str) -> bytes:
    return (VECTORS / name).read_bytes()


def edited(name: str, **changes: str) -> bytes:
    return json.dumps(dict(json.loads(vector(name)), **changes)).encode()


@pytest.mark.parametrize("name", AWS_VECTORS)
def test_aws_signed_messages_verify_and_are_acknowledged_and_ignored(
    hook: Callable[..., Hook], name: str
) -> None:
    """They carry no SES event ("Hello world", "boo"): 200, nothing counted, no download."""
    app = hook(sns_cert_dir=VECTORS, sns_topic_arns=(), webhook_tolerance_s=0)
    response = app.post("ses", vector(name))
    assert response.status_code == 200, response.text
    assert response.json()["events"] == 0
    assert app.receiver.certificates.downloads == 0


@pytest.mark.parametrize("name", AWS_VECTORS)
@pytest.mark.parametrize(
    "change",
    [
        {"Message": "Hello world!"},
        {"Timestamp": "2022-07-28T21:23:58.318Z"},
        {"Signature": "bad"},
        {"Subject": "added after signing"},
        {"Type": "SubscriptionConfirmation", "Token": "t", "SubscribeURL": "https://x"},
    ],
)
def test_tampered_aws_messages_are_401(
    hook: Callable[..., Hook], name: str, change: dict[str, str]
) -> None:
    app = hook(sns_cert_dir=VECTORS, sns_topic_arns=(), webhook_tolerance_s=0)
    assert app.post("ses", edited(name, **change)).status_code == 401


def test_signing_certificate_urls_must_be_sns_pem_files() -> None:
    good = "https://sns.us-east-2.amazonaws.com/SimpleNotificationService-7ff5.pem"
    assert cert_url_problem(good) is None
    assert cert_url_problem("https://sns.cn-north-1.amazonaws.com.cn/S.pem") is None
    for bad in [
        "http://sns.us-east-2.amazonaws.com/S.pem",
        "https://sns.us-east-2.amazonaws.com.evil.example/S.pem",
        "https://evil.example/sns.us-east-2.amazonaws.com/S.pem",
        "https://sns.amazonaws.com/S.pem",
        "https://s3.us-east-2.amazonaws.com/S.pem",
        "https://sns.us-east-2.amazonaws.com/S.key",
        "https://sns.us-east-2.amazonaws.com/bucket/S.pem",
        "https://sns.us-east-2.amazonaws.com:8443/S.pem",
        "https://user@sns.us-east-2.amazonaws.com/S.pem",
    ]:
        assert cert_url_problem(bad) is not None, bad


def test_a_foreign_certificate_host_is_refused_before_any_download(
    hook: Callable[..., Hook],
) -> None:
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return (VECTORS / RUBY_CERT).read_bytes()

    app = hook(sns_cert_dir=VECTORS, sns_topic_arns=(), webhook_tolerance_s=0, fetch=fetch)
    url = f"https://internetbadguys.com/{RUBY_CERT}"
    response = app.post("ses", edited("sns-ruby-sha1.json", SigningCertURL=url))
    assert response.status_code == 401
    assert "amazonaws.com" in response.json()["detail"]
    assert asked == []


def test_a_topic_not_allowed_is_refused(hook: Callable[..., Hook]) -> None:
    app = hook(sns_cert_dir=VECTORS, sns_topic_arns=(TOPIC,), webhook_tolerance_s=0)
    response = app.post("ses", vector("sns-ruby-sha256.json"))
    assert response.status_code == 401
    assert "ATN_SNS_TOPIC_ARNS" in response.json()["detail"]


def test_an_old_message_is_refused_with_the_default_tolerance(hook: Callable[..., Hook]) -> None:
    app = hook(sns_cert_dir=VECTORS, sns_topic_arns=())
    assert app.post("ses", vector("sns-ruby-sha256.json")).status_code == 401


def test_without_a_setting_ses_is_404(hook: Callable[..., Hook]) -> None:
    assert hook().post("ses", vector("sns-ruby-sha1.json")).status_code == 404


class SnsSigner:
    """A certificate issued to sns.amazonaws.com by ourselves, and messages it signs."""

    def __init__(self, directory: Path, now: float) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        moment = dt.datetime.fromtimestamp(now, dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(moment - dt.timedelta(days=1))
            .not_valid_after(moment + dt.timedelta(days=30))
            .sign(self.key, hashes.SHA256())
        )
        self.pem = cert.public_bytes(serialization.Encoding.PEM)
        directory.mkdir(exist_ok=True)
        (directory / CERT_NAME).write_bytes(self.pem)
        self.now = now

    def sign(self, message: dict[str, str], version: str = "2") -> bytes:
        signed = dict(message, SignatureVersion=version, SigningCertURL=CERT_URL)
        signed.setdefault("Timestamp", dt.datetime.fromtimestamp(self.now, dt.UTC).isoformat())
        algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
        text = ses.string_to_sign(signed)
        signature = self.key.sign(text, padding.PKCS1v15(), algorithm)
        signed["Signature"] = base64.b64encode(signature).decode()
        return json.dumps(signed).encode()


def notification(record: Any, message_id: str = "5b9b8a2c-0000-4000-8000-000000000001") -> Any:
    return {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": TOPIC,
        "Message": json.dumps(record),
        "UnsubscribeURL": "https://sns.eu-west-3.amazonaws.com/?Action=Unsubscribe",
    }


def mail(tags: dict[str, list[str]]) -> dict[str, Any]:
    """The `mail` object of SES's samples (docs.aws.amazon.com/ses, "Examples of event data
    that Amazon SES publishes to Amazon SNS"), with our message tags."""
    return {
        "timestamp": "2017-08-05T00:40:02.012Z",
        "source": "Sender Name <sender@example.com>",
        "sendingAccountId": "123456789012",
        "messageId": "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000",
        "destination": ["recipient@example.com"],
        "headersTruncated": False,
        "tags": {"ses:configuration-set": ["ConfigSet"], **tags},
    }


BOUNCE = {
    "eventType": "Bounce",
    "bounce": {
        "bounceType": "Permanent",
        "bounceSubType": "General",
        "bouncedRecipients": [
            {
                "emailAddress": "recipient@example.com",
                "action": "failed",
                "status": "5.1.1",
                "diagnosticCode": "smtp; 550 5.1.1 user unknown",
            }
        ],
        "timestamp": "2017-08-05T00:41:02.669Z",
        "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        "reportingMTA": "dsn; mta.example.com",
    },
    "mail": mail(OURS),
}
OPEN = {
    "eventType": "Open",
    "mail": mail(OURS),
    "open": {
        "ipAddress": "192.0.2.1",
        "timestamp": "2017-08-09T22:00:19.652Z",
        "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8",
    },
}
CLICK = {
    "eventType": "Click",
    "click": {
        "ipAddress": "192.0.2.1",
        "link": "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html",
        "linkTags": {"samplekey0": ["samplevalue0"]},
        "timestamp": "2017-08-09T23:51:25.570Z",
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
    },
    "mail": mail(OURS),
}
COMPLAINT = {
    "eventType": "Complaint",
    "complaint": {
        "complainedRecipients": [{"emailAddress": "recipient@example.com"}],
        "timestamp": "2017-08-05T00:41:02.669Z",
        "feedbackId": "01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
        "complaintFeedbackType": "abuse",
    },
    "mail": mail(dict(OURS, atn_recipient=["r-complains"])),
}


@pytest.fixture
def signer(tmp_path: Path) -> SnsSigner:
    return SnsSigner(tmp_path / "certs", time.time())


@pytest.mark.parametrize("version", ["1", "2"])
def test_ses_events_are_counted_and_bounces_suppress(
    hook: Callable[..., Hook], signer: SnsSigner, tmp_path: Path, version: str
) -> None:
    app = hook(sns_cert_dir=tmp_path / "certs", sns_topic_arns=(TOPIC,), now=signer.now)
    records = [("m-bounce", BOUNCE), ("m-open", OPEN), ("m-click", CLICK), ("m-c", COMPLAINT)]
    for message_id, record in records:
        body = signer.sign(notification(record, message_id), version)
        response = app.post("ses", body)
        assert response.status_code == 200, response.text
        assert response.json()["events"] == 1
    for metric in ("bounce", "bounce.hard", "open", "open.human", "click", "click.human"):
        assert app.count("campaign:ses", metric) == 1, metric
    assert app.count("campaign:ses", "complaint") == 1
    assert app.unsubscribed("r-ses") and app.unsubscribed("r-complains")


def test_a_redelivered_notification_is_counted_once(
    hook: Callable[..., Hook], signer: SnsSigner, tmp_path: Path
) -> None:
    app = hook(sns_cert_dir=tmp_path / "certs", sns_topic_arns=(), now=signer.now)
    body = signer.sign(notification(CLICK, "m-again"))
    for _ in range(2):
        assert app.post("ses", body).status_code == 200
    assert app.count("campaign:ses", "click") == 1


def test_a_tampered_ses_event_is_401_and_nothing_is_stored(
    hook: Callable[..., Hook], signer: SnsSigner, tmp_path: Path
) -> None:
    app = hook(sns_cert_dir=tmp_path / "certs", sns_topic_arns=(), now=signer.now)
    signed = json.loads(signer.sign(notification(BOUNCE, "m-t")))
    record = dict(BOUNCE, mail=mail(dict(OURS, atn_recipient=["r-victim"])))
    forged = json.dumps(dict(signed, Message=json.dumps(record))).encode()
    assert app.post("ses", forged).status_code == 401
    assert app.counters("campaign:ses") == {}
    assert not app.unsubscribed("r-victim")


def test_certificates_are_downloaded_once_when_not_in_the_directory(
    hook: Callable[..., Hook], signer: SnsSigner
) -> None:
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return signer.pem

    app = hook(sns_topic_arns=(), now=signer.now, fetch=fetch)
    for i in range(3):
        assert app.post("ses", signer.sign(notification(OPEN, f"m-dl-{i}"))).status_code == 200
    assert asked == [CERT_URL]


def test_an_unreachable_certificate_is_503_so_sns_retries(
    hook: Callable[..., Hook], signer: SnsSigner
) -> None:
    app = hook(sns_topic_arns=(), now=signer.now)  # no directory, downloads fail
    response = app.post("ses", signer.sign(notification(OPEN)))
    assert response.status_code == 503
    assert "Retry-After" in response.headers


def subscription(url: str) -> dict[str, str]:
    return {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a7",
        "TopicArn": TOPIC,
        "Message": f"You have chosen to subscribe to the topic {TOPIC}.",
        "SubscribeURL": url,
    }


def test_a_subscription_is_confirmed_only_once_its_signature_verified(
    hook: Callable[..., Hook], signer: SnsSigner, tmp_path: Path
) -> None:
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return b"<ConfirmSubscriptionResponse/>"

    app = hook(sns_cert_dir=tmp_path / "certs", sns_topic_arns=(), now=signer.now, fetch=fetch)
    url = f"https://sns.eu-west-3.amazonaws.com/?Action=ConfirmSubscription&TopicArn={TOPIC}"
    signed = signer.sign(subscription(url))
    forged = json.dumps(dict(json.loads(signed), SubscribeURL=url + "&x=1")).encode()
    assert app.post("ses", forged).status_code == 401
    assert asked == []
    response = app.post("ses", signed)
    assert response.status_code == 200
    assert response.json()["confirmed"] is True
    assert asked == [url]


def test_a_subscribe_url_off_sns_is_not_fetched(
    hook: Callable[..., Hook], signer: SnsSigner, tmp_path: Path
) -> None:
    asked: list[str] = []
    app = hook(
        sns_cert_dir=tmp_path / "certs",
        sns_topic_arns=(),
        now=signer.now,
        fetch=lambda url: asked.append(url) or b"",
    )
    response = app.post("ses", signer.sign(subscription("https://attacker.example/confirm")))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "SubscribeURL"
    assert asked == []


def test_the_certificate_directory_is_read_by_file_name(tmp_path: Path) -> None:
    shutil.copy(VECTORS / JAVA_CERT, tmp_path)

    def no_network(url: str) -> bytes:
        raise OSError("offline")

    certificates = Certificates(tmp_path, no_network)
    url = f"https://sns.us-east-1.amazonaws.com/{JAVA_CERT}"
    cert = certificates.get(url)
    assert cert.subject.rfc4514_string().startswith("CN=sns.amazonaws.com")
    assert certificates.downloads == 0
