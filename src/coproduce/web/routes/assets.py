"""Assets served from installed packages (no CDN, nothing vendored): plotly.js from ``plotly``,
and the interactive API documentation (Swagger UI, from the ``fastapi-offline`` package's copy)
at ``/docs`` for signed-in users."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from ..security import Caller, caller

router = APIRouter(include_in_schema=False)

DOCS_ASSETS = "/assets/docs"  # the folder of Swagger UI's files, mounted by the app


def docs_assets_folder() -> Path:
    """Swagger UI's JavaScript, CSS and icon, as installed with ``fastapi-offline``."""
    from importlib.resources import files

    return Path(str(files("fastapi_offline") / "static"))


@lru_cache(maxsize=1)
def _plotly() -> bytes:
    from ...reports.page import plotly_js

    return plotly_js().encode("utf-8")


@router.get("/assets/plotly.js")
def plotly_js() -> Response:
    return Response(
        _plotly(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


# Swagger UI as it comes fails WCAG 2.2 AA in a few places; these fix what axe-core finds:
# coloured labels with too little contrast, group headings that skip a level (h1 then h3), and
# (with deep links off, so no link sits inside a button, and the UI inside <main>) landmarks.
_DOCS_HEAD = """<style>
  .swagger-ui .info .title small pre { background: #4f5d6b; }
  .swagger-ui .info .title small.version-stamp,
  .swagger-ui .info .title small.version-stamp pre { background: #3d6600; }
  .swagger-ui .info a, .swagger-ui .info .url, .swagger-ui .info .link { color: #1d5c8c; }
  .swagger-ui .opblock.opblock-get .opblock-summary-method { background: #1d5c8c; }
  .swagger-ui .opblock.opblock-post .opblock-summary-method { background: #1e7b34; }
  .swagger-ui .opblock.opblock-put .opblock-summary-method { background: #8a4b00; }
  .swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #b03a2e; }
  .swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #0f6b5c; }
  .swagger-ui .json-schema-2020-12-expand-deep-button { color: #4f5d6b; }
  .docs-back { font: 14px system-ui, sans-serif; margin: 12px 20px 0; }
  .docs-back a { color: #1d5c8c; }
</style>
<script>
  new MutationObserver(function () {
    document.querySelectorAll("#swagger-ui h3, #swagger-ui h4, #swagger-ui h5, #swagger-ui h6")
      .forEach(function (h) {
        if (h.hasAttribute("aria-level")) return;
        h.setAttribute("role", "heading");
        h.setAttribute("aria-level", String(Number(h.tagName[1]) - 1));
      });
  }).observe(document.documentElement, {childList: true, subtree: true});
</script>
"""


@router.get("/docs")
def docs(request: Request, c: Caller = Depends(caller)) -> HTMLResponse:
    """Swagger UI for the JSON API, for signed-in users. It works offline: every asset comes
    from this server."""
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=f"{request.app.title} · API documentation",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
        oauth2_redirect_url=None,
        swagger_ui_parameters={"deepLinking": False},
    )
    body = page.body.decode("utf-8")
    body = body.replace("<html>", '<html lang="en">', 1)
    body = body.replace("</head>", _DOCS_HEAD + "</head>", 1)
    body = re.sub(
        r'<div id="swagger-ui">\s*</div>',
        '<header class="docs-back"><a href="/">Back to the workspace</a></header>'
        '<main id="swagger-ui"></main>',
        body,
        count=1,
    )
    return HTMLResponse(body)
