"""Route modules: one per area, and one small module per analysis page."""

from __future__ import annotations

from fastapi import FastAPI


def include_all(app: FastAPI) -> None:
    from . import (
        admin,
        api,
        appraisal,
        assets,
        auth,
        backwards,
        edit,
        evaluate,
        models,
        planning,
        portfolio,
        runs,
        survey,
        uncertainty,
    )

    for module in (
        assets,
        auth,
        models,
        edit,
        backwards,
        evaluate,
        uncertainty,
        planning,
        appraisal,
        survey,
        portfolio,
        runs,
        admin,
        api,
    ):
        app.include_router(module.router)
