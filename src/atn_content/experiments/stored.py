"""Reading experiments back: launched ones from the store, drafts from experiments/*.toml.

Apart from service.py (launches, decisions, results: the statistics, scipy) so that a
render-only process (`atn-content render`, `atn-content batch`) loads its assigner's
snapshot without them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import msgspec

from atn_content.experiments.definitions import Definition, DefinitionError, parse_toml
from atn_content.experiments.records import Record
from atn_content.store.base import Store

__all__ = ["DOCUMENT_KIND", "load_files", "read_records"]

log = logging.getLogger("atn_content.experiments.service")

DOCUMENT_KIND = "experiment"


def load_files(directory: Path) -> tuple[dict[str, tuple[Definition, Path]], list[str]]:
    """Definitions in experiments/*.toml by key, and a message per broken file."""
    found: dict[str, tuple[Definition, Path]] = {}
    errors: list[str] = []
    for path in sorted(directory.glob("*.toml")) if directory.is_dir() else []:
        try:
            definition = parse_toml(path.read_text(encoding="utf-8"), str(path))
        except DefinitionError as exc:
            errors.append(str(exc))
            continue
        if definition.key in found:
            first = found[definition.key][1]
            errors.append(f"{path}: key {definition.key!r} already used by {first}")
            continue
        found[definition.key] = (definition, path)
    return found, errors


async def read_records(
    store: Store, files: dict[str, tuple[Definition, Path]] | None = None
) -> list[Record]:
    """Launched experiments from the store, then drafts from `files`, by key."""
    documents = await store.list_documents(DOCUMENT_KIND)
    stored: dict[str, Record] = {}
    for doc in documents:
        try:
            record = msgspec.convert(doc, Record)
        except msgspec.ValidationError as exc:  # one bad document must not hide the rest
            log.error("experiment document skipped, unreadable: %s", exc)
            continue
        stored[record.key] = record
    for key, (definition, path) in (files or {}).items():
        stored.setdefault(key, Record(definition, source=str(path), planning=""))
    return sorted(stored.values(), key=lambda r: r.key)
