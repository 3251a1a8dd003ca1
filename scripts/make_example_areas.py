"""Write src/coproduce/examples/older-people-areas.csv: 317 synthetic areas for sweeps.

The areas are made up — as many as England's local authorities, not those authorities — so
that a national sweep of the older-people example can be run and benchmarked without data
that cannot be shipped. Each area scales the example council (about 60,000 residents aged 65
and over) by its own population aged 65+ (lognormal, median 30,000, clipped to 2,000-330,000,
about the spread of English authorities), with its own community capacity (volunteer hours
vary about that scale by a lognormal factor, sigma 0.35), its own staff-cost level (x0.95 to
x1.20, like an area cost adjustment) and its own care home fees (lognormal factor, sigma 0.15).
Run: python scripts/make_example_areas.py (the seed is fixed; the file is reproducible).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

import coproduce as cp

N_AREAS = 317
BASE_POPULATION = 60_000  # residents aged 65+ in the example council
STAFF = ("physio_hour", "ot_hour", "reablement_worker_hour", "coordinator_hour")
OUT = Path(__file__).resolve().parent.parent / "src/coproduce/examples/older-people-areas.csv"


def main() -> None:
    model = cp.load_model("example:older-people")
    rng = np.random.default_rng(20261128)
    population = np.clip(rng.lognormal(np.log(30_000), 0.6, N_AREAS), 2_000, 330_000)
    community = rng.lognormal(0.0, 0.35, N_AREAS)
    staff_level = rng.uniform(0.95, 1.20, N_AREAS)
    fees_level = rng.lognormal(0.0, 0.15, N_AREAS)
    columns = ["area", "label", "#population_65_plus"]
    columns += [f"targets.{o}" for o in model.targets]
    columns += ["resources.volunteer_hour.available"]
    columns += [f"scale:resources.{r}.unit_cost" for r in STAFF]
    columns += ["scale:resources.residential_week_council.unit_cost"]
    columns += [f"interventions.{i}.volume" for i in model.interventions]
    columns += [
        f"interventions.{i}.capacity"
        for i, iv in model.interventions.items()
        if iv.capacity is not None
    ]
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for k in range(N_AREAS):
            s = population[k] / BASE_POPULATION
            row = [f"A{k + 1:03d}", f"Synthetic area {k + 1}", round(population[k])]
            row += [round(a * s, 1) for a in model.targets.values()]
            avail = model.resources["volunteer_hour"].available
            row += [round(float(avail) * s * community[k], -1)]
            row += [round(staff_level[k], 3)] * len(STAFF)
            row += [round(fees_level[k], 3)]
            row += [round(float(iv.volume) * s, 1) for iv in model.interventions.values()]
            row += [
                round(float(iv.capacity) * s, 1)
                for iv in model.interventions.values()
                if iv.capacity is not None
            ]
            w.writerow(row)
    print(f"wrote {OUT} ({N_AREAS} areas)")


if __name__ == "__main__":
    main()
