"""Shared helpers for the appraisal tests."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import reference_path

UCD_XLSX = "gmca-unit-cost-database-v1.4.xlsx"


def need_reference(name: str | Path) -> Path:
    """The reference file (tests/reference), or skip (fail under CI=true) when it is absent."""
    return reference_path(str(name))
