"""`atn-content render --eml OUT.eml`: the email as a MIME message, the same as the API's
`Accept: message/rfc822` answer, beside the unchanged JSON document."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from cli_runner import ROOT, Api, Cli
from tests.tokens import without_issue_times

NEWSLETTER = ["--template", "newsletter-destination"]
#: A Japanese sample recipient with an `email` field.
YUKI = ROOT / "samples" / "recipients" / "at-risk-customer.json"


def parsed(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> list[str]:
    return [without_issue_times(part.get_content()) for part in message.iter_parts()]


def test_eml_writes_the_message_and_prints_the_same_json(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "yuki.eml"
    args = ["render", *NEWSLETTER, "--locale", "ja", "--recipient", str(YUKI)]
    with_eml, without = cli(*args, "--eml", str(out)), cli(*args)
    assert with_eml.returncode == 0, with_eml.stderr
    document = json.loads(with_eml.stdout)
    assert json.loads(without_issue_times(with_eml.stdout)) == json.loads(
        without_issue_times(without.stdout)
    )
    raw = out.read_bytes()
    assert raw.isascii() and b"\r\n" in raw
    message = parsed(raw)
    assert message.get_content_type() == "multipart/alternative"
    assert message["To"] == "yuki.tanaka@example.jp"
    assert message["From"] == "Air Tahiti Nui <news@airtahitinui.com>"
    assert message["Subject"] == document["subject"]
    assert message["Content-Language"] == "ja"
    assert message["List-Unsubscribe"] == document["headers"]["List-Unsubscribe"]
    text, html = (part.replace("\r\n", "\n").rstrip("\n") for part in parts(message))
    assert text == without_issue_times(document["text"]).rstrip("\n")
    assert html == without_issue_times(document["html"]).rstrip("\n")


def test_eml_is_the_message_the_api_answers(cli: Cli, api: Api, tmp_path: Path) -> None:
    out = tmp_path / "out.eml"
    cli("render", *NEWSLETTER, "--locale", "fr", "--recipient", str(YUKI), "--eml", str(out))
    with api() as client:
        response = client.post(
            "/v1/render",
            headers={"Accept": "message/rfc822"},
            json={
                "template": "newsletter-destination",
                "locale": "fr",
                "recipient": json.loads(YUKI.read_text()),
            },
        )
    assert response.status_code == 200
    from_cli, from_api = parsed(out.read_bytes()), parsed(response.content)
    differ = {"Date", "Message-ID", "Content-Type"}  # Content-Type: the boundary
    assert [(k, v) for k, v in from_cli.items() if k not in differ] == [
        (k, v) for k, v in from_api.items() if k not in differ
    ]
    assert parts(from_cli) == parts(from_api)


def test_eml_uses_atn_mail_from(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATN_MAIL_FROM", "Air Tahiti Nui — Tests <tests@example.pf>")
    out = tmp_path / "out.eml"
    result = cli(
        "render", *NEWSLETTER, "--locale", "en", "--recipient", str(YUKI), "--eml", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert parsed(out.read_bytes())["From"] == "Air Tahiti Nui — Tests <tests@example.pf>"


def test_no_email_field_is_undisclosed_recipients(cli: Cli, tmp_path: Path) -> None:
    recipient, out = tmp_path / "r.json", tmp_path / "out.eml"
    recipient.write_text(json.dumps({"id": "c-7", "first_name": "Hinano"}))
    result = cli(
        "render", *NEWSLETTER, "--locale", "en", "--recipient", str(recipient), "--eml", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert parsed(out.read_bytes())["To"] == "undisclosed-recipients:;"


def test_a_bad_email_field_is_the_apis_422_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    recipient, out = tmp_path / "r.json", tmp_path / "out.eml"
    recipient.write_text(json.dumps({"id": "c-7", "email": "a@b.pf\r\nBcc: all@example.com"}))
    result = cli(
        "render", *NEWSLETTER, "--locale", "en", "--recipient", str(recipient), "--eml", str(out)
    )
    assert result.returncode == 1
    problem = json.loads(result.stdout)
    assert problem["status"] == 422
    assert problem["errors"][0]["field"] == "recipient.email"
    assert not out.exists()
