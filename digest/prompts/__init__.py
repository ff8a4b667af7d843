"""Prompt templates, one TOML file per model family, shipped inside the wheel."""
