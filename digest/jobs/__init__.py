"""The bot's work as jobs: poll a source, summarise a batch, brief a subscriber, send a channel's parts.

Two executors run the same job bodies (work.py): in-process, as `digest run` always has (the default,
and the only one on SQLite), or through a PostgreSQL job queue (queue.py, Procrastinate) where
`digest run` is only the clock and `digest worker` processes on any machine do the work.
"""
