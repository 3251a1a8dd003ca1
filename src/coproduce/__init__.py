"""coproduce: decision support for public services co-produced with users and communities.

The library is the product's core; the command line, the web app and the reports are adapters
over it. These names are stable::

    import coproduce as cp
    model = cp.load_model("example:older-people")
    result = cp.backwards_map(model, "independent_years", 300, by="full", paths=10)
    result.to_dict()    # exactly what `coproduce map --json` prints
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below load on first use (PEP 562), so `import coproduce` is quick
    from .engine.backwards import BackwardsMap, Pathway, Route, backwards_map
    from .engine.draws import DrawsTable
    from .engine.evaluate import Evaluation, evaluate
    from .engine.planning import Plan, plan
    from .engine.simulate import simulate
    from .model import CompiledModel, Model, ModelError, compile_model, example_names, load_model

__version__ = "0.1.0"

__all__ = [
    "BackwardsMap",
    "CompiledModel",
    "DrawsTable",
    "Evaluation",
    "Model",
    "ModelError",
    "Pathway",
    "Plan",
    "Route",
    "__version__",
    "backwards_map",
    "compile_model",
    "evaluate",
    "example_names",
    "load_model",
    "plan",
    "simulate",
]

# where each public name lives; it is imported the first time it is asked for
_HOMES = {
    "BackwardsMap": ".engine.backwards",
    "Pathway": ".engine.backwards",
    "Route": ".engine.backwards",
    "backwards_map": ".engine.backwards",
    "DrawsTable": ".engine.draws",
    "Evaluation": ".engine.evaluate",
    "evaluate": ".engine.evaluate",
    "Plan": ".engine.planning",
    "plan": ".engine.planning",
    "simulate": ".engine.simulate",
    "CompiledModel": ".model",
    "Model": ".model",
    "ModelError": ".model",
    "compile_model": ".model",
    "example_names": ".model",
    "load_model": ".model",
}

_SUBMODULES = ("appraisal", "portfolio", "scale", "survey", "voi")


def __getattr__(name: str) -> Any:
    # names and domain packages load on first use, so `import coproduce` (and so the command
    # line's start) loads no numerical library it does not need
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name], __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'coproduce' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
