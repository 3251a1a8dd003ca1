"""Jinja2 templates and the helpers every page uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from .security import CSRF_FIELD

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def money(x: float | None, currency: str = "GBP") -> str:
    if x is None or x != x:
        return "–"
    minus = "−" if x < 0 else ""
    x = abs(x)
    sign = "£" if currency == "GBP" else ""
    tail = "" if sign else f" {currency}"
    if x >= 1e6:
        return f"{minus}{sign}{x / 1e6:,.2f}m{tail}"
    if x >= 100 or x == 0 or float(x).is_integer():
        return f"{minus}{sign}{x:,.0f}{tail}"
    return f"{minus}{sign}{x:,.2f}{tail}"


def qty(x: float | None) -> str:
    if x is None:
        return "–"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.3g}" if x else "0"


def pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def quantity(value) -> str:
    """A model quantity in words: a plain number, or a distribution with its parameters."""
    if isinstance(value, dict) and "dist" in value:
        params = ", ".join(f"{k} {cell(v)}" for k, v in value.items() if k != "dist")
        return f"{value['dist']} ({params})"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {quantity(v)}" for k, v in value.items())
    return cell(value)


def cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


templates.env.filters.update(money=money, qty=qty, pct=pct, quantity=quantity)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the caller (if any) and the CSRF field available to every form."""
    c = getattr(request.state, "caller", None)
    csrf = context.pop("login_csrf", None) or (c.csrf if c is not None else "")
    context.setdefault("caller", c)
    context["actor"] = c.actor if c else None
    context["csrf"] = csrf
    context["csrf_field"] = Markup(
        f'<input type="hidden" name="{CSRF_FIELD}" value="{Markup.escape(csrf)}">')
    return templates.TemplateResponse(request, name, context, status_code=status_code)
