"""Human or machine: whether an open or a click came from a person, and the evidence.

Pure: the request's facts in, (machine, evidence) out. The User-Agent and address rules
are data (tracking/data/machines.toml, each with its sources); the rest is behaviour:
HEAD and prefetch requests, a click within seconds of the email being rendered (a scanner
at delivery), and every link of an email clicked in one burst.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

__all__ = [
    "BURST_LINKS",
    "BURST_WINDOW_S",
    "FAST_CLICK_S",
    "Facts",
    "MachineRule",
    "classify",
    "in_burst",
    "load_rules",
]

#: A click this soon after the render is a scanner at delivery (no one reads that fast).
FAST_CLICK_S = 2.0
#: Distinct links of one email clicked by one recipient within this window: a burst.
BURST_WINDOW_S = 10.0
#: Links that make a burst when the email's link count is unknown (or larger).
BURST_LINKS = 4
_DATA = Path(__file__).with_name("data") / "machines.toml"
_PREFETCH = frozenset({"prefetch", "prerender", "preview"})


@dataclass(frozen=True, slots=True)
class MachineRule:
    id: str
    applies: Literal["open", "click", "any"]
    ua_contains: str = ""
    ua_equals: str = ""
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    def matches(self, kind: str, user_agent: str, address: str) -> bool:
        if self.applies not in (kind, "any"):
            return False
        if self.ua_equals:
            return user_agent.strip() == self.ua_equals
        if self.ua_contains:
            return self.ua_contains.lower() in user_agent.lower()
        if self.networks and address:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError:
                return False
            return any(ip in network for network in self.networks)
        return False


@dataclass(frozen=True, slots=True)
class Facts:
    """What the request says about who sent it."""

    kind: Literal["open", "click"]
    method: str = "GET"
    user_agent: str = ""
    address: str = ""
    purpose: str = ""
    """Purpose / Sec-Purpose / X-Purpose / X-Moz header, lower-cased."""
    since_issue_s: float | None = None
    """Seconds between the render (token issue time) and this request."""
    burst: bool = False
    """Part of a burst of distinct links (see `in_burst`)."""


@cache
def load_rules(path: Path = _DATA) -> tuple[MachineRule, ...]:
    """The rules of machines.toml; a malformed entry is a start-up error naming it."""
    entries = tomllib.loads(path.read_text(encoding="utf-8")).get("machine", [])
    rules = []
    for entry in entries:
        try:
            rules.append(
                MachineRule(
                    id=str(entry["id"]),
                    applies=entry["applies"],
                    ua_contains=str(entry.get("ua_contains", "")),
                    ua_equals=str(entry.get("ua_equals", "")),
                    networks=tuple(ipaddress.ip_network(n) for n in entry.get("networks", ())),
                )
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path.name}: machine entry {entry.get('id')!r}: {exc}") from None
        if rules[-1].applies not in ("open", "click", "any") or not entry.get("sources"):
            raise ValueError(
                f"{path.name}: machine entry {entry['id']!r} needs applies and sources"
            )
    return tuple(rules)


def classify(
    facts: Facts, rules: Sequence[MachineRule] | None = None
) -> tuple[bool, tuple[str, ...]]:
    """(machine, evidence): every reason found, in a stable order; () for a person."""
    evidence: list[str] = []
    if facts.method.upper() == "HEAD":
        evidence.append("head-request")
    if any(word in _PREFETCH for word in facts.purpose.replace(",", " ").split()):
        evidence.append("prefetch")
    for rule in load_rules() if rules is None else rules:
        if rule.matches(facts.kind, facts.user_agent, facts.address):
            evidence.append(rule.id)
    if facts.kind == "click":
        if facts.since_issue_s is not None and facts.since_issue_s < FAST_CLICK_S:
            evidence.append("click-within-2s")
        if facts.burst:
            evidence.append("link-burst")
    return bool(evidence), tuple(evidence)


def in_burst(recent: Sequence[tuple[float, str]], now: float, link_count: int | None) -> bool:
    """Whether the recipient's recent (time, link id) clicks on one email make a burst:
    every link of the email (two or more), or BURST_LINKS distinct ones, within the window."""
    links = {link for at, link in recent if now - at <= BURST_WINDOW_S}
    need = BURST_LINKS if link_count is None else min(BURST_LINKS, link_count)
    return len(links) >= max(2, need)
