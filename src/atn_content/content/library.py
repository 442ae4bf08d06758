"""Templates and blocks on disk: front matter, block assembly and content-hash versions.

A template file is TOML front matter between two `+++` lines, then MJML + Jinja. Blocks
are pulled in with `{% include "name.mjml" %}` (resolved in blocks/) and spliced into the
source at load time, so MJML sees one document. A line map keeps every assembled line's
origin, so errors point at the block file and line where they are.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atn_content.content.content_types import CONTENT_TYPES
from atn_content.content.errors import TemplateError, TemplateProblem, UnknownTemplate
from atn_content.content.fields import FieldSpec, parse_fields
from atn_content.content.mj_include import MJ_INCLUDE, IncludeError, read_include

__all__ = ["Library", "SourceLine", "TemplateSource"]

_INCLUDE = re.compile(r"\{%-?\s*include\s+([\"'])([^\"']+)\1\s*-?%\}")
#: Jinja comments and raw sections: an include written there is not one.
_INERT = re.compile(r"\{#.*?#\}|\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}", re.DOTALL)
_FRONT_DELIMITER = "+++"
#: Deepest block-inside-block nesting accepted before assuming a cycle.
_MAX_DEPTH = 8


@dataclass(frozen=True)
class SourceLine:
    file: str
    line: int


@dataclass(frozen=True)
class TemplateSource:
    """One template, assembled with its blocks, ready to compile."""

    name: str
    file: str
    version: str
    meta: dict[str, Any]
    fields: dict[str, FieldSpec]
    body: str
    line_map: tuple[SourceLine, ...]
    blocks: tuple[str, ...]
    files: tuple[str, ...] = field(default=())

    @property
    def subject(self) -> str:
        return str(self.meta.get("subject", ""))

    @property
    def preheader(self) -> str:
        return str(self.meta.get("preheader", ""))

    @property
    def list_id(self) -> str:
        return str(self.meta.get("list", "newsletter"))

    @property
    def content_type(self) -> str:
        """One of CONTENT_TYPES, or "" when the template does not say (then a recipient's
        topics do not filter it; their unsubscribes still do)."""
        return str(self.meta.get("content", ""))

    def origin(self, assembled_line: int | None) -> tuple[str, int | None]:
        """Map a 1-based line of the assembled body to (file, line)."""
        if assembled_line is None or not 1 <= assembled_line <= len(self.line_map):
            return self.file, None
        where = self.line_map[assembled_line - 1]
        return where.file, where.line


class Library:
    """The templates/ and blocks/ folders under a content root, reloaded when files change."""

    def __init__(self, root: Path, check_interval: float = 1.0) -> None:
        self.root = root
        self.templates_dir = root / "templates"
        self.blocks_dir = root / "blocks"
        self._check_interval = check_interval
        self._checked_at = 0.0
        self._stamps: dict[Path, tuple[float, int]] = {}
        self._parts: list[Path] = []
        self._sources: dict[str, TemplateSource] = {}
        self._errors: dict[str, TemplateError] = {}
        self._refreshing = threading.Lock()
        self.refresh()

    def names(self) -> list[str]:
        return sorted(set(self._sources) | set(self._errors))

    def get(self, name: str) -> TemplateSource:
        self.refresh_if_stale()
        if name in self._errors:
            raise self._errors[name]
        try:
            return self._sources[name]
        except KeyError:
            raise UnknownTemplate(name, self.names()) from None

    def refresh_if_stale(self) -> None:
        """Re-read changed files at most once per check interval (cheap: a stat per file)."""
        now = time.monotonic()
        if now - self._checked_at >= self._check_interval:
            self.refresh()

    def refresh(self) -> None:
        """Renders run in threads: one reloads while the others wait for it, so none
        takes the new stamps for a reload that has not finished (and serves the old files)."""
        with self._refreshing:
            self._checked_at = time.monotonic()
            stamps = {p: _stamp(p) for p in self._watched_files()}
            if stamps == self._stamps:
                return
            sources: dict[str, TemplateSource] = {}
            errors: dict[str, TemplateError] = {}
            for path in sorted(self.templates_dir.glob("*.mjml")):
                try:
                    sources[path.stem] = self._load(path)
                except TemplateError as exc:
                    errors[path.stem] = exc
            self._sources, self._errors = sources, errors
            self._parts = sorted({self.root / f for s in sources.values() for f in s.files})
            # the stamps read before loading: a file saved meanwhile is reloaded next time
            self._stamps = {p: stamps.get(p) or _stamp(p) for p in self._watched_files()}

    def _watched_files(self) -> list[Path]:
        """Templates, blocks, and the files templates mj-include (known after a load)."""
        found = sorted(self.templates_dir.glob("*.mjml")) + sorted(self.blocks_dir.glob("*.mjml"))
        known = set(found)
        return found + [p for p in self._parts if p not in known]

    def _relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def _load(self, path: Path) -> TemplateSource:
        """Load one template; any unreadable or malformed file becomes a TemplateError."""
        file = self._relative(path)
        try:
            return self._load_source(path, file)
        except TemplateError:
            raise
        except (OSError, UnicodeDecodeError, TypeError, AttributeError, ValueError) as exc:
            raise TemplateError([TemplateProblem(file, None, _describe_load_error(exc))]) from None

    def _load_source(self, path: Path, file: str) -> TemplateSource:
        text = path.read_text(encoding="utf-8")
        meta, body, body_start = _split_front_matter(text, file)
        _check_meta(meta, file)
        try:
            fields = parse_fields(meta.pop("fields", {}), file)
        except ValueError as exc:
            raise TemplateError([TemplateProblem(file, 1, str(exc))]) from None
        lines: list[str] = []
        line_map: list[SourceLine] = []
        blocks: list[str] = []
        block_fields: dict[str, FieldSpec] = {}
        included: list[str] = []
        self._assemble(body, file, body_start, lines, line_map, blocks, block_fields, 0, included)
        fields = {**block_fields, **fields}
        assembled = "".join(lines)
        digest = hashlib.sha256(text.encode())
        for block in blocks:
            digest.update((self.blocks_dir / block).read_bytes())
        for part in included:
            digest.update((self.root / part).read_bytes())
        return TemplateSource(
            name=path.stem,
            file=file,
            version=digest.hexdigest()[:12],
            meta=meta,
            fields=fields,
            body=assembled,
            line_map=tuple(line_map),
            blocks=tuple(dict.fromkeys(blocks)),
            files=tuple(dict.fromkeys(included)),
        )

    def _assemble(
        self,
        text: str,
        file: str,
        first_line: int,
        out: list[str],
        line_map: list[SourceLine],
        blocks: list[str],
        block_fields: dict[str, FieldSpec],
        depth: int,
        included: list[str] | None = None,
    ) -> None:
        """Splice included blocks and mj-include'd files into `out`, recording each output
        line's origin.

        A block may open with its own front matter declaring the recipient fields it reads;
        they join the including template's schema (the template's own declaration wins).
        """
        included = [] if included is None else included
        inert = [m.span() for m in _INERT.finditer(text)]
        found = [*_INCLUDE.finditer(text), *MJ_INCLUDE.finditer(text)]
        cursor = 0
        for match in sorted(found, key=lambda m: m.start()):
            if match.start() < cursor or any(s <= match.start() < e for s, e in inert):
                continue  # commented out, or inside {% raw %}: text, not an include
            _emit_lines(text[cursor : match.start()], file, first_line, text, cursor, out, line_map)
            lineno = first_line + text.count("\n", 0, match.start())
            if depth >= _MAX_DEPTH:
                raise TemplateError(
                    [
                        TemplateProblem(
                            file,
                            lineno,
                            f"includes nested deeper than {_MAX_DEPTH} levels at "
                            f"{match.group(0)!r}: is a file including itself?",
                        )
                    ]
                )
            if match.re is MJ_INCLUDE:
                part_text, part_file = self._mj_include(match.group(1), file, lineno, included)
                part_start = 1
            else:
                block = match.group(2)
                block_path = self.blocks_dir / block
                if not block_path.is_file() or block_path.parent != self.blocks_dir:
                    raise TemplateError(
                        [
                            TemplateProblem(
                                file, lineno, f"unknown block {block!r}: no file blocks/{block}"
                            )
                        ]
                    )
                blocks.append(block)
                part_file = f"blocks/{block}"
                part_text, part_start = self._block_body(block_path, part_file, block_fields)
            self._assemble(
                part_text,
                part_file,
                part_start,
                out,
                line_map,
                blocks,
                block_fields,
                depth + 1,
                included,
            )
            cursor = match.end()
        _emit_lines(text[cursor:], file, first_line, text, cursor, out, line_map)

    def _mj_include(
        self, attributes: str, file: str, lineno: int, included: list[str]
    ) -> tuple[str, str]:
        root = self.root.resolve()
        try:
            part = read_include(attributes, self.root / file, root)
        except IncludeError as exc:
            where = (str(exc.path.relative_to(root)), exc.line) if exc.path else (file, lineno)
            raise TemplateError([TemplateProblem(*where, str(exc))]) from None
        part_file = str(part.path.relative_to(root))
        included.append(part_file)
        return part.text, part_file

    @staticmethod
    def _block_body(path: Path, file: str, block_fields: dict[str, FieldSpec]) -> tuple[str, int]:
        text = path.read_text(encoding="utf-8")
        if not text.startswith(_FRONT_DELIMITER):
            return text, 1
        meta, body, body_start = _split_front_matter(text, file)
        try:
            declared = parse_fields(meta.get("fields", {}), file)
        except ValueError as exc:
            raise TemplateError([TemplateProblem(file, 1, str(exc))]) from None
        declared.pop("id")
        for name, spec in declared.items():
            block_fields.setdefault(name, spec)
        return body, body_start


def _describe_load_error(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"the file (or a block it includes) is not UTF-8 text: {exc.reason}"
    if isinstance(exc, OSError):
        return f"cannot read the file (or a block it includes): {exc.strerror or exc}"
    return f"malformed template: {exc}"


def _check_meta(meta: dict[str, Any], file: str) -> None:
    """Front-matter keys the engine reads must have the right type."""
    for key in ("subject", "preheader", "description", "list", "content"):
        if key in meta and not isinstance(meta[key], str):
            raise TemplateError([TemplateProblem(file, 1, f"front matter {key} must be a string")])
    if "content" in meta and meta["content"] not in CONTENT_TYPES:
        choices = ", ".join(f'"{kind}"' for kind in CONTENT_TYPES)
        raise TemplateError(
            [TemplateProblem(file, 1, f"front matter content must be one of {choices}")]
        )
    locales = meta.get("locales")
    if locales is not None and not (
        isinstance(locales, list) and all(isinstance(x, str) for x in locales)
    ):
        raise TemplateError(
            [TemplateProblem(file, 1, 'front matter locales must be a list like ["fr", "ja"]')]
        )


def _emit_lines(
    piece: str,
    file: str,
    first_line: int,
    text: str,
    offset: int,
    out: list[str],
    line_map: list[SourceLine],
) -> None:
    """Emit `piece`, found at `offset` of `text`, each of its lines with its own origin."""
    lineno = first_line + text.count("\n", 0, offset)
    for index, line in enumerate(piece.splitlines(keepends=True)):
        _emit(line, SourceLine(file, lineno + index), out, line_map)


def _emit(piece: str, where: SourceLine, out: list[str], line_map: list[SourceLine]) -> None:
    """Append text to the assembled output, extending the line map for each line begun."""
    if not piece:
        return
    if not out or out[-1].endswith("\n"):
        line_map.append(where)
    out.append(piece)
    line_map.extend(where for _ in range(piece[:-1].count("\n")))


def _split_front_matter(text: str, file: str) -> tuple[dict[str, Any], str, int]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != _FRONT_DELIMITER:
        raise TemplateError(
            [
                TemplateProblem(
                    file,
                    1,
                    "a template starts with TOML front matter between "
                    "two '+++' lines (subject, preheader, fields)",
                )
            ]
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == _FRONT_DELIMITER:
            front = "".join(lines[1:index])
            try:
                meta = tomllib.loads(front)
            except tomllib.TOMLDecodeError as exc:
                line = _toml_error_line(str(exc))
                raise TemplateError(
                    [TemplateProblem(file, line + 1 if line else 1, f"front matter: {exc}")]
                ) from None
            return meta, "".join(lines[index + 1 :]), index + 2
    raise TemplateError([TemplateProblem(file, 1, "front matter has no closing '+++' line")])


def _toml_error_line(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def _stamp(path: Path) -> tuple[float, int]:
    try:
        stat = path.stat()
    except OSError:  # deleted between listing and stat: the next scan sees it gone
        return 0.0, -1
    return stat.st_mtime, stat.st_size
