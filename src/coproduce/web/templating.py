"""Jinja2 templates and the helpers every page uses.

Pages speak with one voice: figures go through :mod:`coproduce.formatting` (the filters
``money``, ``qty``, ``pct``, ``rate``, ``money_words``, ``count``, ``plural``), names of things
through :class:`coproduce.presentation.labels.Labels` (the global ``labels(model)``), caveats
through :mod:`coproduce.presentation.flags` (``flag_label``), and the model's quantities, which
may be distributions, through :func:`quantity_words` (the filter ``quantity``). Identifiers,
quantity paths and Python values never reach a reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from .. import formatting as fmt
from ..presentation.flags import FLAGS, flag_label, flag_labels, flag_sentence
from ..presentation.inputs import (  # noqa: F401  (names the templates and routes use)
    currency_words,
    evidence_input,
    lower_first,
    outcome_amount,
    target_words,
    time_value_input,
)
from ..presentation.labels import Labels
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


# ----- quantities of the model: numbers or distributions, in words ----------------------------

_MEAN_SD = {"normal": "normal", "lognormal": "lognormal", "gamma": "gamma"}
_THREE_POINT = {"triangular": "triangular", "pert": "PERT"}


def _data(value: Any) -> Any:
    """Model objects (distributions, pydantic models) as plain data."""
    if hasattr(value, "to_data"):
        return value.to_data()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return value


def distribution_words(value: Any, number: Callable[[Any], str] = fmt.quantity) -> str:
    """A quantity of the model in words, each figure through ``number`` (the formatter's
    quantity unless money is meant): ``0.196``; ``normal distribution, mean 0.196 (standard
    deviation 0.026)``; ``triangular from 0 to 0.3, most likely 0.1``; ``beta distribution,
    mean 0.05 (alpha 5, beta 95)``; '–' when missing."""
    value = _data(value)
    if value is None:
        return fmt.MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, Mapping) and "dist" in value:
        d = str(value["dist"])

        def n(key: str) -> str:
            return number(value.get(key))

        if d == "fixed":
            return n("value")
        if d in _MEAN_SD:
            return f"{_MEAN_SD[d]} distribution, mean {n('mean')} (standard deviation {n('sd')})"
        if d in _THREE_POINT:
            return f"{_THREE_POINT[d]} from {n('low')} to {n('high')}, most likely {n('mode')}"
        if d == "uniform":
            return f"uniform from {n('low')} to {n('high')}"
        if d == "beta":
            a, b = float(value["alpha"]), float(value["beta"])
            return (
                f"beta distribution, mean {fmt.quantity(a / (a + b))} "
                f"(alpha {fmt.quantity(a)}, beta {fmt.quantity(b)})"
            )
        params = ", ".join(f"{_spaced(k)} {number(v)}" for k, v in value.items() if k != "dist")
        return f"{_spaced(d)} distribution ({params})"
    return str(value)


def quantity_words(value: Any) -> str:
    """A model value as a reader reads it: numbers and distributions in words, yes/no, lists
    and mappings with their keys in words (the filter ``quantity``)."""
    value = _data(value)
    if isinstance(value, Mapping) and "dist" not in value:
        return "; ".join(f"{_spaced(k)}: {quantity_words(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(quantity_words(v) for v in value)
    return distribution_words(value)


def amount_words(value: Any, unit: str | None, number: Callable[[Any], str] = fmt.quantity) -> str:
    """A quantity with its unit in words: ``400 participants``, ``1 hour``, ``triangular from
    52 to 104, most likely 78 (hours)``."""
    value = _data(value)
    if value is None:
        return fmt.MISSING
    if fmt.currency_of(unit):  # a resource counted in money
        return money_words_of(value, fmt.currency_of(unit))
    if not unit:
        return distribution_words(value, number)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{number(value)} {unit if float(value) == 1 else fmt.plural(unit)}"
    return f"{distribution_words(value, number)} ({fmt.plural(unit)})"


def effect_words(link, model) -> str:
    """A link's effect in words with its units: ``0.05 admissions for each fall``; a
    distribution says its units first: ``admissions for each fall: beta distribution, mean
    0.05 (alpha 5, beta 95)``."""
    to_unit = fmt.plural(model.unit_of(link.to))
    per = f"{to_unit} for each {model.unit_of(link.from_)}"
    effect = _data(link.effect)
    if isinstance(effect, (int, float)):
        return f"{fmt.quantity(effect)} {per}"
    return f"{per}: {distribution_words(effect)}"


def money_words_of(value: Any, currency: str = "GBP") -> str:
    """A money quantity (perhaps a distribution) in words, each figure as money."""
    return distribution_words(value, lambda x: fmt.money(x, currency))


def _spaced(key: Any) -> str:
    return str(key).replace("_", " ")


def form_number(x: Any) -> str:
    """A number as a form field holds it: exact, without a needless '.0' ('' when missing)."""
    if x is None or isinstance(x, bool) or not isinstance(x, (int, float)):
        return ""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def currency_sign(currency: str) -> str:
    """The symbol the formatter writes before amounts: ``£``; other codes as they are."""
    return fmt.currency_sign(currency)


# ----- names of the model's things ------------------------------------------------------------


def labels(model=None) -> Labels:
    """The label resolver of a model (ids never reach a reader)."""
    return Labels(model)


def time_value_choice(model, name: str, basis) -> str:
    """A basis for valuing users' and communities' time, as a drop-down shows it:
    ``ONS replacement cost of volunteer time (£15.79 an hour)``; a label that already states
    its figure is not given it twice."""
    from ..model.distributions import mean_of

    label = basis.label or _spaced(name)
    if "an hour" in label or "/hour" in label:
        return label
    per_hour = mean_of(basis.per_hour)
    figure = fmt.rate(per_hour, model.currency) if per_hour is not None else "a range"
    return f"{label} ({figure} an hour)"


_LINK_REF = re.compile(r"links\[(\d+)\]")


def authored(text: Any, model=None, model_href: str | None = None) -> Markup:
    """Text the modeller wrote (a source, a note): shown as written, except that a reference
    to a link by its place in the file (``links[0]``) becomes the link in words (and a link
    to its page), and an identifier of the model becomes its label."""
    if text is None:
        return Markup("")
    out = escape(str(text))
    if model is None:
        return Markup(f'<span class="authored">{out}</span>')
    lab = Labels(model)
    ids = sorted(
        (
            k
            for section in ("resources", "interventions", "outcomes", "scenarios")
            for k in getattr(model, section)
            if "_" in k
        ),
        key=len,
        reverse=True,
    )

    def link_ref(m: re.Match) -> str:
        k = int(m[1])
        if k >= len(model.links):
            return m[0]
        lk = model.links[k]
        words = f"the link from {lab(lk.from_)} to {lab(lk.to)}"
        if model_href:
            return (
                f'<a href="{escape(model_href)}/links/{escape(lk.from_)}/{escape(lk.to)}">'
                f"{escape(words)}</a>"
            )
        return str(escape(words))

    html = _LINK_REF.sub(link_ref, str(out))
    if ids:
        pattern = re.compile(r"(?<![\w/-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-])")
        html = pattern.sub(lambda m: f"“{escape(lab(m[1]))}”", html)
    return Markup(f'<span class="authored">{html}</span>')


def shortfall_words(rid: str, needed: float, available: float, model=None) -> str:
    """A resource an option needs more of than is available, in words: 'needs 107,290 hours
    of “Volunteer hour (…)”, where 30,000 are available'."""
    unit = (
        model.resources[rid].unit if model is not None and rid in model.resources else None
    ) or "unit"
    return (
        f"needs {fmt.count(needed, unit)} of “{Labels(model)(rid)}”, where "
        f"{fmt.quantity(available)} {'is' if available == 1 else 'are'} available"
    )


def over_capacity_words(iid: str, volume: float, capacity: float, model=None) -> str:
    """An intervention asked for above its capacity, in words: 'needs 8,287 participants of
    “Physio-led classes”, over its capacity of 600'."""
    unit = (
        model.interventions[iid].unit if model is not None and iid in model.interventions else None
    ) or "unit"
    return (
        f"needs {fmt.count(volume, unit)} of “{Labels(model)(iid)}”, over its capacity of "
        f"{fmt.quantity(capacity)}"
    )


# the fields of the workspace's forms and API, as a reader names them (an issue about a field
# says which, in words)
FIELD_WORDS = {
    "outcome": "Outcome",
    "amount": "Amount",
    "wtp": "Willingness to pay",
    "mode": "Options to compare",
    "spend": "Public spend per option",
    "draws": "Monte Carlo draws",
    "seed": "Seed",
    "by": "Break down by",
    "min_cell": "Smallest count shown",
    "example": "Bundled example",
    "file": "File",
    "targets": "Targets",
    "targets_as": "Targets are",
    "objective": "Least cost to whom",
    "budget": "Public budget",
    "frontier": "Frontier points",
    "time_value": "Valuation of time",
    "time_value_per_hour": "Value of an hour",
    "min_evidence": "Evidence standard",
    "scenario": "Scenario",
    "paths": "Routes a pathway",
    "volumes": "Volumes",
    "email": "E-mail",
    "password": "Password",
    "role": "Role",
    "name": "Name",
}


def issue_words(path: str, fields: Mapping[str, str], model=None) -> str:
    """The field a form's issue concerns, in words (``budget`` → ``Public budget``,
    ``links[1].effect`` → ``the effect of … on …``); '' when there are no words for it (the
    page then shows the path as code)."""
    if not path:
        return ""
    fields = {**FIELD_WORDS, **fields}
    if path in fields:
        return fields[path]
    head, _, tail = path.partition(".")
    if head in fields and tail:
        return f"{fields[head]}: {Labels(model)(tail)}"
    if model is None:
        return ""  # the path alone says where (shown as code)
    words = Labels(model).path(path)
    return "" if words == _spaced(path) else words


templates.env.filters.update(
    money=money,
    qty=qty,
    pct=pct,
    quantity=quantity_words,
    rate=fmt.rate,
    money_words=fmt.money_words,
    r2=fmt.share_of_variance,
    count=fmt.count,
    plural=fmt.plural,
    lower_first=lower_first,
    flag_label=flag_label,
    flag_labels=flag_labels,
    flag_sentence=flag_sentence,
    form_number=form_number,
)
templates.env.globals.update(
    labels=labels,
    distribution_words=distribution_words,
    amount_words=amount_words,
    money_words_of=money_words_of,
    effect_words=effect_words,
    outcome_amount=outcome_amount,
    authored=authored,
    time_value_choice=time_value_choice,
    issue_words=issue_words,
    currency_words=currency_words,
    currency_sign=currency_sign,
    shortfall_words=shortfall_words,
    over_capacity_words=over_capacity_words,
    flag_warning=lambda k: k in FLAGS and FLAGS[k].warning,
)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the caller (if any) and the CSRF field available to every form."""
    c = getattr(request.state, "caller", None)
    csrf = context.pop("login_csrf", None) or (c.csrf if c is not None else "")
    context.setdefault("caller", c)
    context["actor"] = c.actor if c else None
    context["csrf"] = csrf
    context["csrf_field"] = Markup(
        f'<input type="hidden" name="{CSRF_FIELD}" value="{Markup.escape(csrf)}">'
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)
