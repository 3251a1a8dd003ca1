"""Shared fixtures: the oracle data of the R packages voi, BCEA and dampack (../shared)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

ORACLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "oracles"


def read_oracle(name: str) -> pd.DataFrame:
    path = ORACLES / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must provide ../shared/reference")
        pytest.skip(f"{path} not found: the reference oracles live in ../shared/reference")
    return pd.read_csv(path)


@pytest.fixture(scope="session")
def chemo_nb() -> pd.DataFrame:
    return read_oracle("voi_chemo_nb.csv")


@pytest.fixture(scope="session")
def chemo_cea() -> pd.DataFrame:
    return read_oracle("voi_chemo_cea.csv")


@pytest.fixture(scope="session")
def chemo_pars() -> pd.DataFrame:
    return read_oracle("voi_chemo_pars.csv")


@pytest.fixture(scope="session")
def vaccine() -> pd.DataFrame:
    return read_oracle("bcea_vaccine.csv")


@pytest.fixture(scope="session")
def cdiff() -> pd.DataFrame:
    return read_oracle("dampack_cdiff_icers.csv")
