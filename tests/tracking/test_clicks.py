"""Click and open tokens: what is signed reads back whole; anything altered, for another
kind, or too old does not."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from atn_content.signing import Signer
from atn_content.tracking.clicks import MAX_AGE_S, ClickLinks, Tracked

BASE = "https://news.airtahitinui.com"
links = ClickLinks(Signer(b"k" * 32, "click"), BASE)
NOW = 1_800_000_000

field = st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=40)


def tracked(**overrides: object) -> Tracked:
    values: dict[str, object] = {
        "kind": "c",
        "campaign": "newsletter-destination",
        "version": "1e6c891c4144",
        "variant": "B",
        "experiment": "bf-2026",
        "link": "hero.1",
        "recipient_id": "r-1",
        "locale": "fr",
        "issued": NOW,
        "url": "https://www.airtahitinui.com/?a=1&b=2",
        **overrides,
    }
    return Tracked(**values)  # type: ignore[arg-type]


@given(
    campaign=field,
    version=field,
    variant=st.none() | field.filter(bool),
    experiment=st.none() | field.filter(bool),
    link=field,
    rid=field,
    locale=field,
    issued=st.integers(0, NOW),
    url=st.text(st.characters(blacklist_categories=("Cs",)), max_size=200),
)
def test_round_trip(
    campaign: str,
    version: str,
    variant: str | None,
    experiment: str | None,
    link: str,
    rid: str,
    locale: str,
    issued: int,
    url: str,
) -> None:
    t = Tracked("c", campaign, version, variant, experiment, link, rid, locale, issued, url)
    token = links.click_url(t)
    assert token is not None and token.startswith(f"{BASE}/t/c/")
    read = links.read(token.removeprefix(f"{BASE}/t/c/"), "c", now=issued + 1)
    assert read.tracked == t
    email = links.for_email(campaign, variant, experiment, rid, locale, issued)
    assert email is not None  # one email's links: the same tokens, laid out once
    assert email.click_url(version, link, url) == token
    assert email.open_url(version) == links.open_url(
        Tracked("o", campaign, version, variant, experiment, "", rid, locale, issued, "")
    )


def test_open_tokens_end_in_gif_and_are_not_click_tokens() -> None:
    url = links.open_url(tracked(kind="o", link="", url=""))
    assert url is not None and url.startswith(f"{BASE}/t/o/") and url.endswith(".gif")
    token = url.removeprefix(f"{BASE}/t/o/").removesuffix(".gif")
    assert links.read(token, "o", now=NOW).tracked is not None
    assert links.read(token, "c", now=NOW).tracked is None  # no redirect from a pixel token


def test_altered_tokens_are_refused() -> None:
    token = (links.click_url(tracked()) or "").removeprefix(f"{BASE}/t/c/")
    data, mac = token.split(".")
    forged = ClickLinks(Signer(b"z" * 32, "click"), BASE).click_url(
        tracked(url="https://evil.example/")
    )
    assert forged is not None
    for bad in [
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        data[:-2] + "." + mac,
        forged.removeprefix(f"{BASE}/t/c/"),
        forged.removeprefix(f"{BASE}/t/c/").split(".")[0] + "." + mac,
        "",
        "...",
    ]:
        assert links.read(bad, "c", now=NOW).tracked is None


def test_old_tokens_are_expired_but_say_their_locale() -> None:
    token = (links.click_url(tracked(locale="ja")) or "").removeprefix(f"{BASE}/t/c/")
    read = links.read(token, "c", now=NOW + MAX_AGE_S + 1)
    assert (read.tracked, read.expired, read.locale) == (None, True, "ja")
    assert links.read(token, "c", now=NOW + MAX_AGE_S).tracked is not None


def test_a_field_with_a_line_break_is_not_carried() -> None:
    assert links.click_url(tracked(recipient_id="a\nb")) is None
    assert links.click_url(tracked(url="https://x.pf/\nnext")) is not None  # last field


def test_unverified_locale_reads_only_the_locale_field() -> None:
    token = (links.click_url(tracked(locale="en")) or "").removeprefix(f"{BASE}/t/c/")
    assert ClickLinks.unverified_locale(token[:-3] + "xyz") == "en"
    assert ClickLinks.unverified_locale("%%%") is None


def test_rotated_keys_keep_old_links_working() -> None:
    old = ClickLinks(Signer(b"o" * 32, "click"), BASE)
    rotated = ClickLinks(Signer(b"n" * 32, "click", previous=[b"o" * 32]), BASE)
    before = (old.click_url(tracked()) or "").removeprefix(f"{BASE}/t/c/")
    after = (rotated.click_url(tracked()) or "").removeprefix(f"{BASE}/t/c/")
    assert before != after  # new links are signed with the new secret
    assert rotated.read(before, "c", now=NOW).tracked == tracked()
    assert rotated.read(after, "c", now=NOW).tracked == tracked()
    assert old.read(after, "c", now=NOW).tracked is None


def test_a_field_with_a_line_break_gives_no_email_links() -> None:
    assert links.for_email("c", None, None, "r-1\nr-2", "fr", NOW) is None
    email = links.for_email("c", None, None, "r-1", "fr", NOW)
    assert email is not None and email.click_url("v\n1", "hero.1", "https://x.pf/") is None
