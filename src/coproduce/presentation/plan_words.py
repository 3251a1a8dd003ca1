"""A plan's constraints, shadow prices and relaxations in sentences a commissioner can repeat
(the words of :mod:`coproduce.engine.planning`, which computes the numbers)."""

from __future__ import annotations

import re
from typing import Any

from ..formatting import money, percent, rate
from ..formatting import plural as _plural
from ..formatting import quantity as qty
from .labels import lower_first


def _one_more(unit: str, label: str) -> str:
    """'one more volunteer hour (...)' when the label names its unit, else 'one more hour of
    physiotherapy'."""
    low = lower_first(label)
    return f"one more {low}" if _names_unit(unit, low) else f"one more {unit} of {low}"


def _names_unit(unit: str, label: str) -> bool:
    """Whether ``label`` names ``unit`` as a word of its own ('volunteer hour (…)' names
    'hour'; 'crimes prevented' does not name 'crime')."""
    return bool(unit) and re.search(rf"\b{re.escape(unit.lower())}\b", label.lower()) is not None


def constraint_words(
    kind: str,
    label: str,
    unit: str,
    price: float,
    limit: float,
    level: float,
    binding: bool,
    mode: str,
    measure: str,
    cur: str,
    increase: bool = False,
) -> str:
    """A constraint and its shadow price in a sentence a commissioner can repeat
    (``increase``: targets are increases over what today's volumes achieve)."""
    gain = "save" if mode == "least_cost" else "add"
    what = measure if mode == "least_cost" else "value"
    p = money(price, cur)
    more = _one_more(unit, label)
    cap = more[0].upper() + more[1:]
    low = lower_first(label)
    units = _plural(unit)
    if kind == "target":
        more_than = " more than today" if increase else ""
        if not binding:
            return (
                f"The target for {low} ({qty(limit)}{more_than}) is passed on the way "
                f"to the others ({qty(level)}{more_than} reached), so one more {unit} costs "
                "nothing extra."
            )
        if mode == "least_cost":
            return (
                f"Raising the target for {low} by one {unit} costs {p} of {measure} at the "
                f"margin (the target of {qty(limit)}{more_than} binds)."
            )
        return f"Raising the target for {low} by one {unit} would give up {p} of value."
    if kind == "min_volume":
        return (
            f"Keeping {label} at its minimum of {qty(limit)} costs {p} of {what} per "
            f"{unit} more than the plan would otherwise choose."
            if binding
            else f"{label} runs above its minimum of {qty(limit)}."
        )
    if kind == "max_decrease":
        return (
            f"Keeping {label} at {qty(limit)}, the least the model lets it fall to from "
            f"today, costs {p} of {what} per {unit} more than the plan would otherwise "
            "choose."
            if binding
            else f"{label} stays above the least the model lets it fall to from today "
            f"({qty(limit)})."
        )
    if kind == "budget":
        if binding and price > 0:
            return (
                f"Each extra {money(1, cur).replace('.00', '')} of the {label} would add "
                f"{money(price, cur)} of value at the margin (all {money(limit, cur)} "
                "spent)."
            )
        return f"{label[0].upper()}{label[1:]}: {money(level, cur)} of {money(limit, cur)} spent."
    if kind == "resource":
        if binding and price > 0:
            return f"{cap} would {gain} {p} of {what}: all {qty(limit)} available are used."
        if binding:
            return (
                f"All {qty(limit)} {units} of {low} available are used, but one "
                f"more would not {gain} anything at the margin."
            )
        return f"{label}: {qty(level)} of {qty(limit)} {units} used."
    if binding and price > 0:
        return (
            f"One more {unit} of capacity in {label} would {gain} {p} of {what} (it runs at "
            f"its capacity of {qty(limit)})."
        )
    if binding:
        return f"{label} runs at its capacity of {qty(limit)} {units}."
    return f"{label}: {qty(level)} of a capacity of {qty(limit)} {units}."


def relax_words(kind: str, label: str, unit: str, amount: float, b: float, currency: str) -> str:
    """One change that would make an infeasible plan feasible: 'lower the target for years
    lived independently at home by 10 person-years, from 40 to 30'."""
    low = lower_first(label)
    if kind == "target":
        return (
            f"lower the target for {low} by {qty(amount)} {_plural(unit)}, from "
            f"{qty(-b)} to {qty(-b - amount)}"
        )
    if kind == "min_volume":
        return (
            f"lower the minimum volume of {label} by {qty(amount)}, from {qty(-b)} to "
            f"{qty(-b - amount)}"
        )
    if kind == "max_decrease":
        return (
            f"let {label} fall further from today's volume: {qty(amount)} lower, to "
            f"{qty(-b - amount)} instead of {qty(-b)} (a larger cut allowed in the model)"
        )
    if kind == "resource":
        more = (
            f"{qty(amount)} more {_plural(low)}"
            if _names_unit(unit, low)
            else f"{qty(amount)} more {_plural(unit)} of {low}"
        )
        return f"make {more} available, {qty(b + amount)} instead of {qty(b)}"
    if kind == "budget":
        return f"raise the {low} by {money(amount, currency)}, to {money(b + amount, currency)}"
    return f"raise the capacity of {label} by {qty(amount)}, from {qty(b)} to {qty(b + amount)}"


def infeasible_words(alone: list[str], together: list[str], targets_as: str) -> str:
    """Why no plan is possible, and what would make one: any one change of ``alone``, else
    all of ``together``."""
    reading = (
        "targets read as increases over what today's services achieve"
        if targets_as == "increase"
        else "targets read as total levels"
    )
    head = f"No plan meets every target ({reading}) within the limits. "
    if alone:
        return head + "Any one of these would make it feasible: " + "; ".join(alone) + "."
    return head + (
        "No single change is enough; together: " + "; ".join(together) + "."
        if together
        else "No relaxation of targets or limits makes it feasible."
    )


# ----- what a plan changes, its caveats, the value of time and the evidence ------------------


def change_notes(p) -> tuple[dict[str, Any], ...]:
    """What the plan changes from today, per intervention it starts, grows, cuts or
    stops: ``{intervention, kind (start, grow, cut, stop), current, planned, words}``; a
    cut or stop says it is a decision that affects the people the service supports
    today."""
    if p.status != "optimal":
        return ()
    out = []
    for iid, v in p.volumes.items():
        cur = p.current_volumes.get(iid, 0.0)
        tol = 1e-9 * max(1.0, abs(cur), abs(v))
        label = _label(p, iid)
        if v > cur + tol:
            kind = "start" if cur <= 0 else "grow"
            words = (
                f"{label} starts at {qty(v)} {_units(p, iid, v)}."
                if cur <= 0
                else f"{label} grows from {qty(cur)} to {qty(v)} {_units(p, iid, v)}."
            )
        elif v < cur - tol:
            why = ""
            if iid in p.max_decrease and v <= p.least_volumes.get(iid, 0) + tol:
                why = (
                    f" (as far as the model lets it fall: at most "
                    f"{percent(p.max_decrease[iid])} of today's volume may stop in a "
                    "period)"
                )
            elif iid not in p.max_decrease:
                why = " (the model sets no largest cut for it, so the plan may stop it altogether)"
            kind = "stop" if v <= 0 else "cut"
            what = (
                f"{label} stops: from {qty(cur)} {_units(p, iid, cur)} today to none"
                if v <= 0
                else f"{label} falls from {qty(cur)} to {qty(v)} {_units(p, iid, v)}"
            )
            words = f"{what}{why}: a decision that affects the people the service supports today."
        else:
            continue
        out.append(
            {"intervention": iid, "kind": kind, "current": cur, "planned": v, "words": words}
        )
    return tuple(out)


def caveat_words(p) -> tuple[str, ...]:
    """The caveats of what the plan funds, in sentences (see :mod:`coproduce.engine.flags`)."""
    out = []
    kinds = {
        "contested": "contested links (stakeholders dispute whether or how much they work)",
        "weak_evidence": "weakly evidenced links (grade 2 or below)",
        "ungraded_evidence": "links with no evidence grade",
        "complex": "routes through a complex outcome, where figures are indicative, not a forecast",
    }
    for target, shares in p.flag_shares.items():
        for kind, share in shares.items():
            if share > 0:
                out.append(
                    f"{percent(share).capitalize()} of the planned effect on "
                    f"{lower_first(_label(p, target))} rests on "
                    f"{kinds.get(kind, kind)}."
                )
    c = p.caveats
    none_paid = [_label(p, i) for i, r in c.get("no_public_input", {}).items() if r == "none_paid"]
    undeclared = [
        _label(p, i) for i, r in c.get("no_public_input", {}).items() if r == "none_declared"
    ]
    if none_paid:
        out.append(
            f"{', '.join(none_paid)}: co-production with no public enabling input "
            "paid for; co-production rarely produces value without some public money "
            "(Bovaird & Loeffler 2012)."
        )
    if undeclared:
        out.append(
            f"{', '.join(undeclared)}: co-produced, but the model declares no "
            "enabling input, so its effect does not fall if the public support is "
            "cut."
        )
    if c.get("enabling_shortfall"):
        names = ", ".join(_label(p, i) for i in c["enabling_shortfall"])
        out.append(
            f"{names}: uses less of an enabling input than its effects were measured "
            "with, so its effect is cut."
        )
    if c.get("over_capacity"):
        out.append(
            "Some volumes exceed capacity: "
            + ", ".join(_label(p, i) for i in c["over_capacity"])
            + "."
        )
    if c.get("resources_short"):
        out.append(
            "It needs more than is available of "
            + ", ".join(_label(p, r) for r in c["resources_short"])
            + "."
        )
    return tuple(out)


def time_words(p) -> str:
    """The valuation of users' and communities' time used, and the range over which the
    plan's choice of interventions holds."""
    tv = p.time_value or {}
    cur = p.currency
    if tv.get("per_hour") is None:
        basis = (
            "Users' and communities' time is valued as stated for each resource in the model file"
        )
    elif tv["per_hour"] == 0:
        basis = f"Users' and communities' time is not valued ({money(0, cur)} an hour)"
    else:
        basis = (
            f"Users' and communities' time is valued at {rate(tv['per_hour'], cur)} "
            f"an hour ({tv.get('label') or tv.get('name')})"
        )
    rng = p.same_choice_when_time_valued
    if p.status != "optimal" or not p.same_choice_checked:
        return basis + "."
    if rng is None:
        return (
            basis + "; no single hourly valuation of that time gives the same choice "
            "of interventions."
        )
    low, high = rng
    if low == 0 and high is None:
        tail = "the choice of interventions does not depend on that valuation" + (
            " (public cost leaves it out)." if p.objective == "public" else "."
        )
    elif high is None:
        tail = (
            f"the plan funds the same interventions while that time is valued at "
            f"{rate(low, cur)} an hour or more."
        )
    else:
        tail = (
            f"the plan funds the same interventions while that time is valued between "
            f"{rate(low, cur)} and {rate(high, cur)} an hour."
        )
    return f"{basis}; {tail}"


def evidence_words(p) -> str:
    """Whether the plan survives leaving out weakly evidenced links (``min_evidence``)."""
    me = p.min_evidence
    if not me:
        return ""
    grade = me["grade"]
    dropped = me.get("links_dropped", [])
    if not dropped:
        return f"No link is graded below {grade}, so the evidence threshold changes nothing."
    head = (
        f"Without the {len(dropped)} link{'s' if len(dropped) != 1 else ''} graded below {grade}, "
    )
    if me.get("status") != "optimal":
        return head + (
            "no plan reaches the targets either."
            if me.get("survives")
            else "no plan reaches the targets: the plan rests on that evidence."
        )
    if me.get("survives"):
        return head + "the plan funds the same interventions."
    return (
        head + "the plan funds different interventions: the recommendation rests on that evidence."
    )


def _label(p, key: str) -> str:
    return p.labels.get(key, key.replace("_", " "))


def _units(p, iid: str, v: float) -> str:
    unit = p.units.get(iid, "unit")
    return unit if abs(v) == 1 or not unit else _plural(unit)
