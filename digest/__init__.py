"""digest: Chinese newspaper pages in, article summaries and daily briefings out."""

__version__ = "0.1.0"
