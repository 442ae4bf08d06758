"""The recipient's pages through the app: the preference centre and the unsubscribe page
in the email's language, what they save, and what a render does after."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

ROOT = Path(__file__).resolve().parents[2]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def recipient(rid: str) -> dict[str, Any]:
    sample = json.loads((ROOT / "samples/recipients/japanese-family.json").read_text())
    sample.pop("sample", None)
    return {**sample, "id": rid}


def render(
    client: TestClient[Litestar], auth: dict[str, str], rid: str, template: str, locale: str = "ja"
) -> Any:
    body = {"template": template, "locale": locale, "recipient": recipient(rid)}
    return client.post("/v1/render", headers=auth, json=body)


def link_path(html: str, prefix: str) -> str:
    """The path of the first link of the rendered email that opens one of our pages."""
    for a in HTMLParser(html).css("a[href]"):
        href = str(a.attributes["href"])
        _, found, rest = href.partition(prefix)
        if found:
            return prefix + rest
    raise AssertionError(f"no {prefix} link in the email")


def checked(page: str) -> set[str]:
    return {
        f"{i.attributes['name']}={i.attributes['value']}"
        for i in HTMLParser(page).css("input[checked]")
    }


def test_a_japanese_recipient_gets_the_preference_centre_in_japanese(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    email = render(client, auth, "pp-ja", "newsletter-destination").json()
    page = client.get(link_path(email["html"], "/preferences/"))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert '<html lang="ja"' in page.text and "メール配信設定" in page.text
    assert checked(page.text) == {
        "frequency=weekly",
        "topics=promotions",
        "topics=inspiration",
        "topics=travel-information",
    }
    tree = HTMLParser(page.text)
    for control in tree.css("input:not([type=hidden])"):  # every control has its label
        assert tree.css_first(f'label[for="{control.attributes["id"]}"]') is not None


def test_saved_preferences_suppress_what_they_leave_out_and_show_next_time(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    email = render(client, auth, "pp-monthly", "newsletter-destination").json()
    path = link_path(email["html"], "/preferences/")
    saved = client.post(
        path,
        content=b"frequency=monthly&topics=inspiration&topics=travel-information",
        headers=FORM,
    )
    assert saved.status_code == 200 and "配信設定を保存しました" in saved.text
    refused = render(client, auth, "pp-monthly", "campaign-launch")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["title"] == "Recipient suppressed" and problem["reason"] == "content-type"
    assert render(client, auth, "pp-monthly", "newsletter-destination").status_code == 200
    again = client.get(path)
    assert checked(again.text) == {
        "frequency=monthly",
        "topics=inspiration",
        "topics=travel-information",
    }


def test_unsubscribe_from_everything_in_the_preference_centre(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    email = render(client, auth, "pp-all", "newsletter-destination", "fr").json()
    path = link_path(email["html"], "/preferences/")
    saved = client.post(path, content=b"frequency=weekly&everything=yes", headers=FORM)
    assert saved.status_code == 200 and '<html lang="fr"' in saved.text
    assert "aucun e-mail" in saved.text
    refused = render(client, auth, "pp-all", "newsletter-destination", "fr")
    assert refused.status_code == 409 and refused.json()["reason"] == "unsubscribed-everything"
    store = client.app.state.store
    [left] = client.blocking_portal.call(store.unsubscribes, "pp-all")
    assert (left.list_id, left.source) == ("*", "preference-centre")


def test_a_bad_form_is_a_400_page_naming_the_field_in_the_pages_language(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    email = render(client, auth, "pp-bad", "newsletter-destination").json()
    path = link_path(email["html"], "/preferences/")
    for body, field in (
        (b"frequency=daily", "frequency"),
        (b"", "frequency"),
        (b"frequency=weekly&frequency=never", "frequency"),
        (b"frequency=weekly&topics=spam", "topics"),
        (b"\xff\xfe", "frequency"),
    ):
        page = client.post(path, content=body, headers=FORM)
        assert page.status_code == 400, body
        assert '<html lang="ja"' in page.text and f"<code>{field}</code>" in page.text
    assert render(client, auth, "pp-bad", "campaign-launch").status_code == 200  # nothing saved


def test_the_unsubscribe_page_speaks_the_emails_language_and_keeps_the_reason(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    email = render(client, auth, "pp-reason", "newsletter-destination").json()
    path = link_path(email["html"], "/u/")
    page = client.get(path)
    assert page.status_code == 200 and '<html lang="ja"' in page.text
    assert "配信を停止しますか" in page.text and 'value="too-frequent"' in page.text
    done = client.post(
        path, content=b"List-Unsubscribe=One-Click&reason=too-frequent", headers=FORM
    )
    assert done.status_code == 200 and "配信を停止しました" in done.text
    assert "/preferences/" in done.text  # the confirmation leads to the preference centre
    store = client.app.state.store
    [left] = client.blocking_portal.call(store.unsubscribes, "pp-reason")
    assert (left.list_id, left.reason, left.source) == (
        "newsletter",
        "too-frequent",
        "link",
    )
    bad = client.post(path, content=b"reason=%3Cscript%3E", headers=FORM)
    assert bad.status_code == 400 and "&lt;script&gt;" in bad.text


def test_an_altered_preferences_link_is_a_404_page_in_the_browsers_language(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    email = render(client, auth, "pp-forged", "newsletter-destination").json()
    path = link_path(email["html"], "/preferences/")
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    for method in ("GET", "POST"):
        page = client.request(method, forged, headers={"Accept-Language": "ja,en;q=0.5"})
        assert page.status_code == 404 and '<html lang="ja"' in page.text
        assert forged.rsplit("/", 1)[1] not in page.text
