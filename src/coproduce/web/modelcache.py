"""Loaded and compiled models of stored versions, cached (versions never change).

The cache key is the stored data as JSON in its stored order: the order of sections matters
to the last bit of a sum, so it is never sorted.
"""

from __future__ import annotations

from functools import lru_cache

from ..model import CompiledModel, Model, compile_model, load_model
from ..store import Actor, Store


@lru_cache(maxsize=64)
def _loaded(version_id: int, data_json: str) -> tuple[Model, CompiledModel]:
    import json

    model = load_model(json.loads(data_json))
    return model, compile_model(model)


def loaded(version) -> tuple[Model, CompiledModel]:
    """The model and compiled model of a stored version (validated when it was stored)."""
    import json

    return _loaded(version.id, json.dumps(version.data))


def version_of(store: Store, actor: Actor, model_id: int, number: int | None):
    """(stored model, version): the latest version when ``number`` is None."""
    return store.get_model_version(actor, model_id, number)


def open_version(store: Store, actor: Actor, model_id: int, number: int | None):
    """A stored model, one of its versions (``None``: the latest), and that version loaded
    and compiled (cached): (stored model, version, Model, CompiledModel)."""
    m, v = version_of(store, actor, model_id, number)
    return (m, v, *loaded(v))


@lru_cache(maxsize=64)
def _with_scenarios(version_id: int | None, data_json: str, scenarios: tuple[str, ...]) -> Model:
    import json

    return load_model(json.loads(data_json), scenarios=scenarios)


def loaded_with(version_id: int | None, data: dict, scenarios: tuple[str, ...]) -> Model:
    """A stored version's model with ``scenarios`` applied (cached; treat it as read-only)."""
    import json

    return _with_scenarios(version_id, json.dumps(data), tuple(scenarios))
