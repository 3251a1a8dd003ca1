"""The web workspace: FastAPI pages (Jinja2) and a JSON API over the store and the library.

from coproduce.web import create_app
app = create_app()          # COPRODUCE_DATABASE_URL, else the SQLite file
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
