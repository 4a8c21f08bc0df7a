"""The Heroku adapter: the Platform API through heroku3 (api.py, its only importer), our own
rendezvous client for one-off dynos (rendezvous.py) and the app's log stream (logs.py).

Nothing here decides policy; it turns Heroku's answers and failures into values and one-line
`HerokuError`s (docs/heroku.md).
"""
