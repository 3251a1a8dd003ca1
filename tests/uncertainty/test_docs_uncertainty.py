"""docs/uncertainty.md documents every method of the registry and every command option."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coproduce.voi import METHODS
from tests.clirun import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "uncertainty.md"


def test_every_method_is_documented():
    text = DOC.read_text()
    missing = [name for name in METHODS if f"**{name}**" not in text]
    assert not missing, f"methods not in docs/uncertainty.md: {missing}"


@pytest.mark.parametrize("command", ["uncertainty", "voi"])
def test_every_option_is_documented(command):
    out = cli(command, "--help", env={"COLUMNS": "200", "TERM": "dumb"}).stdout
    options = set(re.findall(r"(--[a-z][a-z-]+)", out)) - {"--help"}
    assert options, out
    text = DOC.read_text()
    missing = sorted(o for o in options if o not in text)
    assert not missing, f"options of `coproduce {command}` not in docs/uncertainty.md: {missing}"
