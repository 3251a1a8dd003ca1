"""Jinja2 templates and the helpers every page uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from .. import formatting as fmt
from .security import CSRF_FIELD

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def money(x: float | None, currency: str = "GBP") -> str:
    """The one formatter's table amount (coproduce.formatting.money)."""
    return fmt.money(x, currency)


def qty(x: float | None) -> str:
    """The one formatter's quantity (coproduce.formatting.quantity)."""
    return fmt.quantity(x)


def pct(x: float | None) -> str:
    """The one formatter's share (coproduce.formatting.percent)."""
    return fmt.percent(x)


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


templates.env.filters.update(money=money, qty=qty, pct=pct, quantity=quantity,
                             rate=fmt.rate, money_words=fmt.money_words, count=fmt.count,
                             plural=fmt.plural)


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
