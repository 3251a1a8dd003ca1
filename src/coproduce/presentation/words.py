"""Results said in words: the summaries and notes the CLI, the reports and ``--json`` share.

The engine returns numbers, identifiers and structured notes (``{"kind": ..., ...}``); this
module turns them into sentences with the model's labels (:class:`.labels.Labels`), figures
through :mod:`coproduce.formatting` and caveats through :mod:`.flags`. Summaries come as short
paragraphs (a list of strings): the terminal prints one a line, the reports one a paragraph or
list item, and ``--json`` keeps them joined as one string where a string was promised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..formatting import (
    count,
    currency_of,
    money,
    money_words,
    percent,
    plural,
    quantity,
    rate,
)
from .flags import flag_sentence
from .labels import Labels, lower_first

# ----- small pieces -------------------------------------------------------------------------


def and_list(parts: Sequence[str], sep: str = ", ") -> str:
    """'a', 'a and b', 'a, b and c' (``sep='; '`` for parts that hold commas)."""
    parts = [p for p in parts if p]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return sep.join(parts[:-1]) + " and " + parts[-1]


def amount(x: float | None, currency: str = "") -> str:
    """Money in a table when the currency is known (``£1,234``), else a plain quantity; less
    than half a penny is nothing (``£0``, not ``£0.00``)."""
    if x is not None and abs(x) < 0.005:
        x = 0.0
    return money(x, currency) if currency else quantity(x)


def amount_words(x: float | None, currency: str = "") -> str:
    """Money in a sentence when the currency is known (``£1.17m``), else a plain quantity."""
    return money_words(x, currency) if currency else quantity(x)


def signed(x: float, fmt=quantity) -> str:
    """A change with its sign: ``+200``, ``-62.5`` (ASCII minus), ``0``."""
    text = fmt(x)
    return text if text.startswith("-") or text in ("0", "£0") else f"+{text}"


def _word_in(unit: str, label: str) -> bool:
    return bool(unit) and re.search(rf"\b{re.escape(unit.lower())}\b", label.lower()) is not None


def of_unit(n: float, unit: str, label: str) -> str:
    """So much of a resource, in its unit: '38,873 volunteer hours (befrienders, …)' when the
    label names the unit, else '7,452 hours of older person's own time'."""
    if currency_of(unit):  # money given as a resource: £1,034,294 of charity funds
        return f"{money(n, currency_of(unit))} of {lower_first(label)}"
    if _word_in(unit, label):
        text = lower_first(label)
        return f"{quantity(n)} {text if float(n) == 1 else plural(text)}"
    if not unit or unit == "unit":  # the unit is not known: the amount and what it is of
        return f"{quantity(n)} of {lower_first(label)}"
    return f"{count(n, unit)} of {lower_first(label)}"


def per_words(unit: str) -> str:
    """'a person-year', 'an episode': one unit, for 'per' phrases in sentences."""
    article = "an" if unit[:1].lower() in "aeio" else "a"
    return f"{article} {unit}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _labels(labels: Labels | Mapping[str, str] | None) -> Labels:
    if isinstance(labels, Labels):
        return labels
    return Labels(None, extra=dict(labels or {}))


# ----- caveats of a set of volumes (engine/flags.py, engine/evaluate.py) -----------------------


_EVIDENCE_WORDS = {
    "contested": "Contested links (stakeholders dispute whether or how much they work) carry",
    "weak_evidence": "Weakly evidenced links (grade 2 or below) carry",
    "ungraded_evidence": "Links with no evidence grade carry",
    "complex": "A complex outcome (figures through it are indicative, not a forecast) carries",
}


def caveat_words(caveats: Mapping[str, Any], model=None) -> list[str]:
    """The caveats of a set of volumes (:meth:`coproduce.engine.flags.Caveats.to_dict`, or the
    ``caveats`` of a stored result) in sentences: evidence first, then practice (enabling
    inputs), then feasibility (capacity, resources available)."""
    lab = Labels(model)
    lines = []
    for kind, words in _EVIDENCE_WORDS.items():
        parts = [
            f"{percent(share)} of the effect on {lab.lower(t)}"
            for t, shares in (caveats.get("flag_shares") or {}).items()
            for k, share in shares.items()
            if k == kind and share > 0
        ]
        if parts:
            lines.append(f"{words} {and_list(parts)}.")
    for iid, reason in (caveats.get("no_public_input") or {}).items():
        lines.append(
            f"{lab(iid)} is co-produced with no public money behind it: co-production rarely "
            "produces value without some (Bovaird & Loeffler 2012)."
            if reason == "none_paid"
            else f"{lab(iid)} is co-produced but declares no enabling input: its effect is "
            "assumed not to depend on public support, which is rarely so."
        )
    for iid, e in (caveats.get("enabling_shortfall") or {}).items():
        cut = ", ".join(
            f"{lab(r)} {quantity(x['actual'])} of the {quantity(x['declared'])} "
            f"declared a {x.get('per', 'unit')}"
            for r, x in (e.get("inputs") or {}).items()
            if x["actual"] < x["declared"]
        )
        lines.append(
            f"{lab(iid)} keeps {percent(e['multiplier'])} of its effect: it uses less "
            f"of an enabling input than its effects were measured with ({cut})."
        )
    for iid, c in (caveats.get("over_capacity") or {}).items():
        lines.append(
            f"{lab(iid)} runs at {count(c['volume'], lab.unit(iid))} a period, above "
            f"its capacity of {quantity(c['capacity'])}: it cannot be delivered as it "
            "stands."
        )
    for r, x in (caveats.get("resources_short") or {}).items():
        lines.append(
            f"{capital(of_unit(x['needed'], lab.unit(r), lab(r)))} are needed, more "
            f"than the {quantity(x['available'])} available: it cannot be delivered "
            "as it stands."
        )
    return lines


# ----- notes of a simulation (engine/simulate.py) --------------------------------------------


def simulation_note(
    note: Mapping[str, Any], labels: Labels | Mapping[str, str] | None = None
) -> str:
    """One structured note of :func:`coproduce.engine.simulate.simulate` in a sentence."""
    lab = _labels(labels)
    kind = note.get("kind")
    who = lab(note["intervention"]) if "intervention" in note else ""
    if kind == "no_effect":
        target = lab.lower(note["outcome"])
        how = "lowers" if note.get("total_effect", 0) < 0 else "does not raise"
        return f"{who} {how} {target}, so it is not an option."
    if kind == "no_public_cost":
        return (
            f"{who} cannot be scaled to the same public spend: it has no public cost per "
            "unit, so it is not an option."
        )
    if kind == "fixed_cost_exceeds_spend":
        return (
            f"{who} cannot be scaled to the same public spend: its fixed public cost "
            f"({amount_words(note.get('fixed'), note.get('currency', ''))}) uses the whole "
            "of it, so it is not an option."
        )
    if kind == "curve_never_reaches":
        return (
            f"{who} cannot be scaled to the same public spend: its cost curve never "
            "reaches it, so it is not an option."
        )
    if kind == "over_capacity":
        unit = note.get("unit") or lab.unit(note["intervention"])
        return (
            f"{who} would need {count(note['volume'], unit)} a period, above its capacity "
            f"of {quantity(note['capacity'])}: it cannot be delivered as it stands."
        )
    if kind == "not_in_model":
        return (
            f"{who}, part of the option {lab(note['option'])}, is not in this model, so it "
            "is left out."
        )
    if kind == "belief_not_run":
        return f"The belief {lab(note['belief'])} was not run: {note.get('reason', '')}."
    return str(note.get("words") or note)


def simulation_notes(
    notes: Iterable[Mapping[str, Any]], labels: Labels | Mapping[str, str] | None = None
) -> list[str]:
    return [simulation_note(n, labels) for n in notes]


# ----- notes and summary of a backwards map (engine/backwards.py) --------------------------------


NO_PUBLIC_DECLARED = (
    "is co-production with no declared enabling input: its effect is assumed "
    "not to depend on public support, which is rarely so (Bovaird & Loeffler "
    "2012); declare the inputs that enable it under enabling in the model file"
)


def pathway_note(note: Mapping[str, Any], labels: Labels | Mapping[str, str] | None = None) -> str:
    """One caveat of a pathway (a structured note of the backwards map) in a sentence that
    names the links, outcomes or resources behind it."""
    lab = _labels(labels)
    kind = note["kind"]
    text = flag_sentence(kind)
    if kind == "no_public_input" and note.get("reason") == "none_declared":
        text = NO_PUBLIC_DECLARED
    if kind == "enabling_shortfall" and note.get("inputs"):
        text += (
            f" to {percent(note['multiplier'])} ("
            + "; ".join(
                f"{lab(r)}: {quantity(v['actual'])} of {quantity(v['declared'])} declared"
                for r, v in note["inputs"].items()
            )
            + ")"
        )
    if "share" in note:
        text += f"; {percent(note['share'])} of its effect on the target rests on such links"
    if kind == "over_available" and note.get("short"):
        text = "needs more of a resource than is available: " + "; ".join(
            f"{of_unit(v['needed'], lab.unit(r), lab(r))} against {quantity(v['available'])} "
            "available"
            for r, v in note["short"].items()
        )
    named = [f"{lab(a)} → {lab(b)}" for a, b in note.get("links", [])]
    named += [lab(o) for o in note.get("outcomes", [])]
    if named:
        more = note.get("more", 0)
        text += " (" + ", ".join(named) + (", …" if more else "") + ")"
    return "This pathway " + text + "."


def pathway_notes(
    notes: Iterable[Mapping[str, Any]], labels: Labels | Mapping[str, str] | None = None
) -> list[str]:
    return [pathway_note(n, labels) for n in notes]


def _target_words(result) -> str:
    unit = result.outcome_unit if result.amount == 1 else plural(result.outcome_unit)
    return f"{quantity(result.amount)} more {lower_first(result.outcome_label)} ({unit})"


def map_summary_parts(result) -> list[str]:
    """A backwards map (:class:`~coproduce.engine.backwards.BackwardsMap`) in short
    paragraphs: the answer, the caution on the leading pathway, the value of time, volunteers'
    wellbeing and enabling inputs that fall short."""
    what = _target_words(result)
    if not result.pathways:
        return [f"No intervention in this map reaches {what}."]
    cur = result.currency
    best = result.pathways[0]
    unit = result.outcome_unit
    cheapest_public = min(result.pathways, key=lambda p: (p.cost.public, p.intervention))
    parts = []
    if result.by == "public":
        parts.append(
            f"Reaching {what} costs the public purse least through {best.label}: "
            f"{money_words(best.cost.public, cur)} of public money, "
            f"{money(best.cost_per_outcome_public, cur)} per {unit}."
        )
    else:
        lead = (
            f"Reaching {what} costs least in full through {best.label}: "
            f"{money_words(best.cost.full, cur)} in all, "
            f"{money(best.cost_per_outcome_full, cur)} per {unit}, of which "
            f"{percent(best.coproduction_share)} is time and resources given by users and "
            "communities."
        )
        if cheapest_public.intervention != best.intervention:
            lead += (
                f" It costs the public purse least through {cheapest_public.label} "
                f"({money_words(cheapest_public.cost.public, cur)} of public money)."
            )
        parts.append(lead)
    if best.flags:
        caution = (
            f"Caution: the leading pathway, {best.label}, "
            + and_list([flag_sentence(f).split(":")[0] for f in best.flags], "; ")
            + "."
        )
        if "over_capacity" in best.flags and best.capacity is not None:
            caution += (
                f" It needs {count(best.volume, best.unit)} a period, above its "
                f"capacity of {quantity(best.capacity)}."
            )
        parts.append(caution)
    parts.append(map_time_value_words(result))
    if result.volunteer_wellbeing is not None:
        gains = [
            p
            for p in result.pathways
            if p.volunteer_wellbeing and p.volunteer_wellbeing["value"] > 0
        ]
        if gains:
            w = result.volunteer_wellbeing
            parts.append(
                "Apart from the programme's outcomes, volunteering itself is worth "
                f"{rate(w['per_hour'], cur)} an hour to the volunteers ({w['label']}): "
                + "; ".join(
                    f"{money_words(p.volunteer_wellbeing['value'], cur)} through {p.label}"
                    for p in gains[:3]
                )
                + ". It is not counted in the ranking."
            )
    for iid, short in result.enabling_shortfall.items():
        label = result.labels.get(iid, iid.replace("_", " "))
        lost = (
            "reaches nothing"
            if short["multiplier"] == 0
            else f"keeps {percent(short['multiplier'])} of its effect"
        )
        inputs = "; ".join(
            f"{lower_first(result.labels.get(r, r.replace('_', ' ')))} "
            f"{quantity(v['actual'])} of {quantity(v['declared'])} declared"
            for r, v in short["inputs"].items()
            if v["actual"] < v["declared"]
        )
        parts.append(
            f"{label} {lost}: the inputs that enable it fall short ({inputs}), and "
            "co-production rarely produces value without them."
        )
    return parts


def map_time_value_words(result) -> str:
    """How the ranking of a backwards map turns on the value put on users' and communities'
    time."""
    cur = result.currency
    basis = result.time_value or {}
    if basis.get("per_hour") is None:
        text = (
            "Users' and communities' time is valued as stated for each resource in the model file."
        )
    else:
        text = (
            f"Users' and communities' time is valued at {rate(basis['per_hour'], cur)} an "
            f"hour ({basis['label']})."
        )
    firsts = sorted(
        (p for p in result.pathways if p.first_on_full_cost_when_time_valued is not None),
        key=lambda p: p.first_on_full_cost_when_time_valued[0],
    )
    if len(firsts) < 2:
        return text
    parts = []
    for p in firsts:
        low, high = p.first_on_full_cost_when_time_valued
        if low == 0:
            parts.append(f"{p.label} while it is valued below {rate(high, cur)} an hour")
        elif high is None:
            parts.append(f"{p.label} above {rate(low, cur)}")
        else:
            parts.append(f"{p.label} from {rate(low, cur)} to {rate(high, cur)}")
    return text + (
        " Which pathway costs least in full depends on that value: " + "; ".join(parts) + "."
    )


def unreachable_words(result) -> list[str]:
    """Interventions of a backwards map that cannot help, as sentences."""
    out = []
    names = [result.labels.get(i, i.replace("_", " ")) for i in result.unreachable]
    if names:
        one = len(names) == 1
        out.append(
            f"{and_list(names)} {'has' if one else 'have'} no route to "
            f"{lower_first(result.outcome_label)}, so "
            f"{'it cannot' if one else 'they cannot'} help reach the target."
        )
    if result.no_net_gain:
        names = [result.labels.get(i, i.replace("_", " ")) for i in result.no_net_gain]
        one = len(names) == 1
        out.append(
            f"{and_list(names)} {'reaches' if one else 'reach'} "
            f"{lower_first(result.outcome_label)}, but "
            f"{'its' if one else 'their'} routes cancel out or do harm, so more of "
            f"{'it' if one else 'them'} does not help."
        )
    return out


# ----- a plan (engine/planning/result.py) ------------------------------------------------------


def plan_summary_items(p) -> list[tuple[str, str]]:
    """A plan (:class:`~coproduce.engine.planning.Plan`) in short paragraphs, each with its
    kind: ``answer`` (what it buys and costs), ``changes`` (from today), ``share`` (of
    users and communities), ``limits`` (what binds), ``caveats``, ``time`` (the value of
    time) and ``evidence`` (the evidence standard); ``answer`` alone when no plan is
    possible."""
    if p.status != "optimal":
        return [("answer", x) for x in (p.message, p.time_words(), p.evidence_words()) if x]
    cur = p.currency
    lab = p._label
    running = sorted(((v, k) for k, v in p.volumes.items() if v > 0), reverse=True)
    mix = [f"{lab(k)} ({count(v, p.units.get(k, 'unit'))})" for v, k in running[:6]]
    if len(running) > 6:
        mix.append(f"{len(running) - 6} more")
    mix_text = and_list(mix, "; ") if mix else ""
    measure = "the public purse" if p.objective == "public" else "all sectors together"
    items = []
    if p.mode == "least_cost":
        aims = and_list([f"{quantity(a)} {lower_first(lab(o))}" for o, a in p.targets.items()])
        on_top = (
            " on top of what today's services already achieve"
            if p.targets_as == "increase"
            else " in total, counted from nothing"
        )
        items.append(
            (
                "answer",
                f"Reaching {aims}{on_top} costs {measure} least through "
                f"{mix_text or 'no intervention at all'}: "
                f"{money_words(p.cost['public'], cur)} of public money a period, "
                f"{money_words(p.cost['full'], cur)} in full (the whole planned "
                "services, not only the change).",
            )
        )
    else:
        budgets = and_list(
            [
                f"{money_words(b, cur)} ({lab(k) if k != 'full' else 'all sectors'})"
                for k, b in p.budgets.items()
            ]
        )
        worth = (
            f"adding {money_words(p.objective_value, cur)} of value to today's outcomes"
            if p.targets_as == "increase"
            else f"worth {money_words(p.objective_value, cur)}"
        )
        text = (
            f"Within a budget of {budgets} for the whole planned services, the most "
            f"valuable mix is {mix_text or 'nothing'}, {worth} and costing "
            f"{money_words(p.cost['public'], cur)} of public money."
        )
        if p.targets:
            text += f" Its {p.reading}."
        items.append(("answer", text))
    changes = p.change_words()
    items.append(
        (
            "changes",
            "Changes from today: " + " ".join(changes)
            if changes
            else "It keeps every service at today's volume.",
        )
    )
    share = p.cost.get("coproduction_share", 0.0)
    if share:
        items.append(("share", f"Users and communities give {percent(share)} of its full cost."))
    binding = [c for c in p.constraints if c.binding and c.kind != "target"]
    if binding:
        items.append(("limits", "What limits it: " + " ".join(c.words for c in binding[:4])))
    caveats = p.caveat_words()
    if caveats:
        items.append(("caveats", "Caveats: " + " ".join(caveats)))
    items.append(("time", p.time_words()))
    if p.min_evidence:
        items.append(("evidence", p.evidence_words()))
    return items


def plan_summary_parts(p) -> list[str]:
    """:func:`plan_summary_items` without their kinds."""
    return [text for _, text in plan_summary_items(p)]
