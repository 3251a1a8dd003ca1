"""Shared helpers for the appraisal tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / ".." / "shared" / "reference"
UCD_XLSX = REFERENCE / "gmca-unit-cost-database-v1.4.xlsx"


def need_reference(path: Path) -> Path:
    """The reference file, or skip (fail under CI=true) when the shared folder is absent."""
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference file {path} is missing (CI=true)")
        pytest.skip(f"reference file {path} not found (shared/reference next to the repo)")
    return path
