"""Every analysis declared once (see :mod:`coproduce.analyses.contract`), in a registry the
command line, the web workspace, its API and the downloads are built from.

    from coproduce import analyses
    a = analyses.get("map")
    inputs = a.validate({"outcome": "independent_years", "amount": 300}, model)
    live = a.run(analyses.Job(None, inputs, load=lambda: model))
    analyses.Result(a, live.to_dict()).to_frames()["pathways"]
"""

from __future__ import annotations

from .contract import (
    HTML,
    REGISTRY,
    XLSX,
    Analysis,
    Answer,
    Cancelled,
    Job,
    Report,
    as_dict,
    register,
)
from .registry import MODULES, Result, get, load_all

__all__ = [
    "HTML",
    "MODULES",
    "REGISTRY",
    "XLSX",
    "Analysis",
    "Answer",
    "Cancelled",
    "Job",
    "Report",
    "Result",
    "as_dict",
    "get",
    "load_all",
    "register",
]
