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
        runs,
        survey,
    )

    for module in (assets, auth, models, edit, backwards, evaluate, appraisal, survey, runs,
                   admin, api):
        app.include_router(module.router)
