"""<mj-include path="..."> read as the MJML compiler reads it, for the library to splice.

MJML written elsewhere pulls partials in with <mj-include>. The library splices them in at
load time like blocks, so Jinja, the field schema, the structure checks and file:line
errors work inside them, and an edited partial gives a new version. As in MJML, a path is
relative to the including file, `.mjml` may be left out, a partial may be wrapped in
<mjml><mj-body>, and type="css" (css-inline="inline") or type="html" wrap the file in
<mj-style> or <mj-raw>. Unlike MJML, a path must stay inside the content root, symlinks
included: templates come from designers, the files next to them may not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MJ_INCLUDE", "IncludeError", "MjInclude", "read_include"]

#: An <mj-include ...> tag, self-closed or with its (empty) closing tag.
MJ_INCLUDE = re.compile(
    r"<mj-include\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)\s*/?>(?:\s*</mj-include\s*>)?"
)
_ATTRIBUTE = re.compile(r"([\w:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_WRAPPER = re.compile(r"</?(?:mjml|mj-body)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_HEAD = re.compile(r"<mj-head\b")
_ALTERNATIVE = (
    'or put the part in blocks/ and write {% include "name.mjml" %}, '
    "which the library splices in the same way"
)


class IncludeError(ValueError):
    """What is wrong with an include: at the include, or at `line` of the included `path`."""

    def __init__(self, message: str, path: Path | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class MjInclude:
    path: Path
    text: str


def read_include(attributes: str, including: Path, root: Path) -> MjInclude:
    """Resolve and read one include; its text keeps the file's line numbers."""
    found = {
        m.group(1).lower(): m.group(2) or m.group(3) or "" for m in _ATTRIBUTE.finditer(attributes)
    }
    written = found.get("path", "").strip()
    kind = found.get("type", "mjml").lower()
    if not written:
        raise IncludeError(f'<mj-include> needs a path="...", {_ALTERNATIVE}')
    if kind not in {"mjml", "css", "html"}:
        raise IncludeError(f'<mj-include type="{kind}">: type is mjml (default), css or html')
    path = _resolve(written, including.parent, root, kind)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IncludeError(f"<mj-include path={written!r}>: cannot read it ({exc})") from None
    if kind == "css":
        inline = ' inline="inline"' if found.get("css-inline", "").lower() == "inline" else ""
        return MjInclude(path, f"<mj-style{inline}>{text}</mj-style>")
    if kind == "html":
        return MjInclude(path, f"<mj-raw>{text}</mj-raw>")
    head = _HEAD.search(text)
    if head:
        raise IncludeError(
            "an included file cannot bring its own <mj-head>: include its head parts from "
            'the template\'s <mj-head> (<mj-head><mj-include path="..." /></mj-head>) and '
            "its body parts from <mj-body>",
            path,
            text.count("\n", 0, head.start()) + 1,
        )
    return MjInclude(path, _WRAPPER.sub("", text))


def _resolve(written: str, folder: Path, root: Path, kind: str) -> Path:
    root = root.resolve()
    candidates = [folder / written]
    if kind == "mjml" and not written.endswith(".mjml"):
        candidates.append(folder / f"{written}.mjml")
    for candidate in candidates:
        resolved = candidate.resolve()
        if not resolved.is_relative_to(root):
            raise IncludeError(
                f"<mj-include path={written!r}> points outside the content root: paths are "
                f"relative to this file and stay inside the content root; {_ALTERNATIVE}"
            )
        if resolved.is_file():
            return resolved
    shown = _shown(candidates[-1].resolve(), root)
    raise IncludeError(
        f"<mj-include path={written!r}>: no file {shown} (paths are relative to this "
        f"file); {_ALTERNATIVE}"
    )


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
