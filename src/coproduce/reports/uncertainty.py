"""HTML report of an uncertainty analysis: where the evidence most worth paying for lies.

Four charts — the cost-effectiveness plane, the acceptability curve, the EVPPI ranking ("where
better evidence is worth most") and the tornado — each with its data as CSV, and a
plain-language summary naming the best option, its chance of being best and the input most
worth researching. Beside them, what a commissioner must weigh with the answer: each option's
caveats and whether it fits capacity and the resources available (an option that does not fit
is marked wherever it is named), the basis on which users' and communities' time is valued and
the range of values over which the answer holds, how it fares under each belief scenario, and
whether it survives leaving out weakly evidenced links. :func:`caveat_sentences` words these
for the report, the web page and the command line alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.draws import DrawsTable
from ..formatting import count, percent, plural, quantity, rate, share_of_variance
from ..presentation.flags import FLAGS, flag_label
from ..presentation.labels import Labels
from ..presentation.words import (
    amount,
    amount_words,
    and_list,
    capital,
    of_unit,
    simulation_notes,
)
from ..voi import EVPPI_METHOD, UncertaintyResult
from .charts import PALETTE, Marker, Row, Segment, Series, bar, figure, hbars, line_chart
from .page import csv_link, esc, render_page
from .tables import bullet_list, data_table, paragraphs

_SAMPLE = 1000  # points per option on the plane: enough to see the cloud, small file


LabelsLike = Labels | Mapping[str, str] | None


def _lab(labels: LabelsLike) -> Labels:
    """Labels from a :class:`Labels`, a dict of labels (ids spaced when missing) or None."""
    if isinstance(labels, Labels):
        return labels
    return Labels(None, extra=dict(labels or {}))


def _money(x: float, cur: str) -> str:
    """The one formatter's table amount (a plain figure when no currency is known)."""
    return amount(x, cur)


def describe_input(name: str, labels: LabelsLike = None) -> str:
    """An input of the draws in words: 'links[a->b].effect' -> 'the effect of a on b' (with the
    model's labels for a and b when ``labels`` gives them), a group 'all inputs of x' with the
    label of x; any other path through :meth:`Labels.path`."""
    lab = _lab(labels)
    if name.startswith("all inputs of "):
        return f"all inputs of {lab(name.removeprefix('all inputs of '))}"
    if name == "valuation of co-production time":
        return name
    m = re.fullmatch(r"links\[(\w+)->(\w+)\]\.effect(?: \[(\w+)\])?", name)
    if m:
        return f"the effect of {lab(m[1])} on {lab(m[2])}" + (
            f" (under {lab(m[3])})" if m[3] else ""
        )
    return lab.path(name)


FLAG_WORDS = {k: w.label for k, w in FLAGS.items()}
"""The flag kinds of engine/flags.py in words: the one vocabulary's labels."""

NOT_FIT = "does not fit"


def _per_hour(x: float, cur: str) -> str:
    return rate(x, cur) if cur else quantity(x)


def pct(p: float) -> str:
    """A probability as a percentage: '61%', 'under 1%' (never a misleading '0%')."""
    return percent(p)


def fits_of(d: dict, option: str) -> bool | None:
    """Whether an option fits capacity and availability (None when the result does not say)."""
    return ((d.get("summary") or {}).get(option) or {}).get("fits")


def why_not_fit(d: dict, option: str, labels: LabelsLike = None) -> str:
    """What stops an option fitting, in words ('' when it fits or the result does not say):
    'needs 203,571 volunteer hours (…) against 30,000 available'."""
    lab = _lab(labels)
    cav = (d.get("caveats") or {}).get(option) or {}
    parts = [
        f"needs {of_unit(x['needed'], lab.unit(rid), lab(rid))} against "
        f"{quantity(x['available'])} available"
        for rid, x in (cav.get("resources_short") or {}).items()
    ]
    parts += [
        f"needs {count(x['volume'], lab.unit(iid))} a period"
        + ("" if len(cav.get("over_capacity") or {}) == 1 else f" of {lab(iid)}")
        + f" against a capacity of {quantity(x['capacity'])}"
        for iid, x in (cav.get("over_capacity") or {}).items()
    ]
    return "; ".join(parts)


def marked(d: dict, option: str, labels: LabelsLike = None) -> str:
    """An option's name as every page shows it: its label, marked when it does not fit."""
    name = _lab(labels)(option)
    return f"{name} [{NOT_FIT}]" if fits_of(d, option) is False else name


def _range_words(lo: float, hi: float | None, cur: str) -> str:
    if hi is None:
        return "at any value" if lo <= 0 else f"at {_per_hour(lo, cur)} an hour or more"
    if lo <= 0:
        return f"below {_per_hour(hi, cur)} an hour"
    return f"between {_per_hour(lo, cur)} and {_per_hour(hi, cur)} an hour"


def caveat_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
    """What must be read with the answer, in plain words, from a result dict (``--json``):
    the option most often best if it is not the one with the highest expected net benefit,
    the best option that fits, the valuation of time and the range over which the answer
    holds, each belief and the evidence standard. Options that do not fit are marked."""
    return [
        *fit_sentences(d, labels),
        *time_sentences(d, labels),
        *belief_sentences(d, labels),
        *evidence_sentences(d, labels),
    ]


def fit_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
    """The option most often best (when it is not the one with the highest expected net
    benefit) and the most likely best of the options that fit."""
    lab = _lab(labels).get
    out = []
    best = d.get("best_option")
    likely = d.get("most_likely_best")
    summary = d.get("summary") or {}
    if likely and likely != best:
        out.append(
            f"The option most often best is {marked(d, likely, labels)} "
            f"({pct(summary[likely]['prob_best'])} of draws)."
        )
    if "best_that_fits" in d:
        fit = d["best_that_fits"]
        if fit is None:
            out.append(
                "No option fits capacity and the resources available: each would need "
                "more than there is."
            )
        elif fit != likely:
            n_fit = sum(1 for s in summary.values() if s.get("fits"))
            p = summary[fit]["prob_best"]
            when = f"best in {pct(p)} of draws" if p > 0 else "never best in these draws"
            if n_fit == 1:
                out.append(
                    f"Only {lab(fit, fit)} fits capacity and the resources available; it is {when}."
                )
            else:
                out.append(
                    f"Of the {n_fit} options that fit capacity and the resources "
                    f"available, {lab(fit, fit)} is most likely best ({when})."
                )
    return out


def time_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
    """The basis of the valuation of time and the range over which the answer holds."""
    cur = d.get("currency", "")
    likely = d.get("most_likely_best")
    out = []
    basis = d.get("time_value")
    if basis and basis.get("per_hour") is None:
        out.append(f"Users' and communities' time is valued {basis['label']}.")
    elif basis:
        out.append(
            f"Users' and communities' time is valued at "
            f"{_per_hour(basis['per_hour'], cur)} an hour ({basis['label']})."
        )
    if "most_likely_best_when_time_valued" in d and likely:
        rng = d["most_likely_best_when_time_valued"]
        name = marked(d, likely, labels)
        if rng is None:
            out.append(
                f"{name} is not the most likely best at any single value of an hour of "
                "users' and communities' time."
            )
        elif rng[0] <= 0 and rng[1] is None:
            out.append(
                f"{name} stays the most likely best whatever an hour of users' and "
                "communities' time is worth."
            )
        else:
            out.append(
                f"{name} stays the most likely best while an hour of users' and "
                f"communities' time is valued {_range_words(rng[0], rng[1], cur)}."
            )
    return out


def belief_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
    """Whether each belief changes the most likely best option (those that do not, in one
    sentence)."""
    out = []
    same: list[str] = []
    kept = None
    for b in (d.get("beliefs") or {}).values():
        new = b.get("most_likely_best")
        if new is None:
            continue
        if b.get("changes_most_likely_best"):
            out.append(
                f"Under the belief '{b['label']}', the most likely best option becomes "
                f"{marked(b, new, labels)} ({pct(b['summary'][new]['prob_best'])})."
            )
        else:
            same.append(f"'{b['label']}' ({pct(b['summary'][new]['prob_best'])})")
            kept = marked(b, new, labels)
    if same:
        each = "the belief" if len(same) == 1 else f"each of the {len(same)} beliefs"
        out.insert(0, f"{kept} stays the most likely best under {each} {'; '.join(same)}.")
    return out


def evidence_sentences(d: dict, labels: LabelsLike = None) -> list[str]:
    """Whether the most likely best option survives leaving out weakly evidenced links."""
    out = []
    ev = d.get("min_evidence")
    if ev:
        n = len(ev["links_dropped"])
        left = (
            f"Leaving out the {n} link{'s' if n != 1 else ''} graded below {ev['grade']}"
            if n
            else f"With no link graded below {ev['grade']}"
        )
        if ev.get("most_likely_best") is None:
            out.append(
                f"{left}, no option reaches the target: the recommendation does not "
                "survive that evidence standard."
            )
        elif ev["survives"]:
            out.append(
                f"{left}, {marked(d, ev['most_likely_best'], labels)} is still most "
                "likely best: the recommendation survives."
            )
        else:
            out.append(
                f"{left}, the most likely best option becomes "
                f"{marked(ev, ev['most_likely_best'], labels)}: the recommendation "
                "does not survive."
            )
    return out


def summary_parts(result: UncertaintyResult, labels: LabelsLike = None) -> list[str]:
    """The plain-language summary at the top of the report, in short paragraphs: the answer,
    what must be read with it, and where evidence pays; ``labels`` maps option and node ids to
    the model's labels (ids are spaced without them)."""
    lab = _lab(labels)
    d = result.to_dict()
    cur = d.get("currency", "")
    best = result.best_option
    target = d.get("target")
    if target:
        unit = target.get("unit") or "unit"
        what = (
            f"To reach {quantity(target['amount'])} more {lab.lower(target['outcome'])} "
            f"({unit if target['amount'] == 1 else plural(unit)}), valuing each {unit} at "
            f"{amount_words(result.wtp, cur)}"
        )
    else:
        what = f"At a willingness to pay of {amount_words(result.wtp, cur)} a unit"
    not_fit = why_not_fit(d, best, lab)
    mark = (
        f" — it does not fit: it {not_fit}"
        if not_fit
        else (f" — it {NOT_FIT}" if fits_of(d, best) is False else "")
    )
    parts = [
        f"{what}, the option with the highest expected net benefit is {lab(best)} "
        f"({amount_words(result.net_benefit[best][0], cur)}){mark}; it is the best option "
        f"in {percent(result.prob_best[best])} of {result.n_draws:,} draws."
    ]
    parts.extend(caveat_sentences(d, lab))
    parts.append(
        f"Resolving all uncertainty would be worth {amount_words(result.evpi, cur)} "
        "per decision (EVPI)."
    )
    top = result.top_input
    if top is not None:
        parts.append(
            f"The evidence most worth paying for is {describe_input(top, lab)}: "
            f"learning it exactly would be worth "
            f"{amount_words(result.evppi[top], cur)} (EVPPI)."
        )
    else:
        parts.append(
            "No single input changes the decision: further evidence on one input "
            "alone is not worth paying for."
        )
    if result.population_evpi is not None:
        parts.append(
            f"Over everyone affected, EVPI is {amount_words(result.population_evpi, cur)}."
        )
    if result.studies:
        best = max(result.studies.values(), key=lambda s: s["best_enbs"])
        parts.append(study_sentence(best, cur, lab))
    return parts


def summary_text(result: UncertaintyResult, labels: LabelsLike = None) -> str:
    """:func:`summary_parts` as one paragraph (also used by tests)."""
    return " ".join(summary_parts(result, labels))


def notes_words(d: dict, labels: LabelsLike = None) -> list[str]:
    """The notes of the run (options left out or marked) in words with the model's labels,
    from ``notes_data`` when the result carries it."""
    if d.get("notes_data") is not None:
        return simulation_notes(d["notes_data"], _lab(labels))
    return list(d.get("notes") or [])


# ----- which study to commission (EVSI, ENBS, the research agenda) ---------------------------

_MEASURES = {
    "survey": "a survey of residents measuring {what}",
    "trial_binary": "a two-arm trial measuring {what}",
    "binary": "a one-arm study measuring {what}",
    "normal_known": "a study measuring {what}",
    "pilot": "a pilot measuring {what}",
}


def study_title(study: Mapping, labels: LabelsLike = None) -> str:
    """A study as a reader names it: its own label, else its design in words with the model's
    labels ('a pilot of Peer support groups', 'a survey of residents measuring …')."""
    if study.get("label"):
        return str(study["label"])
    lab = _lab(labels)
    if study["design"] == "pilot" and study.get("intervention"):
        return f"a pilot of {lab(study['intervention'])}"
    what = and_list([describe_input(p, lab) for p in study["informs"]])
    return _MEASURES.get(study["design"], "a study measuring {what}").format(what=what)


def study_at(study: Mapping, n: int, labels: LabelsLike = None) -> str:
    """A study of a given size as a reader names it: 'a pilot of Peer support groups with 400
    participants', 'a survey of 1,000 residents measuring …'."""
    if study["design"] == "survey" and not study.get("label"):
        return study_title(study, labels).replace(
            "a survey of residents", f"a survey of {count(n, 'resident')}", 1
        )
    return f"{study_title(study, labels)} {study_size(study, n)}"


def study_size(study: Mapping, n: int) -> str:
    """'with 200 participants', 'of 1,000 residents', 'with 100 participants in each arm'."""
    if study["design"] == "survey":
        return f"of {count(n, 'resident')}"
    if study["design"] == "trial_binary":
        return f"with {count(n, 'participant')} in each arm"
    return f"with {count(n, 'participant')}"


def study_sentence(study: Mapping, cur: str, labels: LabelsLike = None) -> str:
    """Whether a study is worth commissioning, in one sentence, at its best size: 'A pilot of
    Peer support groups with 400 participants would be worth £9.21m to the decision and cost
    £80k: worth commissioning (…)'."""
    n = study["best_n"]
    worth = amount_words(study["best_population_evsi"], cur)
    cost = amount_words(study["best_cost"], cur)
    enbs, lo, hi = study["best_enbs"], study.get("best_low"), study.get("best_high")
    head = (
        f"{capital(study_at(study, n, labels))} would be worth {worth} to the decision and "
        f"cost {cost}"
    )
    if study["worth_commissioning"]:
        rng = (
            ""
            if lo is None
            else (f"; 95% interval {amount_words(lo, cur)} to {amount_words(hi, cur)}")
        )
        doubt = (
            " The interval includes a loss: more draws would narrow it."
            if lo is not None and lo < 0
            else ""
        )
        sizes = len(study["points"])
        which = f", the best of the {sizes} sizes weighed" if sizes > 1 else ""
        return (
            f"{head}: worth commissioning{which} (expected net benefit of sampling "
            f"{amount_words(enbs, cur)}{rng}).{doubt}"
        )
    if len(study["points"]) > 1:
        return (
            f"{head}: not worth commissioning at that cost, and no other size weighed "
            f"repays it (the best falls {amount_words(-enbs, cur)} short)."
        )
    return (
        f"{head}: not worth commissioning at that cost (it falls {amount_words(-enbs, cur)} short)."
    )


def study_sentences(d: Mapping, labels: LabelsLike = None) -> list[str]:
    """One sentence a study (:func:`study_sentence`), the most worth commissioning first, and
    what they were valued over."""
    studies = d.get("studies") or {}
    if not studies:
        return []
    cur = d.get("currency", "")
    order = sorted(studies.values(), key=lambda s: -s["best_enbs"])
    out = [study_sentence(s, cur, labels) for s in order]
    out.append(settings_sentence(d))
    return out


def settings_sentence(d: Mapping) -> str:
    """What a study's worth is counted over: people a year, years, the discount rate."""
    st = d.get("study_settings") or {}
    pop = st.get("population")
    years = st.get("horizon_years")
    if pop is None or years is None:
        return ""
    who = (
        f"{quantity(pop)} {'person or decision' if pop == 1 else 'people or decisions'} a year"
        if np.ndim(pop) == 0
        else "the people or decisions given for each year"
    )
    rate = f"{100 * float(st.get('discount_rate', 0.035)):.4g}%"
    return (
        f"A study's worth to the decision is its expected value of sample information "
        f"(EVSI) for {who} over {count(years, 'year')}, discounted at {rate} a year; "
        "its cost is the fixed cost plus the cost of each participant."
    )


def agenda_sentences(d: Mapping, labels: LabelsLike = None) -> list[str]:
    """The research agenda in words: the study most worth commissioning first, how many weak
    links would repay a study, and how many no study could change the decision on."""
    rows = d.get("research_agenda")
    if rows is None:
        return []
    cur = d.get("currency", "")
    grade = ((d.get("study_settings") or {}).get("agenda") or {}).get("max_grade", 2)
    if not rows:
        return [
            f"No link graded {grade} or below (or ungraded) is uncertain in these draws: "
            "there is no weakly evidenced link to study."
        ]
    worth = [r for r in rows if r["worth_commissioning"]]
    out = []
    if worth:
        top = worth[0]
        out.append(
            f"Of the {count(len(rows), 'weakly evidenced link')} whose effect is "
            f"uncertain, the study most worth commissioning is "
            f"{with_article(top['design'])} (the "
            f"effect of {top['link'].replace(' → ', ' on ', 1)}) with "
            f"{count(top['best_n'], 'participant')}: worth "
            f"{amount_words(top['best_enbs'], cur)} more than its cost of "
            f"{amount_words(top['cost'], cur)}."
        )
        if len(worth) > 1:
            out.append(
                f"{len(worth) - 1} other weak link{'s' if len(worth) > 2 else ''} "
                f"would repay a study of {'their' if len(worth) > 2 else 'its'} own."
            )
    else:
        out.append(
            f"None of the {count(len(rows), 'weakly evidenced link')} whose effect is "
            "uncertain would repay a study at these costs."
        )
    idle = len(rows) - len(worth)
    if worth and idle:
        out.append(
            f"For the other {count(idle, 'link')}, no study of the sizes weighed repays its cost."
        )
    return out


def with_article(design: str) -> str:
    """'pilot of X' -> 'a pilot of X', 'evaluation of …' -> 'an evaluation of …'."""
    return f"{'an' if design[:1].lower() in 'aeiou' else 'a'} {design}"


def agenda_shown(d: Mapping) -> tuple[list[dict], int]:
    """The agenda's rows worth showing (a study repays its cost, or learning the link's effect
    would be worth something: above a millionth of EVPI and half a penny) and how many
    others there are (worth nothing to the decision: regression noise)."""
    rows = list(d.get("research_agenda") or [])
    floor = max(1e-6 * abs(d.get("evpi") or 0.0), 0.005)
    shown = [r for r in rows if r["worth_commissioning"] or r["evppi"] > floor]
    return shown, len(rows) - len(shown)


def distinct(texts: list[str]) -> list[str]:
    """Labels made distinct: a label already used gets ' (2)', ' (3)' ... so no two rows of a
    chart read the same."""
    seen: dict[str, int] = {}
    out = []
    for t in texts:
        seen[t] = seen.get(t, 0) + 1
        out.append(t if seen[t] == 1 else f"{t} ({seen[t]})")
    return out


def chart_frames(result: UncertaintyResult, table: DrawsTable) -> dict[str, pd.DataFrame]:
    """The data behind each chart, as CSV-ready frames."""
    out: dict[str, pd.DataFrame] = {}
    if table.has_effects:
        assert table.effect is not None and table.cost is not None
        n = table.n_draws
        idx = np.linspace(0, n - 1, min(n, _SAMPLE)).astype(int)
        out["plane"] = pd.DataFrame(
            [
                {
                    "option": o,
                    "draw": int(k),
                    "effect": float(table.effect[k, j]),
                    "cost": float(table.cost[k, j]),
                }
                for j, o in enumerate(table.options)
                for k in idx
            ]
        )
    if result.ceac is not None:
        rows = []
        for lam, probs, best in zip(result.ceac_grid, result.ceac, result.ceaf, strict=True):
            rows.extend(
                {"wtp": lam, "option": o, "prob_best": float(p), "best_expected": best == o}
                for o, p in zip(result.options, probs, strict=True)
            )
        out["ceac"] = pd.DataFrame(rows)
    se, r2 = result.evppi_se or {}, result.evppi_r2 or {}
    out["evppi"] = pd.DataFrame(
        [
            {
                "input": k,
                "evppi": v,
                "group": k in result.groups,
                **({"se": se.get(k), "r2": r2.get(k)} if se else {}),
            }
            for k, v in result.evppi.items()
        ]
    )
    out["tornado"] = pd.DataFrame([b.to_dict() for b in result.tornado])
    if result.studies:
        out["studies"] = studies_frame(result.to_dict())
    if result.research_agenda is not None:
        out["agenda"] = agenda_frame(result.to_dict())
    return out


STUDY_COLUMNS = [
    "study",
    "design",
    "label",
    "informs",
    "n",
    "participants",
    "evsi",
    "se",
    "population_evsi",
    "cost",
    "enbs",
    "low",
    "high",
    "best",
    "worth_commissioning",
]
AGENDA_COLUMNS = [
    "link",
    "from",
    "to",
    "grade",
    "evppi",
    "design",
    "best_n",
    "best_enbs",
    "cost",
    "evsi_at_best",
    "worth_commissioning",
]


def studies_frame(d: Mapping) -> pd.DataFrame:
    """Every study at every size (the data behind the EVSI and ENBS curves): ids and paths as
    ``--json`` gives them; money per decision (``evsi``, ``se``) and over the population
    (``population_evsi``, ``cost``, ``enbs`` and its 95% interval ``low``–``high``)."""
    rows = []
    for name, st in (d.get("studies") or {}).items():
        for p in st["points"]:
            rows.append(
                {
                    "study": name,
                    "design": st["design"],
                    "label": st.get("label", ""),
                    "informs": ";".join(st["informs"]),
                    "n": p["n"],
                    "participants": p["n"] * st.get("participants_per_n", 1),
                    "evsi": p["evsi"],
                    "se": p["se"],
                    "population_evsi": p["population_evsi"],
                    "cost": p["cost"],
                    "enbs": p["enbs"],
                    "low": p["low"],
                    "high": p["high"],
                    "best": p["n"] == st["best_n"],
                    "worth_commissioning": p["enbs"] > 0,
                }
            )
    return pd.DataFrame(rows, columns=STUDY_COLUMNS)


def agenda_frame(d: Mapping) -> pd.DataFrame:
    """The research agenda, one row per weakly evidenced link (CSV: ids kept in from/to)."""
    return pd.DataFrame(list(d.get("research_agenda") or []), columns=AGENDA_COLUMNS)


def _interval95(v: float, se: float | None) -> tuple[float, float] | None:
    return None if se is None else (max(v - 1.96 * se, 0.0), v + 1.96 * se)


def residual_check(
    result: UncertaintyResult, table: DrawsTable, name: str, points: int = 1000
) -> dict | None:
    """The regression behind the EVPPI of ``name`` (an input or a group), for the comparison
    that decides: the option with the highest expected net benefit against the runner-up.
    ``fitted``/``residual`` (sampled to ``points`` draws for a chart), that comparison's R²,
    the two options; None with one option or an input that does not vary."""
    from ..voi.analysis import evppi_fit, r_squared

    if len(result.options) < 2:
        return None
    cols = list(result.groups[name]) if name in result.groups else [name]
    if any(c not in table.inputs.columns for c in cols):
        return None
    nb = table.net_benefit(result.wtp)
    fit = evppi_fit(nb, table.inputs[cols].to_numpy(dtype=float))
    if fit is None:
        return None
    order = np.argsort(-nb.mean(axis=0), kind="stable")
    a, b = int(order[0]), int(order[1])
    full = np.column_stack([np.zeros(nb.shape[0]), fit.fitted])
    y = nb[:, a] - nb[:, b]
    f = full[:, a] - full[:, b]
    idx = np.linspace(0, len(y) - 1, min(len(y), points)).astype(int)
    return {
        "fitted": f[idx],
        "residual": (y - f)[idx],
        "r2": r_squared(y[:, None], f[:, None]),
        "better": result.options[a],
        "other": result.options[b],
    }


def _economics_sections(d: dict, labels: LabelsLike) -> list[tuple[str, str]]:
    """The sections on the valuation of time, beliefs and the evidence standard (those the
    result has)."""
    cur = d.get("currency", "")
    lab = _lab(labels)
    out = []
    tv = d.get("time_value_switching")
    basis = d.get("time_value")
    if tv is not None:
        words = paragraphs(time_sentences(d, lab))
        rows = [
            {
                "Value of an hour from": _per_hour(iv["low"], cur),
                "To": "no limit" if iv["high"] is None else _per_hour(iv["high"], cur),
                "Most likely best": marked(d, iv["option"], lab),
            }
            for iv in tv["most_likely_best"]
        ]
        exp = [
            {
                "Value of an hour from": _per_hour(iv["low"], cur),
                "To": "no limit" if iv["high"] is None else _per_hour(iv["high"], cur),
                "Highest expected net benefit": marked(d, iv["option"], lab),
            }
            for iv in tv["best_expected"]
        ]
        ref = tv.get("reference_per_hour")
        out.append(
            (
                "The value of users' and communities' time",
                words
                + data_table(rows)
                + data_table(exp)
                + "<p>One value an hour for every resource of users' and communities' "
                "time measured in hours"
                + (
                    f"; the analysis uses {esc(_per_hour(ref, cur))} an hour on average"
                    if ref is not None
                    else ""
                )
                + f". Method: {esc(tv.get('method', ''))}.</p>",
            )
        )
    elif basis:
        out.append(
            (
                "The value of users' and communities' time",
                f"<p>Valued {esc(basis['label'])}.</p>"
                if basis.get("per_hour") is None
                else f"<p>Valued at {esc(_per_hour(basis['per_hour'], cur))} an hour "
                f"({esc(basis['label'])}).</p>",
            )
        )
    beliefs = d.get("beliefs") or {}
    if beliefs:
        likely = d.get("most_likely_best")
        rows = []
        for b in beliefs.values():
            new = b["most_likely_best"]
            rows.append(
                {
                    "Belief": b["label"],
                    "Most likely best": marked(b, new, lab),
                    "Chance it is best": pct(b["summary"][new]["prob_best"]),
                    "Changes the answer": "yes" if b["changes_most_likely_best"] else "no",
                    f"Chance {marked(d, likely, lab)} is best": pct(
                        b["summary"].get(likely, {}).get("prob_best", 0.0)
                    ),
                }
            )
        out.append(
            (
                "Beliefs: the same options under other readings of the evidence",
                data_table(rows)
                + "<p>A belief scenario is another reading of the evidence, not something "
                "the partnership can choose: each is run on the same options (the same "
                "volumes) with the same seed, as a sensitivity analysis, never as an "
                "option.</p>",
            )
        )
    ev = d.get("min_evidence")
    if ev:
        words = evidence_sentences(d, lab)
        dropped = [
            f"{lab(a)} → {lab(b)}" for a, _, b in (x.partition("->") for x in ev["links_dropped"])
        ]
        out.append(
            (
                "The evidence standard",
                paragraphs(words) + f"<p>Links left out: {esc(and_list(dropped) or 'none')}.</p>",
            )
        )
    return out


def _regression_check(
    result: UncertaintyResult,
    table: DrawsTable,
    shown: pd.DataFrame,
    texts: list[str],
    lab: Labels,
    cash,
) -> str:  # type: ignore[no-untyped-def]
    """The R² and standard error of each EVPPI shown, and the residual plot of the top one."""
    r2, se = result.evppi_r2 or {}, result.evppi_se or {}
    rows = [
        {
            "Input or group of inputs": t,
            "EVPPI": float(v),
            "Standard error": se.get(k),
            "R² of the fit": r2.get(k),
        }
        for t, k, v in zip(texts, shown["input"], shown["evppi"], strict=True)
    ]
    body = (
        "<p>Each EVPPI is read from a regression of the incremental net benefit on the "
        "input (or group). R² is the share of the spread of the incremental net benefit "
        "the regression explains (one minus residual over total sum of squares), pooled "
        "over the options' comparisons with "
        "the first: for one input among many it is expected to be modest (the rest is the "
        "other inputs' uncertainty), and it is the pattern of the residuals that shows "
        "whether the smoother missed a shape. The standard error is the spread of the "
        "EVPPI over coefficients drawn from the regression's posterior.</p>"
        + data_table(
            rows, {"EVPPI": cash, "Standard error": cash, "R² of the fit": share_of_variance}
        )
    )
    top = result.top_input
    check = residual_check(result, table, top) if top is not None else None
    if check is not None:
        name = describe_input(top, lab)
        cur = (result.meta or {}).get("currency", "")
        lo, hi = float(np.min(check["fitted"])), float(np.max(check["fitted"]))
        chart = line_chart(
            [
                Series(
                    "one draw",
                    [float(v) for v in check["fitted"]],
                    [float(v) for v in check["residual"]],
                    PALETTE[0],
                    points=True,
                )
            ],
            title=f"Residuals of the regression on {name}",
            x_title=f"Fitted net benefit of {lab(check['better'])} over {lab(check['other'])}"
            f"{f' ({cur})' if cur else ''}",
            y_title=f"Residual: actual less fitted{f' ({cur})' if cur else ''}",
            x_fmt=cash,
            y_fmt=cash,
            hline=0.0,
            legend=False,
            height=300,
            x_range=(lo - 0.03 * (hi - lo or 1.0), hi + 0.03 * (hi - lo or 1.0)),
        )
        body += (
            f"<p>The residuals of the regression for the input most worth researching, "
            f"{esc(name)}, in the comparison that decides ({esc(lab(check['better']))} "
            f"against {esc(lab(check['other']))}; "
            f"R² {share_of_variance(check['r2'])}): a cloud with no "
            "curve or funnel means the smoother has caught the shape of the relation.</p>"
            + figure(chart)
        )
    return body


def _study_series(
    d: Mapping, lab: Labels
) -> tuple[list[Series], list[Series], tuple[float, float], str]:
    studies = d["studies"]
    titles = distinct([capital(study_title(s, lab)) for s in studies.values()])
    colour = {k: PALETTE[j % len(PALETTE)] for j, k in enumerate(studies)}
    evsi_series, enbs_series = [], []
    for (k, st), title in zip(studies.items(), titles, strict=True):
        ns = [float(p["n"]) for p in st["points"]]
        evsi_series.append(
            Series(title, ns, [p["evsi"] for p in st["points"]], colour[k], markers=True)
        )
        enbs_series.append(
            Series(title, ns, [p["enbs"] for p in st["points"]], colour[k], markers=True)
        )
    ceilings = [
        Series(
            f"{t}: learning its inputs exactly (EVPPI)",
            [float(st["points"][0]["n"]), float(st["points"][-1]["n"])],
            [st["evppi"]] * 2,
            colour[k],
            dash=True,
            width=1.5,
        )
        for (k, st), t in zip(studies.items(), titles, strict=True)
        if len(studies) <= 4
    ]
    all_n = [float(p["n"]) for st in studies.values() for p in st["points"]]
    pad = 0.04 * ((max(all_n) - min(all_n)) or max(all_n))
    x_range = (max(min(all_n) - pad, 0.0), max(all_n) + pad)  # room for the end markers
    size_axis = (
        "Study size (participants; in each arm for a two-arm trial)"
        if any(s["design"] == "trial_binary" for s in studies.values())
        else "Study size (participants)"
    )
    return evsi_series + ceilings, enbs_series, x_range, size_axis


def study_charts(d: Mapping, labels: LabelsLike = None) -> tuple[str, str]:
    """The EVSI and the ENBS of each study against its size, as two SVG charts (labelled
    axes, money ticks, a zero line for ENBS); ('', '') without studies."""
    if not d.get("studies"):
        return "", ""
    lab = _lab(labels)
    cur = d.get("currency", "")

    def cash(x: float) -> str:
        return amount(x, cur)

    evsi_series, enbs_series, x_range, size_axis = _study_series(d, lab)
    money_unit = f" ({cur})" if cur else ""
    evsi_chart = line_chart(
        evsi_series,
        title="What a study would be worth per decision, by its size",
        x_title=size_axis,
        y_title="Expected value of sample information per decision" + money_unit,
        x_fmt=quantity,
        y_fmt=cash,
        height=300,
        x_range=x_range,
    )
    enbs_chart = line_chart(
        enbs_series,
        title="Expected net benefit of sampling, by size",
        x_title=size_axis,
        y_title=f"Worth to the decision less the study's cost (ENBS){money_unit}",
        x_fmt=quantity,
        y_fmt=cash,
        hline=0.0,
        height=300,
        x_range=x_range,
    )
    return evsi_chart, enbs_chart


def _studies_section(d: dict, frame: pd.DataFrame, lab: Labels, cash) -> str:  # type: ignore[no-untyped-def]
    """EVSI and ENBS of each study against its size, in words, two charts and a table."""
    studies = d["studies"]
    cur = d.get("currency", "")
    titles = distinct([capital(study_title(s, lab)) for s in studies.values()])
    evsi_chart, enbs_chart = study_charts(d, lab)
    rows = []
    for (_k, st), title in zip(studies.items(), titles, strict=True):
        for p in st["points"]:
            rows.append(
                {
                    "Study": title,
                    "Size": study_size(st, p["n"]).split(" ", 1)[1],
                    "EVSI per decision": p["evsi"],
                    "±": None if p["se"] is None else 1.96 * p["se"],
                    "Worth to the decision": p["population_evsi"],
                    "Cost": p["cost"],
                    "ENBS": p["enbs"],
                    "95% interval": "–"
                    if p["low"] is None
                    else f"{cash(p['low'])} to {cash(p['high'])}",
                    "Best size": "yes" if p["n"] == st["best_n"] else "",
                }
            )
    ceiling_words = [
        f"Learning exactly what {study_title(st, lab)} would measure "
        f"({and_list([describe_input(i, lab) for i in st['informs']])}) would be "
        f"worth {amount_words(st['evppi'], cur)} per decision (EVPPI): the most any "
        "study of it could be worth."
        for st in studies.values()
    ]
    sd_words = [
        f"{capital(t)} has a per-participant standard deviation of "
        f"{and_list([quantity(v) for v in st['sd']])}"
        + (
            " set by the evidence grade of what it measures (a convention: the "
            "evidence of grade 1 to 5 read as one study of 10, 30, 100, 300 or 1,000 "
            "participants)"
            if st.get("sd_source") == "evidence grade"
            else " (the default)"
            if st.get("sd_source") == "default"
            else " as stated"
        )
        + "."
        for (_k, st), t in zip(studies.items(), titles, strict=True)
        if st.get("sd")
    ]
    return (
        paragraphs(study_sentences(d, lab))
        + figure(evsi_chart)
        + figure(enbs_chart)
        + data_table(
            rows,
            {
                "EVSI per decision": cash,
                "±": cash,
                "Worth to the decision": cash,
                "Cost": cash,
                "ENBS": cash,
                "95% interval": str,
            },
        )
        + csv_link(frame, "studies.csv")
        + paragraphs(ceiling_words + sd_words)
        + "<p>EVSI by regression on summary statistics of simulated study data (Strong, "
        "Oakley, Brennan &amp; Breeze 2015), the default method of the R package voi; "
        "± is a 95% interval (1.96 standard errors) of the regression; ENBS = EVSI × the "
        "discounted population − (fixed cost + participants × cost per participant).</p>"
    )


def _agenda_section(d: dict, frame: pd.DataFrame, lab: Labels, cash) -> str:  # type: ignore[no-untyped-def]
    """The research agenda: the recommended study for each weakly evidenced link."""
    shown, rest = agenda_shown(d)
    rows = [
        {
            "Link": r["link"],
            "Evidence grade": "ungraded" if r["grade"] is None else f"{r['grade']} of 5",
            "EVPPI": r["evppi"],
            "Recommended study": (
                capital(f"{r['design']} with {count(r['best_n'], 'participant')}")
                if r["worth_commissioning"]
                else "None: no study of the sizes weighed repays its cost"
            ),
            "ENBS": r["best_enbs"],
            "Cost": r["cost"],
        }
        for r in shown
    ]
    settings = (d.get("study_settings") or {}).get("agenda") or {}
    cur = d.get("currency", "")
    text = paragraphs(agenda_sentences(d, lab))
    if rows:
        text += data_table(rows, {"EVPPI": cash, "ENBS": cash, "Cost": cash})
    if rest:
        text += (
            f"<p>{esc(capital(count(rest, 'other weakly evidenced link')))}: learning "
            f"{'its' if rest == 1 else 'their'} effect exactly would be worth nothing to "
            "this decision, so no study of "
            f"{'it' if rest == 1 else 'them'} could be (listed in the CSV).</p>"
        )
    text += csv_link(frame, "agenda.csv", "Download the research agenda (CSV)")
    if settings:
        text += (
            f"<p>For every link graded {settings.get('max_grade', 2)} or below (or "
            "ungraded) whose effect is uncertain: a pilot of the intervention it leaves (an "
            "evaluation, for a link between outcomes) measuring its effect, of "
            f"{esc(and_list([quantity(n) for n in settings.get('sizes', [])]))} "
            f"participants, costing {esc(amount_words(settings.get('fixed_cost', 0), cur))}"
            f" plus {esc(amount_words(settings.get('cost_per_participant', 0), cur))} a "
            "participant; a participant's standard deviation set by the link's evidence "
            "grade (a convention). Sorted by ENBS, the study most worth commissioning "
            "first.</p>"
        )
    return text


def write_report(
    result: UncertaintyResult, table: DrawsTable, out: str | Path, labels: LabelsLike = None
) -> None:
    """Write the self-contained HTML report to ``out``; ``labels`` (a :class:`Labels` of the
    model, or ids to labels) names options and inputs in words on the page, while the CSV
    files keep the ids."""
    lab = _lab(labels)
    d = result.to_dict()
    cur = d.get("currency", "")
    frames = chart_frames(result, table)
    sections: list[tuple[str, str]] = []

    def name(o: str) -> str:  # an option that does not fit is marked wherever it is named
        return marked(d, o, lab)

    def cash(x: float) -> str:
        return amount(x, cur)

    rows = []
    for o in sorted(result.options, key=lambda o: -result.net_benefit[o][0]):
        m, lo, hi = result.net_benefit[o]
        row = {
            "Option": name(o),
            "Net benefit (mean)": m,
            "95% interval": f"{cash(lo)} to {cash(hi)}",
            "Chance it is best": result.prob_best[o],
        }
        if result.cost_per_outcome is not None:
            row["Net cost per outcome (mean)"] = result.cost_per_outcome[o][0]
        if result.fits is not None:
            row["Fits capacity and resources"] = (
                "yes" if result.fits[o] else "no: " + why_not_fit(d, o, lab)
            )
            row["Caveats"] = ", ".join(flag_label(f) for f in result.flags(o)) or "–"
        rows.append(row)
    summary = summary_parts(result, lab)
    sections.append(("In short", bullet_list(summary[1:])))
    sections.append(
        (
            "Options",
            data_table(
                rows,
                {
                    "Net benefit (mean)": cash,
                    "95% interval": str,
                    "Chance it is best": percent,
                    "Net cost per outcome (mean)": cash,
                },
            )
            + "<p>Net benefit is the willingness to pay times the target outcome "
            "reached, plus the value of other outcomes, less the full cost (all "
            "sectors, including the time of users "
            f"and communities){f', in {esc(cur)}' if cur else ''}.</p>"
            + (
                f"<p>An option marked [{NOT_FIT}] needs more than its capacity or "
                "more of a resource than is available (volunteer hours): it cannot be "
                "delivered as it stands, whatever its net benefit.</p>"
                if result.fits is not None
                else ""
            ),
        )
    )
    sections.extend(_economics_sections(d, lab))
    colour = {o: PALETTE[k % len(PALETTE)] for k, o in enumerate(result.options)}
    if "plane" in frames:
        plane = frames["plane"]
        series = []
        for o, sub in plane.groupby("option", sort=False):
            step = max(1, len(sub) // 400)  # 400 dots an option draw the cloud; CSV has all
            series.append(
                Series(
                    name(str(o)),
                    sub["effect"].tolist()[::step],
                    sub["cost"].tolist()[::step],
                    colour[str(o)],
                    points=True,
                )
            )
        unit = (d.get("target") or {}).get("unit") or "unit"
        chart = line_chart(
            series,
            title="Cost-effectiveness plane (each dot is one draw)",
            x_title=f"Target outcome reached ({plural(unit)})",
            y_title=f"Net cost{f' ({cur})' if cur else ''}",
            x_fmt=quantity,
            y_fmt=cash,
            height=360,
        )
        sections.append(("Cost-effectiveness plane", figure(chart) + csv_link(plane, "plane.csv")))
    if "ceac" in frames:
        ceac = frames["ceac"]
        series = [
            Series(name(str(o)), sub["wtp"].tolist(), sub["prob_best"].tolist(), colour[str(o)])
            for o, sub in ceac.groupby("option", sort=False)
        ]
        chart = line_chart(
            series,
            title="How likely each option is to be the best buy",
            x_title=f"Willingness to pay per unit{f' ({cur})' if cur else ''}",
            y_title="Chance of being the best option",
            x_fmt=cash,
            y_fmt=lambda v: f"{v:.0%}",
            y_range=(0.0, 1.0),
            markers=[Marker(result.wtp, "this analysis")],
        )
        front = pd.DataFrame([r.to_dict() for r in result.frontier])
        shown = [
            {
                "Option": name(r.option),
                "Cost": r.cost,
                "Effect": r.effect,
                "Extra cost": r.inc_cost,
                "Extra effect": r.inc_effect,
                "Extra cost per extra unit of effect": r.icer,
                "Status": r.status.replace("_", " "),
            }
            for r in result.frontier
        ]
        sections.append(
            (
                "Acceptability curve and incremental analysis",
                figure(chart)
                + csv_link(ceac, "ceac.csv")
                + "<p>Incremental analysis (options dominated, or extendedly "
                "dominated by a mix of neighbours, are set aside):</p>"
                + data_table(
                    shown,
                    {"Cost": cash, "Extra cost": cash, "Extra cost per extra unit of effect": cash},
                )
                + csv_link(front, "frontier.csv"),
            )
        )
    ev = frames["evppi"]
    if len(ev):
        # inputs worth under 0.1% of the largest are noise: listed in the CSV, not drawn
        shown_ev = ev[ev["evppi"] > 1e-3 * ev["evppi"].max()].head(20)
        texts = distinct([describe_input(i, lab) for i in shown_ev["input"]])
        ses = result.evppi_se or {}
        bars = []
        for t, k, v, g in zip(
            texts, shown_ev["input"], shown_ev["evppi"], shown_ev["group"], strict=True
        ):
            se = ses.get(k)
            ev_row = bar(
                t,
                float(v),
                cash(v) if se is None else f"{cash(v)} ± {cash(1.96 * se)}",
                "#8e6bb8" if g else "#2b7bb9",
            )
            ev_row.interval = _interval95(float(v), se)
            bars.append(ev_row)
        legend = [("one input", "#2b7bb9", "box"), ("a group of inputs", "#8e6bb8", "box")]
        body = (
            figure(
                hbars(
                    bars,
                    title="Where better evidence is worth most, per decision",
                    axis=f"Expected value of partial perfect information (EVPPI)"
                    f"{f', {cur}' if cur else ''}",
                    fmt=cash,
                    legend=legend,
                    note="The whiskers and ± show 95% intervals (1.96 standard errors) "
                    "of each estimate: the uncertainty of the regression behind "
                    "it."
                    if ses
                    else "",
                )
            )
            if bars
            else "<p>No input changes the decision.</p>"
        )
        sections.append(
            (
                "Where better evidence is worth most",
                body
                + csv_link(ev, "evppi.csv")
                + f"<p>EVPI (all uncertainty resolved): {esc(cash(result.evpi))}"
                f". Method: {esc(EVPPI_METHOD)}.</p>",
            )
        )
        if result.evppi_r2 is not None and len(shown_ev):
            sections.append(
                (
                    "Checking the regressions behind EVPPI",
                    _regression_check(result, table, shown_ev, texts, lab, cash),
                )
            )
    if result.studies:
        sections.append(
            ("Which study to commission", _studies_section(d, frames["studies"], lab, cash))
        )
    if result.research_agenda is not None:
        sections.append(
            (
                "The research agenda: a study for each weakly evidenced link",
                _agenda_section(d, frames["agenda"], lab, cash),
            )
        )
    tor = frames["tornado"]
    if len(tor):
        top = tor[tor["swing"] > 0.01 * tor["swing"].max()].head(12)
        base = result.net_benefit[result.best_option][0]
        texts = distinct([describe_input(i, lab) for i in top["input"]])
        rows_t = [
            Row(
                t,
                [
                    Segment(
                        base,
                        float(r.nb_low),
                        "#2b7bb9",
                        f"at its 10th percentile: {cash(r.nb_low)}, favours {lab(r.favours_low)}",
                    ),
                    Segment(
                        base,
                        float(r.nb_high),
                        "#c8553d",
                        f"at its 90th percentile: {cash(r.nb_high)}, favours {lab(r.favours_high)}",
                    ),
                ],
            )
            for t, r in zip(texts, top.itertuples(), strict=True)
        ]
        ends = [v for r in rows_t for sg in r.segments for v in (sg.start, sg.end)]
        span = (max(ends) - min(ends)) or abs(base) or 1.0
        chart = hbars(
            rows_t,
            title=f"One-way sensitivity: expected net benefit of {name(result.best_option)}",
            axis=f"Expected net benefit{f' ({cur})' if cur else ''}",
            fmt=cash,
            legend=[
                ("input at its 10th percentile", "#2b7bb9", "box"),
                ("input at its 90th percentile", "#c8553d", "box"),
            ],
            zero_line=False,
            domain=(min(ends) - 0.05 * span, max(ends) + 0.05 * span),
        )
        sections.append(("Tornado", figure(chart) + csv_link(tor, "tornado.csv")))
    notes = notes_words(d, lab)
    if notes:
        sections.append(("Notes", bullet_list(notes)))
    title = f"Uncertainty and value of information: {d.get('model', d.get('source', ''))}"
    sub = (
        f"{result.n_draws:,} draws · money in {cur} at {d.get('price_year')} prices"
        if cur
        else f"{result.n_draws:,} draws"
    )
    html = render_page(title, sections, summary=summary[0], subtitle=sub)
    Path(out).write_text(html, encoding="utf-8")
