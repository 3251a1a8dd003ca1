"""Shared fixtures: the oracle data of the R packages voi, BCEA and dampack (tests/reference)."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import read_reference_csv


def read_oracle(name: str) -> pd.DataFrame:
    return read_reference_csv(name)


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
