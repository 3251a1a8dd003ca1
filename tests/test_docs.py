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
    classes = [schema.Model, schema.Sector, schema.Agency, schema.Resource, schema.Intervention,
               schema.Outcome, schema.OutcomeValue, schema.Link, schema.Correlation,
               schema.Scenario, schema.SetChange, schema.ScaleChange, schema.RemoveLinkChange,
               schema.AddInterventionChange, schema.RemoveInterventionChange,
               schema.AddLinkChange, schema.NewIntervention]
    missing = {f"{cls.__name__}.{f}" for cls in classes for f in _fields(cls) - mentioned}
    assert not missing, f"fields not described in docs/model-format.md: {sorted(missing)}"


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    out = subprocess.run([sys.executable, "-m", "coproduce", "--help"], capture_output=True,
                         text=True).stdout
    commands = set(re.findall(r"│ (\w[\w-]*)\s{2,}", out))
    assert {"check", "evaluate", "map", "export", "demo"} <= commands
    missing = [c for c in commands if f"coproduce {c}" not in readme]
    assert not missing, f"commands not in README.md: {missing}"


@pytest.mark.parametrize("name", ["architecture.md", "method.md", "model-format.md"])
def test_docs_exist(name):
    assert len((ROOT / "docs" / name).read_text()) > 1000
