"""The app code a fake one-off dyno sees at /app (tests/fakes/heroku.py)."""
