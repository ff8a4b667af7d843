"""The daily briefing: which articles a subscriber gets (compose) and how they read (render)."""
