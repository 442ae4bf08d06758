"""`atn-content experiments`: launch from a file or a key, list, show the results, decide."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from atn_content.cli import main
from atn_content.store import Event
from atn_content.store.sqlite import SQLiteStore

#: A person's click as the tracking side records it: raw and human.
CLICK = ("click", "click.human")
DEFINITION = """
key = "bf-cli"
name = "Black Friday subject (CLI)"
kind = "subject"
template = "promo"
test_fraction = 0.2
[planning]
audience = 48000
[[variants]]
key = "A"
subject = "Black Friday : -30 % vers Tahiti"
[[variants]]
key = "B"
subject = "Votre Polynésie à -30 %"
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "content"
    for folder in ("templates", "blocks", "experiments", "locales"):
        (root / folder).mkdir(parents=True)
    (root / "templates" / "promo.mjml").write_text(
        '+++\nsubject = "Promo"\n+++\n<mjml><mj-body></mj-body></mjml>\n', encoding="utf-8"
    )
    (root / "experiments" / "bf-cli.toml").write_text(DEFINITION, encoding="utf-8")
    monkeypatch.setenv("ATN_CONTENT_ROOT", str(root))
    monkeypatch.setenv("ATN_STORE", f"sqlite:///{tmp_path / 'atn.db'}")
    monkeypatch.setenv("ATN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("ATN_SECRET", "s" * 32)
    return root


def run(*argv: str) -> int:
    """`atn-content experiments ARGV` through the entry point, in this process."""
    return main(["experiments", *argv])


def feed(db: Path) -> None:
    async def go() -> None:
        store = SQLiteStore(db)
        events = [
            Event("bf-cli", arm, "exposure", f"{arm}{i}", 0.0) for arm in "AB" for i in range(400)
        ]
        events += [Event("bf-cli", "B", m, f"B{i}", 0.0) for i in range(40) for m in CLICK]
        events += [Event("bf-cli", "A", m, f"A{i}", 0.0) for i in range(12) for m in CLICK]
        await store.record(events)
        await store.close()

    asyncio.run(go())


def test_launch_by_key_show_and_decide(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("list") == 0
    assert "bf-cli" in capsys.readouterr().out
    assert run("launch", "--key", "bf-cli") == 0
    out = capsys.readouterr().out
    assert "launched bf-cli (subject test on promo)" in out
    assert "With 20 % of 48,000 recipients (9,600, 2 variants) you can detect" in out
    assert run("launch", "--key", "bf-cli") == 1
    assert "already launched" in capsys.readouterr().err

    feed(tmp_path / "atn.db")
    assert run("show", "bf-cli") == 0
    table = capsys.readouterr().out
    row_b = next(line for line in table.splitlines() if line.startswith("B "))
    assert row_b.split()[:5] == ["B", "400", "0", "0", "40"]
    assert "10.00% [" in row_b
    assert "Decision: Decision due " in table and "'B' beats control 'A'" in table

    assert run("decide", "bf-cli", "--winner", "B") == 0
    assert "decided bf-cli: B" in capsys.readouterr().out
    run("show", "bf-cli")
    assert "Phase: decided" in capsys.readouterr().out


def test_launch_file_errors_name_the_field(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFINITION.replace("test_fraction = 0.2", "test_fraction = 3"), encoding="utf-8")
    assert run("launch", str(bad)) == 1
    assert f"{bad}: test_fraction: must be in (0, 1]" in capsys.readouterr().err
    other = tmp_path / "other.toml"
    other.write_text(DEFINITION.replace('template = "promo"', 'template = "nope"'), "utf-8")
    assert run("launch", str(other)) == 1
    assert "nope" in capsys.readouterr().err
    assert run("show", "missing") == 1
    assert "no experiment 'missing'" in capsys.readouterr().err


def test_launch_refuses_a_variant_that_cannot_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like the API: every variant is dry-rendered first; exit 2 names the field."""
    monkeypatch.setenv("ATN_CONTENT_ROOT", str(Path(__file__).resolve().parents[2]))
    monkeypatch.setenv("ATN_STORE", f"sqlite:///{tmp_path / 'atn.db'}")
    monkeypatch.setenv("ATN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("ATN_SECRET", "s" * 32)
    shipped = DEFINITION.replace('template = "promo"', 'template = "newsletter-destination"')
    bad = tmp_path / "bad.toml"
    bad.write_text(shipped.replace("Votre Polynésie à -30 %", "{{ cycler.__init__ }}"), "utf-8")
    assert run("launch", str(bad)) == 2
    err = capsys.readouterr().err
    assert "error: variants[1].subject: SecurityError: access to attribute '__init__'" in err
    colour = tmp_path / "colour.toml"
    colour.write_text(
        shipped.replace('kind = "subject"', 'kind = "cta"')
        + '[variants.params]\ncta_color = "red;background-image:url(https://e.example/x)"\n',
        "utf-8",
    )
    assert run("launch", str(colour)) == 2
    assert "error: variants[1].params.cta_color: " in capsys.readouterr().err
    assert run("list") == 0
    assert "bf-cli" not in capsys.readouterr().out
    good = tmp_path / "good.toml"
    good.write_text(shipped, "utf-8")
    assert run("launch", str(good)) == 0
    assert "launched bf-cli" in capsys.readouterr().out
