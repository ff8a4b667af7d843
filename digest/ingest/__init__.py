"""Ingest: read bytes, extract text, clean it and split it into articles."""
