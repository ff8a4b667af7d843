"""[workers]: who does the bot's work, and how a dead worker's jobs are taken over."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class WorkerSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # inline: `digest run` does everything itself. queue: it is the clock and enqueues; `digest
    # worker` processes do the work (PostgreSQL only).
    executor: Literal["inline", "queue"] = "inline"
    # A worker tells the queue it is alive this often; one silent for stalled_after_seconds is dead,
    # and its running jobs are given to others.
    heartbeat_seconds: float = Field(default=10.0, gt=0, le=3600)
    stalled_after_seconds: float = Field(default=60.0, gt=0, le=86400)
    # How many summarise jobs a poll that brought news asks for: each takes batches of pending
    # articles until none are left, so this is how many workers can summarise at once.
    summarise_jobs: int = Field(default=4, ge=1, le=1024)
