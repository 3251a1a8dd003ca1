"""The strategy-map model: schema, loading (YAML/JSON/XLSX), validation, compiled arrays."""

from .compile import CompiledModel, compile_model
from .errors import Issue, ModelError
from .load import example_names, load_model
from .scenarios import apply_scenarios, apply_settings
from .schema import Model
from .serialise import model_to_data

__all__ = [
    "CompiledModel",
    "Issue",
    "Model",
    "ModelError",
    "apply_scenarios",
    "apply_settings",
    "compile_model",
    "example_names",
    "load_model",
    "model_to_data",
]
