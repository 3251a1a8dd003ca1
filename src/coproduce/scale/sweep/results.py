"""Reading a sweep's results back: the partitions as one table, and one line per area."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def read_sweep(out: str | Path) -> Any:
    """The results of a sweep as one DataFrame, in row order."""
    import pandas as pd

    frame = pd.read_parquet(out)
    return frame.sort_values("row", kind="stable").reset_index(drop=True)


def summarise(frame: Any, analysis: str) -> Any:
    """One line per area from a sweep's results: the best pathway (map), the best option and
    EVPI (uncertainty), the plan's status, public cost and main interventions (plan), or
    the co-production advantage (coproduction)."""
    import pandas as pd

    if frame.empty:
        return pd.DataFrame()
    first = frame.groupby("row", sort=True).head(1).set_index("row")
    # the caveats of what each line names: a sweep written before rows carried them has none
    caveats = [c for c in ("flags", "fits") if c in frame.columns]
    if analysis == "map":
        out = first[
            [
                "area",
                "intervention",
                "cost_per_outcome_full",
                "cost_per_outcome_public",
                "coproduction_share",
                *caveats,
            ]
        ].rename(columns={"intervention": "best_pathway"})
    elif analysis == "coproduction":
        out = first[
            [
                "area",
                "coproduced",
                "professional",
                "coproduced_cost_per_outcome_full",
                "professional_cost_per_outcome_full",
                "advantage_ratio_full",
                "coproduction_cheaper_full",
                *caveats,
            ]
        ]
    elif analysis == "uncertainty":
        best = frame[frame["option"] == frame["best_option"]].set_index("row")
        out = first[["area", "best_option", "evpi"]].join(
            best[["prob_best", "net_benefit_mean", *caveats]]
        )
    else:
        running = frame[frame["volume"] > 0].sort_values(["row", "volume"], ascending=[True, False])
        mix = running.groupby("row")["intervention"].agg(lambda s: ", ".join(s.head(3)))
        out = first[["area", "status", "plan_cost_public", "plan_cost_full", *caveats]].join(
            mix.rename("main_interventions")
        )
    return out.reset_index()
