"""Docs are tested artefacts: every model field and every command is documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel

from coproduce.model import schema

ROOT = Path(__file__).resolve().parents[1]


def _fields(cls: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in cls.model_fields.items()}


def test_every_schema_field_is_in_model_format_doc():
    doc = (ROOT / "docs" / "model-format.md").read_text()
    inline = re.sub(r"```.*?```", "", doc, flags=re.S)
    spans = re.findall(r"`([^`\n]+)`", inline)
    mentioned = {w for span in spans for w in re.findall(r"[a-z_]+", span)}
    classes = [
        schema.Model,
        schema.Sector,
        schema.Agency,
        schema.Resource,
        schema.Intervention,
        schema.Outcome,
        schema.OutcomeValue,
        schema.Link,
        schema.Correlation,
        schema.Scenario,
        schema.SetChange,
        schema.ScaleChange,
        schema.RemoveLinkChange,
        schema.AddInterventionChange,
        schema.RemoveInterventionChange,
        schema.AddLinkChange,
        schema.NewIntervention,
        schema.EnablingInput,
        schema.TimeValue,
        schema.CostBand,
    ]
    missing = {f"{cls.__name__}.{f}" for cls in classes for f in _fields(cls) - mentioned}
    assert not missing, f"fields not described in docs/model-format.md: {sorted(missing)}"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    out = subprocess.run(
        [sys.executable, "-m", "coproduce", "--help"], capture_output=True, text=True
    ).stdout
    commands = set(re.findall(r"│ (\w[\w-]*)\s{2,}", out))
    assert {"check", "evaluate", "map", "export", "demo"} <= commands
    missing = [c for c in commands if f"coproduce {c}" not in readme]
    assert not missing, f"commands not in README.md: {missing}"


@pytest.mark.parametrize("name", ["architecture.md", "method.md", "model-format.md"])
def test_docs_exist(name):
    assert len((ROOT / "docs" / name).read_text()) > 1000


def test_example_figures_in_the_docs_are_the_codes():
    """docs/examples.md quotes the bundled examples' headline figures; they are regenerated
    from the code here, so the documentation cannot drift from the product."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "example_figures", ROOT / "scripts" / "example_figures.py"
    )
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    text = (ROOT / "docs" / "examples.md").read_text(encoding="utf-8")
    assert text.count("<!-- figures:") == len(figures.BLOCKS)
    assert figures.regenerate(text) == text, (
        "docs/examples.md is out of date: run .venv/bin/python scripts/example_figures.py --write"
    )
