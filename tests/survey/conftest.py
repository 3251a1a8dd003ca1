"""Shared fixtures: the R ``survey`` package's api teaching data (tests/reference)."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.conftest import read_reference_csv


def _read(name: str) -> pd.DataFrame:
    return read_reference_csv(f"survey_{name}.csv")


@pytest.fixture(scope="session")
def apistrat() -> pd.DataFrame:
    return _read("apistrat")


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    return _read("apiclus1")


@pytest.fixture(scope="session")
def apiclus2() -> pd.DataFrame:
    return _read("apiclus2")
