"""`get_engine()` as the runbook's snippets use it: SQLAlchemy on the app's DATABASE_URL."""

from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine


def get_engine() -> Engine:
    url = os.environ["DATABASE_URL"]
    # Heroku hands out postgres://; SQLAlchemy 2 wants a dialect (psycopg 3 here).
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            url = "postgresql+psycopg://" + url[len(scheme):]
    return create_engine(url, pool_pre_ping=True)
