"""What every test folder shares: reading the reference oracles in ../shared/reference."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

REFERENCE = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference"


def read_reference_csv(name: str, folder: str = "oracles") -> pd.DataFrame:
    """A CSV from ../shared/reference; skips when it is absent, except under CI=true."""
    path = REFERENCE / folder / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must provide ../shared/reference")
        pytest.skip(f"{path} not found: the reference oracles live in ../shared/reference")
    return pd.read_csv(path)
