"""All the analyses of one draws table, in one result object (what ``--json`` prints).

Besides the value of information, the result carries what a commissioner must see beside the
answer: each option's caveats and whether it fits capacity and availability (an option that
does not fit is never called best without saying so: ``best_that_fits``); how the answer fares
under each belief scenario and without weakly evidenced links; and the range of hourly
valuations of users' and communities' time over which the most likely best option stays so.

**Switching values of the valuation of time.** Per draw d and option k, net benefit at a value
of w an hour for every hour of users' and communities' time is the line
``b[d, k] − w × h[d, k]``, with ``b = λ × effect − cost + cost of that time as drawn`` and
``h`` its hours. The best option of a draw over w ≥ 0 is the upper envelope of K lines: it
changes only where the current best is overtaken by an option using fewer hours, at
``w = (b_best − b_k) / (h_best − h_k)``; walking those crossings (at most K − 1 per draw,
vectorised over draws) gives every draw's winner as a step function of w, exactly. The
probability of being best is the count of draws each option wins, so it changes only at those
crossings: sorting them and keeping running counts gives the most likely best option on each
interval of w exactly (no grid, no tolerance beyond floating point). The option with the
highest *expected* net benefit is the envelope of the K mean lines, exact as well.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from ..engine.draws import DrawsTable
from . import core
from .icers import IcerRow, icers
from .oneway import TornadoBar, singles
from .partial import evppi_and_fit, evppi_table
from .smoother import SplineFit

if TYPE_CHECKING:
    from .studyfile import StudyPlan

EVPPI_METHOD = (
    "cubic regression splines (natural, knots at quantiles, ∫f''² penalty), "
    "tensor products for groups of up to 4 inputs, smoothing by GCV — the smoother "
    "of voi's default mgcv::gam(te(..., bs='cr')) (Strong, Oakley & Brennan 2014)"
)


def default_grid(wtp: float, points: int = 41) -> list[float]:
    """λ grid for the acceptability curve: 0 to twice ``wtp`` (``wtp`` itself included)."""
    top = 2 * wtp if wtp > 0 else 1.0
    return [float(v) for v in np.linspace(0, top, points)]


TIME_VALUE_METHOD = (
    "exact: per draw, the upper envelope of each option's net benefit as a "
    "line in the value of an hour (crossings where an option using fewer "
    "hours overtakes), then running counts of draws won across the sorted "
    "crossings; the expected best from the envelope of the mean lines"
)


def _first_max(values: Sequence[float] | npt.NDArray[np.number]) -> int:
    """Index of the largest value, the first on ties (as :func:`core.prob_best`)."""
    return int(np.argmax(np.asarray(values, dtype=float)))


def _winners(
    b: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per row of lines ``b − h × w`` (rows × K) over w ≥ 0: the winner just above w = 0 and
    the crossings ``(w, row, old winner, new winner)`` where it changes. Ties go to the line
    that stays higher (fewer hours), then to the first option."""
    n, k = b.shape
    top = b.max(axis=1, keepdims=True)
    cur = np.where(b == top, h, np.inf).argmin(axis=1)
    start = cur.copy()
    at = np.zeros(n)
    ws, rows, olds, news = [], [], [], []
    active = np.arange(n)
    for _ in range(k - 1):  # each step moves to strictly fewer hours: at most K − 1 steps
        if not len(active):
            break
        c = cur[active]
        dh = h[active, c][:, None] - h[active]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(dh > 0, (b[active, c][:, None] - b[active]) / dh, np.inf)
        w = np.maximum(w, at[active][:, None])  # rounding: never behind the current point
        first = w.min(axis=1)
        more = np.isfinite(first)
        if not more.any():
            break
        a, wm, sub = active[more], first[more], w[more]
        new = np.where(sub == wm[:, None], h[a], np.inf).argmin(axis=1)
        ws.append(wm)
        rows.append(a)
        olds.append(cur[a])
        news.append(new)
        cur[a] = new
        at[a] = wm
        active = a
    if not ws:
        empty = np.zeros(0)
        return start, (
            empty,
            empty.astype(np.int64),
            empty.astype(np.int64),
            empty.astype(np.int64),
        )
    return start, (
        np.concatenate(ws),
        np.concatenate(rows),
        np.concatenate(olds),
        np.concatenate(news),
    )


def _intervals(changes: list[tuple[float, int]], options: Sequence[str]) -> list[dict]:
    """[{option, low, high}] from (w where it starts, option index), in increasing w;
    ``high`` None: on without end. Changes at one w keep the last; neighbours with the same
    option merge."""
    tidy: list[tuple[float, int]] = []
    for w, k in changes:
        if tidy and tidy[-1][0] == w:
            tidy[-1] = (w, k)
        else:
            tidy.append((w, k))
        if len(tidy) >= 2 and tidy[-1][1] == tidy[-2][1]:
            tidy.pop()
    changes = tidy
    out = []
    for n, (w, k) in enumerate(changes):
        high = changes[n + 1][0] if n + 1 < len(changes) else None
        out.append({"option": options[k], "low": float(w), "high": high})
    return out


_EVENT_CHUNK = 2**16  # crossings counted at once: memory of (chunk × options) integers


def _most_likely_tiling(b: np.ndarray, h: np.ndarray, options: Sequence[str]) -> list[dict]:
    """The most likely best option on each interval of w ≥ 0 (exact; see the module)."""
    k = b.shape[1]
    start, (w, _rows, old, new) = _winners(b, h)
    counts = np.bincount(start, minlength=k).astype(np.int64)
    leader = _first_max(counts)
    changes = [(0.0, leader)]
    order = np.argsort(w, kind="stable")
    w, old, new = w[order], old[order], new[order]
    last = np.ones(len(w), dtype=bool)  # the last crossing at each distinct w
    last[:-1] = w[:-1] != w[1:]
    for a in range(0, len(w), _EVENT_CHUNK):
        z = min(len(w), a + _EVENT_CHUNK)
        delta = np.zeros((z - a, k), dtype=np.int64)
        idx = np.arange(z - a)
        delta[idx, new[a:z]] += 1
        delta[idx, old[a:z]] -= 1
        running = counts + np.cumsum(delta, axis=0)
        counts = running[-1]
        keep = np.flatnonzero(last[a:z])
        if not len(keep):
            continue
        leads = running[keep].argmax(axis=1)  # first on ties, as prob_best
        moved = np.flatnonzero(leads != np.concatenate([[leader], leads[:-1]]))
        changes.extend((float(w[a + keep[j]]), int(leads[j])) for j in moved)
        leader = int(leads[-1])
    return _intervals(changes, options)


def _expected_tiling(b: np.ndarray, h: np.ndarray, options: Sequence[str]) -> list[dict]:
    """The option with the highest expected net benefit on each interval of w ≥ 0."""
    start, (w, _rows, _old, new) = _winners(b.mean(axis=0)[None, :], h.mean(axis=0)[None, :])
    changes = [(0.0, int(start[0]))] + [(float(x), int(y)) for x, y in zip(w, new, strict=True)]
    return _intervals(changes, options)


def time_value_ranges(table: DrawsTable, wtp: float, best: str) -> dict[str, Any] | None:
    """Over which hourly valuations of users' and communities' time ``best`` stays the most
    likely best option, from the table's ``coproduction_hours`` and
    ``coproduction_time_cost`` (None when the table has neither). Money per hour in the
    table's currency and price year.

    ``reference_per_hour``: the valuation the analysis used (its basis's value an hour, else
    the average the model's own unit costs imply); ``range``: the interval of w where
    ``best`` is most likely best that holds the reference (or the nearest such interval;
    None if ``best`` is never most likely best at any single valuation)."""
    if (
        not table.has_effects
        or "coproduction_hours" not in table.extra
        or "coproduction_time_cost" not in table.extra
    ):
        return None
    assert table.effect is not None and table.cost is not None
    hours = table.extra["coproduction_hours"]
    time_cost = table.extra["coproduction_time_cost"]
    b = wtp * table.effect - table.cost + time_cost
    opts = table.options
    likely = _most_likely_tiling(b, hours, opts)
    expected = _expected_tiling(b, hours, opts)
    basis = table.meta.get("time_value") or {}
    ref = basis.get("per_hour")
    if ref is None:
        total = float(hours.sum())
        ref = float(time_cost.sum()) / total if total > 0 else None
    mine = [iv for iv in likely if iv["option"] == best]
    chosen = None
    if mine:

        def gap(iv: dict) -> float:
            if ref is None:
                return 0.0
            hi = math.inf if iv["high"] is None else iv["high"]
            return 0.0 if iv["low"] <= ref <= hi else min(abs(ref - iv["low"]), abs(ref - hi))

        chosen = min(mine, key=gap)
    return {
        "option": best,
        "range": None if chosen is None else [chosen["low"], chosen["high"]],
        "reference_per_hour": ref,
        "most_likely_best": likely,
        "best_expected": expected,
        "method": TIME_VALUE_METHOD,
    }


def _fits(meta: dict[str, Any], options: Sequence[str]) -> dict[str, bool] | None:
    caveats = meta.get("caveats")
    if not caveats or any(o not in caveats for o in options):
        return None
    return {
        o: not any(f in caveats[o]["flags"] for f in ("over_capacity", "over_available"))
        for o in options
    }


def _best_of(prob: dict[str, float], allowed: Sequence[str]) -> str | None:
    """The most likely best of ``allowed`` (first in option order on ties), or None."""
    names = [o for o in prob if o in allowed]
    return names[_first_max([prob[o] for o in names])] if names else None


def _run_summary(table: DrawsTable, wtp: float) -> dict[str, Any]:
    """An extra run (a belief, the map without weak evidence) as the options fare in it."""
    nb = table.net_benefit(wtp)
    pb = dict(zip(table.options, (float(p) for p in core.prob_best(nb)), strict=True))
    fits = _fits(table.meta, table.options)
    summary: dict[str, Any] = {}
    for j, o in enumerate(table.options):
        summary[o] = {"net_benefit": {"mean": float(nb[:, j].mean())}, "prob_best": pb[o]}
        if fits is not None:
            summary[o]["fits"] = fits[o]
            summary[o]["flags"] = list(table.meta["caveats"][o]["flags"])
    out: dict[str, Any] = {"summary": summary, "most_likely_best": _best_of(pb, table.options)}
    if fits is not None:
        out["best_that_fits"] = _best_of(pb, [o for o in table.options if fits[o]])
    return out


@dataclass(frozen=True)
class UncertaintyResult:
    """Probabilistic results for each option at willingness to pay ``wtp`` (money per unit of
    the target outcome). Money in ``currency`` at ``price_year`` prices."""

    wtp: float
    options: tuple[str, ...]
    n_draws: int
    net_benefit: dict[str, tuple[float, float, float]]
    prob_best: dict[str, float]
    effect: dict[str, tuple[float, float, float]] | None
    cost: dict[str, tuple[float, float, float]] | None
    cost_per_outcome: dict[str, tuple[float, float, float]] | None
    evpi: float
    evppi: dict[str, float]
    groups: dict[str, tuple[str, ...]]
    ceac_grid: list[float]
    ceac: np.ndarray | None
    ceaf: list[str]
    frontier: list[IcerRow]
    tornado: list[TornadoBar]
    population_evpi: float | None
    population: dict[str, Any] | None
    sobol: dict[str, float] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    fits: dict[str, bool] | None = None
    beliefs: dict[str, dict[str, Any]] = field(default_factory=dict)
    min_evidence: dict[str, Any] | None = None
    time_valued: dict[str, Any] | None = None
    # the regression check of every EVPPI: its standard error and the fit's R² (1 − RSS/TSS
    # of the incremental net benefit, pooled over the comparisons with the first option)
    evppi_se: dict[str, float] | None = None
    evppi_r2: dict[str, float] | None = None
    # with a study plan (voi/studyfile.py): each study's EVSI and ENBS by size, the research
    # agenda, and the population, horizon and rate they were valued with
    studies: dict[str, dict[str, Any]] | None = None
    research_agenda: list[dict[str, Any]] | None = None
    study_settings: dict[str, Any] | None = None

    @property
    def most_likely_best(self) -> str:
        """The option most often best across the draws (the first on ties)."""
        return self.options[_first_max([self.prob_best[o] for o in self.options])]

    @property
    def best_that_fits(self) -> str | None:
        """The most likely best among the options that fit capacity and availability (None
        when none fits, or when the table says nothing about fit)."""
        if self.fits is None:
            return None
        return _best_of(self.prob_best, [o for o in self.options if self.fits[o]])

    def flags(self, option: str) -> list[str]:
        """The option's caveats (flag kinds of engine/flags.py); [] when unknown."""
        caveats = self.meta.get("caveats") or {}
        return list((caveats.get(option) or {}).get("flags", []))

    @property
    def best_option(self) -> str:
        """The option with the highest expected net benefit."""
        return max(self.options, key=lambda o: self.net_benefit[o][0])

    @property
    def top_input(self) -> str | None:
        """The input (or group) whose EVPPI is largest, if any is above zero."""
        singles = {k: v for k, v in self.evppi.items() if k not in self.groups}
        if not singles or max(singles.values()) <= 0:
            return None
        return max(singles, key=lambda k: singles[k])

    def to_dict(self) -> dict[str, Any]:
        def trio(t: tuple[float, float, float]) -> dict[str, float]:
            return {"mean": t[0], "low": t[1], "high": t[2]}

        summary: dict[str, Any] = {}
        for o in self.options:
            entry: dict[str, Any] = {
                "net_benefit": trio(self.net_benefit[o]),
                "prob_best": self.prob_best[o],
            }
            if self.effect is not None and self.cost is not None:
                entry["effect"] = trio(self.effect[o])
                entry["cost"] = trio(self.cost[o])
            if self.cost_per_outcome is not None:
                entry["cost_per_outcome"] = trio(self.cost_per_outcome[o])
            if self.fits is not None:
                entry["flags"] = self.flags(o)
                entry["fits"] = self.fits[o]
            summary[o] = entry
        ceac = (
            []
            if self.ceac is None
            else [
                {
                    "wtp": lam,
                    "prob_best": {o: float(p) for o, p in zip(self.options, row, strict=True)},
                    "best_expected": self.ceaf[k],
                }
                for k, (lam, row) in enumerate(zip(self.ceac_grid, self.ceac, strict=True))
            ]
        )
        return {
            **self.meta,
            "wtp": self.wtp,
            "n_draws": self.n_draws,
            "options": list(self.options),
            "best_option": self.best_option,
            "summary": summary,
            "evpi": self.evpi,
            "evppi": self.evppi,
            "evppi_groups": {k: list(v) for k, v in self.groups.items()},
            "evppi_method": EVPPI_METHOD,
            "most_valuable_input": self.top_input,
            "population_evpi": self.population_evpi,
            "population": self.population,
            "ceac": ceac,
            "frontier": [r.to_dict() for r in self.frontier],
            "tornado": [b.to_dict() for b in self.tornado],
            **({"sobol": self.sobol} if self.sobol is not None else {}),
            "most_likely_best": self.most_likely_best,
            **({"best_that_fits": self.best_that_fits} if self.fits is not None else {}),
            "beliefs": self.beliefs,
            **({"min_evidence": self.min_evidence} if self.min_evidence is not None else {}),
            **(
                {
                    "most_likely_best_when_time_valued": self.time_valued["range"],
                    "time_value_switching": {
                        k: v for k, v in self.time_valued.items() if k != "range"
                    },
                }
                if self.time_valued is not None
                else {}
            ),
            **({"evppi_se": self.evppi_se} if self.evppi_se is not None else {}),
            **({"evppi_r2": self.evppi_r2} if self.evppi_r2 is not None else {}),
            **(
                {
                    "studies": self.studies,
                    "research_agenda": self.research_agenda,
                    "study_settings": self.study_settings,
                }
                if self.studies is not None
                else {}
            ),
        }


def analyse(
    table: DrawsTable,
    wtp: float,
    *,
    grid: Sequence[float] | None = None,
    groups: dict[str, Sequence[str]] | None = None,
    evppi: bool = True,
    population: float | Sequence[float] | None = None,
    horizon: int = 10,
    rate: float = core.GREEN_BOOK_RATE,
    with_tornado: bool = True,
    sobol: bool = False,
    studies: StudyPlan | None = None,
    model: Any = None,
    seed: int = 1,
    evppi_se: bool = True,
) -> UncertaintyResult:
    """Every analysis of ``table`` at willingness to pay ``wtp``.

    ``groups`` adds named sets of inputs to those in the table; ``population`` (people or
    decisions a year, for ``horizon`` years discounted at ``rate``) gives population EVPI;
    ``sobol`` adds first-order Sobol indices (SALib). Every EVPPI comes with its standard error
    and the R² of its regression (``evppi_se=False`` skips them: a sweep reading only the
    top EVPPI need not pay for them). ``studies`` (a :class:`~.studyfile.StudyPlan`) adds each
    study's EVSI and ENBS and, with the ``model`` the draws came from, the research agenda;
    ``seed`` draws the studies' data."""
    nb = table.net_benefit(wtp)
    opts = table.options
    all_groups = {**table.groups, **{k: tuple(v) for k, v in (groups or {}).items()}}
    nbs = {o: core.interval(nb[:, j]) for j, o in enumerate(opts)}
    pb = dict(zip(opts, (float(p) for p in core.prob_best(nb)), strict=True))
    effect = cost = cpo = None
    ceac_arr = None
    ceaf: list[str] = []
    frontier: list[IcerRow] = []
    grid_list = list(grid) if grid is not None else default_grid(wtp)
    if table.has_effects:
        assert table.effect is not None and table.cost is not None
        effect = {o: core.interval(table.effect[:, j]) for j, o in enumerate(opts)}
        cost = {o: core.interval(table.cost[:, j]) for j, o in enumerate(opts)}
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = table.cost / table.effect
        cpo = {
            o: core.interval(ratio[:, j])
            if np.all(np.isfinite(ratio[:, j]))
            else (float("nan"),) * 3
            for j, o in enumerate(opts)
        }
        ceac_arr = core.ceac(table.effect, table.cost, grid_list)
        ceaf = [opts[k] for k in core.ceaf(table.effect, table.cost, grid_list)]
        frontier = icers(table.cost.mean(axis=0), table.effect.mean(axis=0), opts)
    value = core.evpi(nb)
    inputs = table.inputs
    ev: dict[str, float] = {}
    bars: list[TornadoBar] = []
    if len(inputs.columns) and (evppi or with_tornado):
        single_fits: dict[str, SplineFit] = {}
        single, all_bars = singles(nb, inputs, opts, fits=single_fits)
        if evppi:
            ev = {
                **single,
                **evppi_table(nb, inputs.iloc[:, :0], all_groups, inputs, fits=single_fits),
            }
            ev = dict(sorted(ev.items(), key=lambda kv: -kv[1]))
        if with_tornado:
            bars = all_bars
    ev_se = ev_r2 = None
    if ev and evppi_se:
        ev_se, ev_r2 = evppi_checks(
            nb, inputs, {k: all_groups[k] for k in ev if k in all_groups}, fits=single_fits
        )
    study_results = agenda = settings = None
    if studies is not None:
        from .studyfile import run_plan

        study_results, agenda, settings = run_plan(
            studies, nb, inputs, model=model, seed=seed, rate=rate
        )
    pop = None
    pop_info = None
    if population is not None:
        pop = core.population_evpi(value, population, horizon, rate)
        pop_info = {
            # np.ndim tells one number a year from a sequence of one a year
            "per_year": (
                population if np.ndim(population) == 0 else list(cast(Sequence[float], population))
            ),
            "horizon_years": horizon,
            "discount_rate": rate,
        }
    most_likely = opts[_first_max([pb[o] for o in opts])]
    fits = _fits(table.meta, opts)
    beliefs = {}
    for name, tb in table.beliefs.items():
        run = _run_summary(tb, wtp)
        beliefs[name] = {
            "label": tb.meta.get("label", name),
            **run,
            "changes_most_likely_best": run["most_likely_best"] != most_likely,
        }
    min_ev = _min_evidence(table, wtp, most_likely, pb, fits)
    return UncertaintyResult(
        wtp=float(wtp),
        options=opts,
        n_draws=table.n_draws,
        net_benefit=nbs,
        prob_best=pb,
        effect=effect,
        cost=cost,
        cost_per_outcome=cpo,
        evpi=value,
        evppi=ev,
        groups=all_groups,
        ceac_grid=grid_list,
        ceac=ceac_arr,
        ceaf=ceaf,
        frontier=frontier,
        tornado=bars,
        population_evpi=pop,
        population=pop_info,
        sobol=_sobol(nb, inputs) if sobol and len(inputs.columns) else None,
        meta=dict(table.meta),
        fits=fits,
        beliefs=beliefs,
        min_evidence=min_ev,
        time_valued=time_value_ranges(table, wtp, most_likely),
        evppi_se=ev_se,
        evppi_r2=ev_r2,
        studies=study_results,
        research_agenda=agenda,
        study_settings=settings,
    )


def r_squared(y: np.ndarray, fitted: np.ndarray) -> float:
    """1 − RSS/TSS of a regression of ``y`` (draws × outputs), pooled over the outputs: the
    share of the spread of the incremental net benefit the inputs explain (1 when the fit is
    exact; near 0 when the inputs say little about the decision)."""
    y = np.asarray(y, dtype=float)
    rss = float(((y - fitted) ** 2).sum())
    tss = float(((y - y.mean(axis=0)) ** 2).sum())
    return 1.0 - rss / tss if tss > 0 else 1.0


def evppi_fit(net_benefit: np.ndarray, x: np.ndarray) -> SplineFit | None:
    """The regression behind :func:`.partial.evppi` of inputs ``x`` (draws × k), with the same
    smoother and settings (one smoothing parameter per input of a group); None when they do
    not vary or there is one option."""
    return evppi_and_fit(net_benefit, x, None)[1]


def value_se(fit: SplineFit, rng: np.random.Generator, samples: int = 200) -> float:
    """:meth:`SplineFit.value_se` (kept under this name for callers of this module)."""
    return fit.value_se(rng, samples)


def evppi_checks(
    net_benefit: np.ndarray,
    inputs: Any,
    groups: dict[str, Sequence[str]],
    seed: int = 1,
    fits: Mapping[str, SplineFit] | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """The standard error (as ``evppi(..., se=True, seed=seed)``) and the R² of the
    regression of every input that varies and of each group: ``(se, r2)`` by name. ``fits``:
    regressions already made (:func:`evppi_fit`'s, by name), not made again."""
    from .smoother import _one_blas_thread

    nb = np.asarray(net_benefit, dtype=float)
    inc = nb[:, 1:] - nb[:, :1]
    se: dict[str, float] = {}
    r2: dict[str, float] = {}
    names = [(str(c), [c]) for c in inputs.columns if np.ptp(inputs[c].to_numpy(dtype=float)) > 0]
    names += [(k, list(cols)) for k, cols in groups.items()]
    with _one_blas_thread():
        for name, cols in names:
            fit = (fits or {}).get(name) or evppi_fit(nb, inputs[cols].to_numpy(dtype=float))
            if fit is None:
                se[name], r2[name] = 0.0, 0.0
                continue
            se[name] = value_se(fit, np.random.default_rng(seed))
            r2[name] = r_squared(inc, fit.fitted)
    return se, r2


def _min_evidence(
    table: DrawsTable,
    wtp: float,
    most_likely: str,
    pb: dict[str, float],
    fits: dict[str, bool] | None,
) -> dict[str, Any] | None:
    """``min_evidence{grade, links_dropped, most_likely_best, survives, ...}``: whether the
    most likely best option stays so on the map without links graded below ``grade``."""
    info = table.meta.get("min_evidence")
    if info is None:
        return None
    out: dict[str, Any] = {"grade": info["grade"], "links_dropped": list(info["links_dropped"])}
    fit_best = None if fits is None else _best_of(pb, [o for o in pb if fits[o]])
    if table.min_evidence is not None:
        run = _run_summary(table.min_evidence, wtp)
        out.update(run)
    elif not info["links_dropped"]:  # nothing left out: the answer is the main run's
        out.update(
            {
                "most_likely_best": most_likely,
                **({"best_that_fits": fit_best} if fits is not None else {}),
            }
        )
    else:
        out.update({"most_likely_best": None, "not_run": info.get("not_run")})
    out["survives"] = out["most_likely_best"] == most_likely
    if fits is not None:
        out["best_that_fits_survives"] = (
            fit_best is not None and out.get("best_that_fits") == fit_best
        )
    return out


def _sobol(nb: np.ndarray, inputs: Any) -> dict[str, float]:
    from .sobol import sobol_first_order

    return sobol_first_order(nb, inputs)
