"""plotly.js, served from the installed plotly package (no CDN, nothing vendored)."""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def _plotly() -> bytes:
    from ...reports.page import plotly_js

    return plotly_js().encode("utf-8")


@router.get("/assets/plotly.js")
def plotly_js() -> Response:
    return Response(_plotly(), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})
