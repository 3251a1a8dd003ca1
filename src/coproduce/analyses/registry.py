"""The registry of analyses: every module of ``coproduce.analyses`` registers its
:class:`~coproduce.analyses.contract.Analysis` when imported; adapters look them up here by
name, and read stored results back as :class:`Result`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import BadInput, Issue
from .contract import REGISTRY, Analysis

if TYPE_CHECKING:
    import pandas as pd

MODULES = ("map", "evaluate", "plan", "uncertainty", "appraisal", "survey", "portfolio")


def load_all() -> dict[str, Analysis]:
    """Import every analysis module (each registers itself); returns the registry."""
    for name in MODULES:
        importlib.import_module(f"coproduce.analyses.{name}")
    return REGISTRY


def get(name: str) -> Analysis:
    """The analysis called ``name``; raises :class:`BadInput` naming the ones there are."""
    load_all()
    if name not in REGISTRY:
        raise BadInput(
            [Issue("analysis", f"no analysis '{name}'; analyses: {', '.join(sorted(REGISTRY))}")]
        )
    return REGISTRY[name]


@dataclass(frozen=True)
class Result:
    """A stored result of an analysis, read back: its dict, its tables and its summary."""

    analysis: Analysis
    data: dict[str, Any]

    @classmethod
    def from_dict(cls, name: str, data: dict[str, Any]) -> Result:
        return cls(get(name), data)

    def to_dict(self) -> dict[str, Any]:
        return self.data

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every table and the data behind every chart, by name."""
        return {name: frame(self.data) for name, frame in self.analysis.tables.items()}

    def frame(self, name: str) -> pd.DataFrame:
        """One table by name; raises :class:`BadInput` naming the tables there are."""
        if name not in self.analysis.tables:
            raise BadInput(
                [
                    Issue(
                        "table",
                        f"no table '{name}' for {self.analysis.title.lower()}; tables: "
                        + ", ".join(self.analysis.tables),
                    )
                ]
            )
        return self.analysis.tables[name](self.data)

    def summary(self, model: Any = None) -> list[str]:
        """The answer in words (sentences)."""
        if self.analysis.summary is not None:
            return list(self.analysis.summary(self.data, model))
        text = self.data.get("summary")
        return [text] if isinstance(text, str) and text else []
