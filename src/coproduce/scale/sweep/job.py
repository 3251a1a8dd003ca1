"""The job every row of a sweep runs: the analysis, its settings and the model, and the
fingerprint that tells one sweep from another (``_sweep.json``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from ...model.schema import Model
from ...model.serialise import model_to_data

ANALYSES = ("map", "uncertainty", "plan", "coproduction")
# of _sweep.json; a different format is a different sweep. 2: rows carry flag columns and the
# basis of time, so partitions of format 1 cannot be mixed with new ones
FORMAT = 2


class SweepError(ValueError):
    """A sweep that cannot start: a bad areas or grid file, options, or output directory."""


@dataclass(frozen=True)
class SweepJob:
    """What every row runs: the analysis and its settings, and the model (sent to each worker
    once). ``target``: (outcome, amount) or None for the model's first target."""

    model: Model
    analysis: str
    input_columns: tuple[str, ...]
    target: tuple[str, float] | None = None
    draws: int = 10_000
    seed: int = 1
    wtp: float | None = None
    evppi: bool = False
    objective: str = "public"
    by: str = "full"

    def fingerprint(self) -> str:
        settings = {k: v for k, v in self.__dict__.items() if k not in ("model",)}
        text = json.dumps(
            [FORMAT, model_to_data(self.model), settings], sort_keys=True, default=str
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]
