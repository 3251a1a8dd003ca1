"""The ``portfolio`` command, registered on the app if the entry point does not yet do it."""

from __future__ import annotations

from pathlib import Path

import pytest

FILES = Path(__file__).parent / "files"


def _register() -> None:
    from coproduce.cli import main, portfolio

    names = {c.name for c in main.app.registered_commands}
    if "portfolio" not in names:
        portfolio.register(main.app)


_register()


@pytest.fixture
def files() -> Path:
    return FILES
