"""What every test folder shares: the known-answer reference data.

The oracles (outputs of the R packages voi, BCEA, dampack and survey, and the GMCA unit cost
database) are third-party files under their own licences (GPL-3 for several): the project does
not commit them as they are. They are read from ``../shared/reference``, which every
developer's checkout and CI have beside the repository, or from ``tests/reference`` when a
user places copies there."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
# copies a user placed in tests/reference first; the shared folder beside the repository
REFERENCE_DIRS = (HERE / "reference", HERE.parent / ".." / "shared" / "reference")
REFERENCE = REFERENCE_DIRS[0]


def reference_path(*parts: str) -> Path:
    """A reference file: from tests/reference, else ../shared/reference; skips when neither
    has it, except under CI=true, where it fails."""
    for folder in REFERENCE_DIRS:
        path = folder.joinpath(*parts)
        if path.exists():
            return path
    where = " or ".join(str(folder.joinpath(*parts)) for folder in REFERENCE_DIRS)
    if os.environ.get("CI") == "true":
        pytest.fail(f"reference file missing (CI=true): {where}")
    pytest.skip(f"reference file not found: {where}")


def read_reference_csv(name: str, folder: str = "oracles") -> pd.DataFrame:
    """A CSV of the reference oracles (``oracles/`` of the reference folder)."""
    return pd.read_csv(reference_path(folder, name))
