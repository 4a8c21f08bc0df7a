from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.heroku import FakeHeroku

APP = "raxx-api-prod"


@pytest.fixture
def heroku() -> Iterator[FakeHeroku]:
    with FakeHeroku() as fake:
        fake.add_app(APP, config={"DATABASE_URL": "postgres://u:secretpw@db.example:5432/d",
                                  "REDIS_URL": "rediss://redis.example:6380"})
        yield fake
