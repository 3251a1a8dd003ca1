"""The research agenda: for each weakly evidenced link, what a study of it would be worth.

Per link of evidence grade 2 or below (or ungraded) whose effect is uncertain in the draws: its
EVPPI (the most any study of it could be worth), a pilot of the intervention the link leaves (or
an evaluation of the link between outcomes) measuring its effect on n participants, with the
sampling sd of :func:`coproduce.voi.enbs.pilot_sd` unless one is stated, the EVSI and ENBS at
each size, and the best size. Rows sorted by the best ENBS, the study most worth commissioning
first."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..model.paths import canonical_path
from ..model.schema import Model
from .core import population_evpi
from .enbs import best_size, enbs, pilot_sd
from .partial import evppi
from .study import evsi

DEFAULT_SIZES = (25, 50, 100, 200, 400, 800)


def research_agenda(
    model: Model,
    net_benefit: np.ndarray,
    inputs: pd.DataFrame,
    *,
    population: float | Sequence[float],
    horizon: int,
    fixed_cost: float,
    cost_per_participant: float,
    sizes: Sequence[int] = DEFAULT_SIZES,
    max_grade: int = 2,
    seed: int = 1,
) -> pd.DataFrame:
    """One row per weakly evidenced, uncertain link (``inputs`` columns named by canonical
    path, ``links[a->b].effect``): ``link`` (from, to), ``grade``, ``evppi``, ``design``,
    ``best_n``, ``best_enbs`` (money, present value; NaN when no size pays), ``cost`` of the
    best study, and ``evsi_at_best``. Money in the model's currency."""
    rows = []
    scale = population_evpi(1.0, population, horizon)
    for k, lk in enumerate(model.links):
        grade = lk.evidence
        if grade is not None and grade > max_grade:
            continue
        col = canonical_path(model, f"links[{k}].effect")
        if col not in inputs.columns or not np.ptp(inputs[col].to_numpy(float)) > 0:
            continue
        sd = float(inputs[col].std(ddof=1))
        design = (
            f"pilot of {model.label_of(lk.from_)}"
            if lk.from_ in model.interventions
            else f"evaluation of {model.label_of(lk.from_)} → {model.label_of(lk.to)}"
        )
        ceiling = evppi(net_benefit, inputs[[col]])
        best = None
        # EVSI never exceeds EVPPI: when even perfect information could not repay the
        # cheapest study, no study of this link can, and its EVSI need not be estimated
        if ceiling * scale > fixed_cost + min(sizes) * cost_per_participant:
            points = evsi(
                net_benefit,
                inputs,
                study="pilot",
                pars=[col],
                n=list(sizes),
                seed=seed,
                aux={"sd": pilot_sd(sd, grade)},
                se=True,
            )
            best = best_size(enbs(points, population, horizon, fixed_cost, cost_per_participant))
        rows.append(
            {
                "link": f"{model.label_of(lk.from_)} → {model.label_of(lk.to)}",
                "from": lk.from_,
                "to": lk.to,
                "grade": grade,
                "evppi": ceiling,
                "design": design,
                "best_n": None if best is None else best.n,
                "best_enbs": np.nan if best is None else best.enbs,
                "cost": np.nan if best is None else best.cost,
                "evsi_at_best": np.nan if best is None else best.evsi,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
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
        ],
    )
    return frame.sort_values(
        ["best_enbs", "evppi"], ascending=False, na_position="last"
    ).reset_index(drop=True)
