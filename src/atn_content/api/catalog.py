"""GET /v1/templates: what can be rendered, in which locales, with which recipient fields."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from atn_content.api.auth import require_scope
from atn_content.api.schemas import FieldInfo, TemplateInfo
from atn_content.content.errors import TemplateError
from atn_content.content.renderer import Renderer

__all__ = ["list_templates"]


@get(
    "/v1/templates",
    guards=[require_scope],
    opt={"scope": "render"},
    summary="List templates with their versions, locales and recipient schema",
)
async def list_templates(renderer: NamedDependency[Renderer]) -> list[TemplateInfo]:
    library = renderer.library
    library.refresh_if_stale()
    infos: list[TemplateInfo] = []
    for name in library.names():
        try:
            source = library.get(name)
        except TemplateError as exc:
            infos.append(TemplateInfo(name, None, "", [], {}, [str(p) for p in exc.problems]))
            continue
        locales = [str(x) for x in source.meta.get("locales", renderer.locales)]
        schema = {
            f.name: FieldInfo(f.type, f.required, f.default, f.description)
            for f in source.fields.values()
        }
        infos.append(
            TemplateInfo(
                name, source.version, str(source.meta.get("description", "")), locales, schema, []
            )
        )
    return infos
