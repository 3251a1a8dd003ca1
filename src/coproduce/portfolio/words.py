"""A portfolio's results in words: the recommendation, the joint plan and how the answer turns
on the valuation of time. Every figure through :mod:`coproduce.formatting`, every identifier
through the models' labels; the CLI, the report and ``--json`` say it the same way."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..formatting import count, money, money_words, percent, quantity, rate
from ..presentation.labels import lower_first
from ..presentation.words import and_list, capital

KIND_WORDS = {
    "individual": "individual co-production (users' own contribution)",
    "collective": "collective co-production (groups of residents)",
    "none": "professional delivery",
    "unstated": "kind not stated",
}
KIND_SHORT = {
    "individual": "individual",
    "collective": "collective",
    "none": "professional",
    "unstated": "not stated",
}
STAGE_WORDS = {
    "co_commissioning": "co-commissioning",
    "co_design": "co-design",
    "co_delivery": "co-delivery",
    "co_assessment": "co-assessment",
}
KIND_PHRASE = {
    "individual": "relying on users' own contribution",
    "collective": "run with groups of residents",
    "none": "professionally delivered",
    "unstated": "of a kind not stated",
}
TIER_WORDS = {
    "coproduce_first": "co-produce first",
    "test_first": "test co-production first",
    "professional": "keep the professional route",
    "no_comparison": "no comparison possible",
}


def grade_words(grade: float | None) -> str:
    """An evidence grade (a mean over links, so it may be fractional) in words: 'graded 3
    of 5', 'graded 2.7 of 5'."""
    return "ungraded" if grade is None else f"graded {round(grade, 1):g} of 5"


def per_unit(unit: str) -> str:
    article = "an" if unit[:1].lower() in "aeio" else "a"
    return f"{article} {unit}"


def valuation_words(ranges, currency: str) -> str:
    """The hourly valuations of users' and communities' time over which co-production costs
    less in full, as a clause."""
    if ranges is None:
        return ""
    if not ranges:
        return "co-production costs more in full at every value put on an hour of time"
    parts = []
    for low, high in ranges:
        if low == 0 and high is None:
            return "co-production costs less in full at any value put on an hour of time"
        if low == 0:
            parts.append(f"while an hour is valued below {rate(high, currency)}")
        elif high is None:
            parts.append(f"once an hour is valued above {rate(low, currency)}")
        else:
            parts.append(
                f"when an hour is valued between {rate(low, currency)} and {rate(high, currency)}"
            )
    return "co-production costs less in full " + and_list(parts, sep="; ")


def time_basis_words(comp, currency: str) -> str:
    tv = comp.time_value or {}
    if tv.get("per_hour") is None:
        return "residents' time valued as each model states it"
    return f"residents' time valued at {rate(tv['per_hour'], currency)} an hour"


def _hours(n: float) -> str:
    return count(n, "hour")


def recommendation_words(result) -> list[str]:
    """One sentence per service, in the order to co-produce them."""
    cur = result.currency
    out = []
    for r in result.ranking:
        name = r["service"]
        comp = result.services[name]
        lab = result.labels(name)
        svc = result.service_label(name)
        unit = comp.outcome_unit
        goal = f"{quantity(comp.amount)} more {lower_first(comp.outcome_label)}"
        if r["tier"] == "no_comparison":
            which = "co-produced" if r.get("missing") == "coproduced" else "professional"
            out.append(
                f"{r['rank']}. {svc}: no {which} pathway reaches {goal}, so there is "
                "nothing to compare."
            )
            continue
        co, prof = comp.pathway(comp.best_coproduced), comp.pathway(comp.best_professional)
        a = comp.advantage["full"]
        pub = comp.advantage["public"]
        co_l, prof_l = lab(co["intervention"]), lab(prof["intervention"])
        unc = comp.uncertainty or {}
        prob = unc.get("prob_coproduction_cheaper", {}).get("full")
        prob_txt = (
            f"co-production is cheaper in {percent(prob)} of {quantity(unc['draws'])} draws"
            if prob is not None
            else ""
        )
        ev = co["evidence"]
        if r["tier"] in ("coproduce_first", "test_first"):
            lead = (
                "Co-produce first in"
                if r["tier"] == "coproduce_first" and r["rank"] == 1
                else "Co-produce next in"
                if r["tier"] == "coproduce_first"
                else "Test co-production first in"
            )
            because = [
                f"{co_l}, {KIND_PHRASE[co['kind']]}, reaches {goal} for "
                f"{money_words(a['coproduced'], cur)} {per_unit(unit)} in full, against "
                f"{money_words(a['professional'], cur)} through {lower_first(prof_l)}, "
                f"{money_words(a['saving'], cur)} less a period"
            ]
            if pub["saving"] > 0:
                because.append(f"{money_words(pub['saving'], cur)} less of public money")
            if prob_txt:
                because.append(prob_txt)
            because.append(f"its evidence is {grade_words(ev['grade'])}")
            if co["coproduction_hours"] > 0:
                because.append(
                    f"it needs {_hours(co['coproduction_hours'])} of users' and "
                    "residents' time"
                    + _pool_need(result, comp, co)
                    + (
                        f", {money(r['saving_per_hour'], cur)} saved an hour"
                        if math.isfinite(r["saving_per_hour"])
                        else ""
                    )
                )
            text = f"{r['rank']}. {lead} {svc}, because " + and_list(because, sep="; ") + "."
            if r["tier"] == "test_first":
                why = []
                if "weak_evidence" in r.get("cautions", []):
                    why.append("the evidence behind it is weak")
                if "uncertain" in r.get("cautions", []):
                    why.append("the saving is far from sure")
                evpi = unc.get("evpi")
                text += (
                    f" Trial it before switching: {and_list(why)}"
                    + (
                        f"; knowing the truth would be worth up to "
                        f"{money_words(evpi, cur)} on this choice"
                        if evpi
                        else ""
                    )
                    + "."
                )
        else:
            text = (
                f"{r['rank']}. Keep the professional route in {svc}: "
                f"{lower_first(prof_l)} reaches {goal} for "
                f"{money_words(a['professional'], cur)} {per_unit(unit)} in full, against "
                f"{money_words(a['coproduced'], cur)} through {lower_first(co_l)}"
            )
            if pub["saving"] > 0:
                text += (
                    f", although co-production would cost the public purse "
                    f"{money_words(pub['saving'], cur)} less a period"
                )
            text += "."
        clause = valuation_words(comp.cheaper_when_time_valued, cur)
        if clause and not clause.endswith("any value put on an hour of time"):
            text += f" With {time_basis_words(comp, cur)}, {clause}."
        text += _in_the_plan(result, name, r["tier"])
        out.append(text)
    return out


def _pool_need(result, comp, co: dict) -> str:
    """' (3,300 of them from City volunteer hours, more than all 50,000 it has)'."""
    bits = []
    avail = comp.time_needed.get("pool_available", {})
    for key, h in co["pool_hours"].items():
        label = result.pool_label(key)
        more = (
            f", more than all {quantity(avail[key])} it has"
            if key in avail and h > avail[key]
            else ""
        )
        bits.append(f"{quantity(h)} of them from {label}{more}")
    return f" ({and_list(bits, sep='; ')})" if bits else ""


def _coproduced_share(result, service: str) -> float | None:
    p = result.plan
    if p.status != "optimal":
        return None
    o = result.services[service].outcome
    kinds = p.by_kind.get(service, {})
    return sum(
        k["effect_share"].get(o, 0.0)
        for name, k in kinds.items()
        if name in ("individual", "collective")
    )


def _in_the_plan(result, service: str, tier: str) -> str:
    """How the joint plan, which rations the pools and budgets across services, treats this
    service's co-production, when that differs from the service's own comparison."""
    share = _coproduced_share(result, service)
    if share is None:
        return ""
    p = result.plan
    cur = result.currency
    outcome = lower_first(result.labels(service)(result.services[service].outcome))
    text = f" In the joint plan co-production carries {percent(share)} of the {outcome}"
    prices = [
        f"a pooled hour is worth {money(v, cur)}"
        for v in p.shadow_prices["pools"].values()
        if v > 0
    ]
    prices += [
        f"{'an enabling' if k == 'enabling' else 'a ' + k} pound {money(v, cur)}"
        for k, v in p.shadow_prices["budgets"].items()
        if v > 0
    ]
    if tier in ("coproduce_first", "test_first") and share < 0.5 and prices:
        measure = "public money" if p.objective == "public" else "full cost"
        text += (
            f": rationing the shared hours and enabling money for the least {measure} "
            "across the portfolio, it uses them where they save more (" + and_list(prices) + ")"
        )
    text += "."
    return text


def plan_words(result) -> list[str]:
    """The joint plan in sentences: its cost, where the pooled hours and enabling money go,
    what an hour and a pound are worth, and which targets bind."""
    p = result.plan
    cur = result.currency
    measure = "public" if p.objective == "public" else "full"
    if p.status != "optimal":
        parts = []
        for rel in sorted(p.relaxation.values(), key=lambda r: r["kind"] != "target"):
            parts.append(_relax_words(result, rel))
        head = (
            "No joint plan reaches every service's targets within the pools, budgets and "
            "each service's own limits."
        )
        if parts:
            head += " Any one of these would make it possible: " + and_list(parts, "; ") + "."
        return [head]
    out = [
        f"The joint plan reaches every service's targets for "
        f"{money_words(p.cost['public'], cur)} of public money a period "
        f"({money_words(p.cost['full'], cur)} in full, {percent(p.cost['coproduction_share'])}"
        f" of it residents' and users' time and money), the least {measure} cost across "
        "the portfolio."
    ]
    for key, use in p.pool_use.items():
        label = result.pool_label(key)
        price = p.shadow_prices["pools"].get(key, 0.0)
        split = [
            f"{_hours(h)} to {result.service_label(s)}"
            for s, h in sorted(use["by_service"].items(), key=lambda kv: -kv[1])
            if h > 0
        ]
        full = use["used"] >= use["available"] * (1 - 1e-6) and use["available"] > 0
        used = (
            f"all {_hours(use['available'])} are used"
            if full
            else f"{_hours(use['used'])} of {quantity(use['available'])} are used"
        )
        text = (
            f"{capital(label)}: {used}" + (f" ({and_list(split, sep='; ')})" if split else "") + "."
        )
        if price > 0:
            text += (
                f" One more hour would save {money(price, cur)} of {measure} cost: "
                "that is what a pooled hour is worth to the portfolio."
            )
        else:
            text += " One more hour would save nothing: the pool is not what limits the plan."
        out.append(text)
    for key, use in p.budget_use.items():
        price = p.shadow_prices["budgets"].get(key, 0.0)
        name = _budget_name(result, key)
        text = (
            f"The {name} of {money_words(use['limit'], cur)} is "
            + (
                "fully used"
                if use["used"] >= use["limit"] * (1 - 1e-6)
                else f"{percent(use['used'] / use['limit']) if use['limit'] else '–'} used"
            )
            + "."
        )
        if price > 0:
            text += f" One more pound of it would save {money(price, cur)} of {measure} cost."
        else:
            text += " One more pound of it would save nothing."
        if key == "enabling":
            where = [
                f"{money_words(v, cur)} to {result.service_label(s)}"
                for s, v in sorted(use["by_service"].items(), key=lambda kv: -kv[1])
                if v > 0
            ]
            if where:
                text += f" It goes {and_list(where, sep='; ')}."
        out.append(text)
    binding = [(s, o) for s, o in p.binding_targets]
    loose = [
        (c["service"], c["name"])
        for c in p.constraints
        if c["kind"] == "target" and not c["binding"]
    ]
    if binding:
        parts = []
        for s, o in binding:
            price = p.shadow_prices["targets"].get(s, {}).get(o, 0.0)
            unit = result.portfolio.services[s].model.outcomes[o].unit or "unit"
            parts.append(
                f"{lower_first(result.labels(s)(o))} in "
                f"{result.service_label(s)} ({money(price, cur)} {per_unit(unit)} "
                "more)"
            )
        out.append(
            "Targets that bind, with what one more unit would cost: "
            + and_list(parts, sep="; ")
            + "."
        )
    if loose:
        out.append(
            "Reached beyond the target as a by-product: "
            + and_list(
                [
                    f"{lower_first(result.labels(s)(o))} in {result.service_label(s)}"
                    for s, o in loose
                ],
                sep="; ",
            )
            + "."
        )
    for s, kinds in p.by_kind.items():
        o = result.services[s].outcome
        co_share = sum(
            k["effect_share"].get(o, 0.0)
            for name, k in kinds.items()
            if name in ("individual", "collective")
        )
        if co_share > 0:
            out.append(
                f"In {result.service_label(s)}, co-production carries "
                f"{percent(co_share)} of the planned {lower_first(result.labels(s)(o))}"
                + _kind_split(kinds, o)
                + "."
            )
    return out


def _kind_split(kinds: dict, outcome: str) -> str:
    parts = [
        f"{KIND_SHORT[k]} {percent(v['effect_share'].get(outcome, 0.0))}"
        for k, v in kinds.items()
        if v["effect_share"].get(outcome, 0.0) > 0
    ]
    return f" ({', '.join(parts)})" if len(parts) > 1 else ""


def _budget_name(result, key: str) -> str:
    if key == "enabling":
        return "enabling budget (public money for the inputs co-production needs)"
    if key == "full":
        return "budget for every sector"
    first = next(iter(result.portfolio.services.values())).model
    sector = first.sectors.get(key)
    return f"{lower_first(sector.label) if sector else key} budget"


def _relax_words(result, rel: dict) -> str:
    cur = result.currency
    kind, service, name, amount = rel["kind"], rel["service"], rel["name"], rel["amount"]
    if kind == "pool":
        return f"{_hours(amount)} more in the {lower_first(result.pool_label(name))}"
    if kind == "budget":
        return f"{money_words(amount, cur)} more in the {_budget_name(result, name)}"
    lab = result.labels(service)
    svc = result.service_label(service)
    if kind == "target":
        return f"the target for {lower_first(lab(name))} in {svc} lowered by {quantity(amount)}"
    if kind == "resource":
        return f"{quantity(amount)} more of {lower_first(lab(name))} in {svc}"
    if kind == "capacity":
        return f"the capacity of {lower_first(lab(name))} in {svc} raised by {quantity(amount)}"
    if kind in ("min_volume", "max_decrease"):
        return (
            f"the least volume {lower_first(lab(name))} must keep in {svc} lowered by "
            f"{quantity(amount)}"
        )
    return f"the limit on {lower_first(lab(name))} in {svc} eased by {quantity(amount)}"


def sensitivity_words(result) -> list[str]:
    """How the recommendation turns on the value put on an hour of residents' time."""
    cur = result.currency
    if not result.sensitivity:
        return []
    out = []
    main = (
        tuple(r["service"] for r in result.ranking),
        tuple(sorted((r["service"], r["tier"]) for r in result.ranking)),
    )
    orders = [main]
    for s in result.sensitivity:
        first = [result.service_label(n) for n in s["order"] if s["tiers"][n] == "coproduce_first"]
        test = [result.service_label(n) for n in s["order"] if s["tiers"][n] == "test_first"]
        prof = [result.service_label(n) for n in s["order"] if s["tiers"][n] == "professional"]
        bits = []
        if first:
            bits.append("co-produce first in " + and_list(first))
        if test:
            bits.append("test co-production in " + and_list(test))
        if prof:
            bits.append("keep the professional route in " + and_list(prof))
        head = (
            "With residents' time not valued"
            if s["per_hour"] == 0
            else f"Valuing an hour at {rate(s['per_hour'], cur)}, {lower_first(s['label'])}"
        )
        out.append(f"{head}: {and_list(bits, sep='; ') or 'no comparison'}.")
        orders.append((tuple(s["order"]), tuple(sorted(s["tiers"].items()))))
    if len(set(orders)) == 1:
        out.append("The recommendation is the same at every valuation of time the models name.")
    else:
        out.append(
            "The recommendation changes with the value put on residents' time: say "
            "which valuation the decision rests on."
        )
    return out


def warning_words(result) -> list[str]:
    """The portfolio's warnings in words: a pool far from what its member models assume names
    both figures, and each service's own."""
    return pool_warning_words(result.portfolio)


def pool_warning_words(portfolio) -> list[str]:
    """Pools more than three times, or less than a third of, what the services' own models
    assume for the pooled resources: both figures, each service's own, and the resources whose
    model states none."""
    out = []
    for w in portfolio.warnings:
        if w["kind"] != "pool_far_from_models":
            continue
        pool = portfolio.pools.get(w["pool"])
        label = pool.label if pool else w["pool"].replace("_", " ")
        if w.get("area"):
            label = f"{label} ({str(w['area']).replace('_', ' ')})"
        how = "more than three times" if w["ratio"] > 1 else "less than a third of"
        parts = []
        for sname, figures in (w.get("by_service") or {}).items():
            for rid, hours in figures.items():
                parts.append(
                    f"{quantity(hours)} for {_resource_words(portfolio, f'{sname}.{rid}')}"
                )
        detail = f": {and_list(parts)}" if len(parts) > 1 else ""
        unstated = [_resource_words(portfolio, key) for key in (w.get("not_stated") or [])]
        missing = (
            f"; {and_list(unstated)} {'states' if len(unstated) == 1 else 'state'} no figure"
            if unstated
            else ""
        )
        out.append(
            f"{capital(label)}: {_hours(w['available'])} available, {how} what the services' "
            f"own models assume ({_hours(w['models_assume'])}{detail}{missing}): check where "
            "each figure comes from."
        )
    return out


def _resource_words(portfolio, key: str) -> str:
    """``service.resource`` in words: 'volunteer hour in Service A'."""
    from ..presentation.labels import Labels

    sname, _, rid = key.partition(".")
    svc = portfolio.services.get(sname)
    if svc is None:
        return rid.replace("_", " ")
    return f"{Labels(svc.model).lower(rid)} in {svc.label}"


def summary_parts(result) -> list[str]:
    """The answer in short paragraphs: the first recommendation, the joint plan, what a pooled
    hour is worth, and whether the answer turns on the valuation of time."""
    recs = recommendation_words(result)
    plan = plan_words(result)
    parts = []
    if recs:
        parts.append(recs[0].split(". ", 1)[1] if recs[0][:1].isdigit() else recs[0])
    parts.extend(plan[:2])
    sens = sensitivity_words(result)
    if sens:
        parts.append(sens[-1])
    parts.extend(warning_words(result))
    return parts


def stages_words(stages: Sequence[str]) -> str:
    return and_list([STAGE_WORDS.get(s, s.replace("_", "-")) for s in stages])
