"""digest's HTTP API (`digest serve`): a FastAPI app over the same pipeline, store and briefings."""
