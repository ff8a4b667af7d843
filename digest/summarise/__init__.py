"""Summarisers: each turns a batch of articles into headlines and summaries."""
