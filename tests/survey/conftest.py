"""Shared fixtures: the R ``survey`` package's api teaching data from ../shared/reference."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ORACLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "oracles"


def _read(name: str) -> pd.DataFrame:
    path = ORACLES / f"survey_{name}.csv"
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must provide ../shared/reference")
        pytest.skip(f"{path} not found: the reference oracles live in ../shared/reference")
    return pd.read_csv(path)


@pytest.fixture(scope="session")
def apistrat() -> pd.DataFrame:
    return _read("apistrat")


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    return _read("apiclus1")


@pytest.fixture(scope="session")
def apiclus2() -> pd.DataFrame:
    return _read("apiclus2")
