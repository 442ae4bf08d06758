"""The allow-list: one reason per accepted gap, and a clear error for a wrong entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from atn_content.content.lint.allowlist import AllowList, AllowListError


def _load(tmp_path: Path, text: str) -> AllowList:
    path = tmp_path / "lint-allow.toml"
    path.write_text(text, encoding="utf-8")
    return AllowList.load(path)


def test_reasons_for_every_client_or_per_client(tmp_path: Path) -> None:
    allow = _load(
        tmp_path,
        """
[features.css-border-spacing]
reason = "MRML's image tables; border-collapse does the job where it is ignored."

[features.css-at-media.clients]
gmail-android = "Non-Google accounts get the 600 px desktop layout."
outlook-windows = "Word reads no media query: the Outlook tables are fixed at 600 px."
""",
    )
    assert allow.reason(
        "css-border-spacing",
        "outlook-macos",
    ).startswith("MRML")
    assert allow.reason("css-at-media", "gmail-android") == (
        "Non-Google accounts get the 600 px desktop layout."
    )
    assert allow.reason("css-at-media", "yahoo-web") is None
    assert allow.reason("css-display-flex", "gmail-web") is None
    assert allow.pairs() == {
        ("css-border-spacing", None),
        ("css-at-media", "gmail-android"),
        ("css-at-media", "outlook-windows"),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[features.css-flexbox]\nreason = 'x'", "features.css-flexbox: not a caniemail feature"),
        ("[features.css-at-media.clients]\nhotmail = 'x'", "clients.hotmail: unknown client"),
        ("[features.css-at-media]\nreason = ' '", "features.css-at-media.reason: must be a non"),
        ("[features.css-at-media]\nwhy = 'x'", "unknown keys ['why']"),
        ("[features.css-at-media]", "give a reason"),
        ("[feature.css-at-media]\nreason = 'x'", "unknown top-level keys ['feature']"),
        ("[features.css-at-media\n", "lint-allow.toml"),
    ],
)
def test_a_wrong_entry_is_refused_with_its_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(AllowListError, match=r"lint-allow\.toml") as error:
        _load(tmp_path, text)
    assert message in str(error.value)
