"""APScheduler jobs: persisted in the digest database, missed runs handled by the grace rules."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent

from digest.config import load
from digest.runtime import Runtime, runtime
from digest.scheduler import brief_and_deliver, build_scheduler, run_cycle, send_late_news
from digest.summarise.extractive import ExtractiveSummariser
from tests.test_bot import copies, write_config


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    folder = tmp_path / "in"
    copies(folder, 1)
    config = write_config(tmp_path, folder)
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "summarise_batch", "misfire_grace_seconds = 600\nsummarise_batch"
        ),
        encoding="utf-8",
    )
    with runtime(load(config, environ={}), summariser=ExtractiveSummariser()) as value:
        yield value


def _run_with_past_due(rt: Runtime, overdue: dt.timedelta) -> tuple[list[JobEvent], object]:
    """Start the scheduler with the poll job overdue by ``overdue``; collect what happens to it."""
    events: list[JobEvent] = []
    seen = threading.Event()

    def listen(event: JobEvent) -> None:
        if event.job_id == "poll:county":  # the delivery job runs at start too
            events.append(event)
            seen.set()

    scheduler = build_scheduler(rt)  # started paused, as the daemon starts it
    job = scheduler.get_job("poll:county")
    job.modify(next_run_time=dt.datetime.now(dt.UTC) - overdue)
    scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    scheduler.resume()
    assert seen.wait(30)
    scheduler.shutdown(wait=True)
    return events, scheduler.get_job("poll:county")


def test_a_run_missed_within_the_grace_runs_once(rt: Runtime) -> None:
    # An hourly job overdue by nine minutes: it runs once on start.
    events, _ = _run_with_past_due(rt, dt.timedelta(minutes=9))
    assert [e.code for e in events] == [EVENT_JOB_EXECUTED]
    assert rt.store.status().articles == 5


def test_a_run_missed_beyond_the_grace_waits_for_its_next_time(rt: Runtime) -> None:
    events, _ = _run_with_past_due(rt, dt.timedelta(minutes=20))
    assert [e.code for e in events] == [EVENT_JOB_MISSED]
    assert rt.store.status().articles == 0


def test_jobs_persist_and_an_unchanged_job_keeps_its_time(rt: Runtime) -> None:
    scheduler = build_scheduler(rt)
    due = dt.datetime(2030, 1, 1, 8, 0, tzinfo=dt.UTC)
    scheduler.get_job("poll:county").modify(next_run_time=due)
    scheduler.shutdown(wait=False)
    again = build_scheduler(rt)  # a restart: the job is read back from the database, not replaced
    assert again.get_job("poll:county").next_run_time == due
    again.shutdown(wait=False)


def test_a_removed_source_loses_its_job(rt: Runtime) -> None:
    build_scheduler(rt).shutdown(wait=False)
    rt.sources.clear()
    scheduler = build_scheduler(rt)
    assert sorted(job.id for job in scheduler.get_jobs()) == ["brief:desk", "deliver"]
    scheduler.shutdown(wait=False)


def test_each_subscriber_is_briefed_daily_at_their_local_time(rt: Runtime) -> None:
    scheduler = build_scheduler(rt)
    job = scheduler.get_job("brief:desk")
    due = job.next_run_time.astimezone(ZoneInfo("Asia/Shanghai"))
    assert (due.hour, due.minute) == (7, 30)
    assert dt.timedelta(0) < due - dt.datetime.now(dt.UTC) <= dt.timedelta(days=1)
    scheduler.shutdown(wait=False)


def test_after_a_cycle_that_brings_news_supplement_subscribers_past_their_time_get_it(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    copies(folder, 1)
    config = write_config(tmp_path, folder)
    config.write_text(
        config.read_text(encoding="utf-8").replace('name = "desk"\n', 'name = "desk"\nlate = "supplement"\n'),
        encoding="utf-8",
    )
    shanghai = ZoneInfo("Asia/Shanghai")
    with runtime(load(config, environ={}), summariser=ExtractiveSummariser()) as rt:
        rt.clock = lambda: dt.datetime(2026, 12, 2, 6, 0, tzinfo=shanghai)
        assert run_cycle(rt).summarised > 0
        assert send_late_news(rt) is None  # before 07:30 the day's briefing is still to come
        assert rt.store.briefings_of_day("desk", dt.date(2026, 12, 2)) == []
        rt.clock = lambda: dt.datetime(2026, 12, 2, 7, 30, tzinfo=shanghai)
        brief_and_deliver(rt, ["desk"])  # the daily job
        # A second issue comes in after it (a story of its own: a reprint would be told already).
        (folder / "late.txt").write_text("本报讯 石岭镇举办农民丰收节。\n（记者 李秀梅）\n", encoding="utf-8")
        assert run_cycle(rt).summarised > 0
        report = send_late_news(rt)
        assert report is not None and report.accounts[0].late == 1
        assert report.delivery.sent == 1
        assert [b.sequence for b in rt.store.briefings_of_day("desk", dt.date(2026, 12, 2))] == [1, 2]
