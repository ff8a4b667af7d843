"""A briefing holds every summarised article of the subscriber's papers not briefed to them yet,
whatever its issue date, within a look-back: a late issue is in the next briefing, exactly once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from digest.briefing.compose import compose
from digest.briefing.daily import BriefOutcome, brief, supplement
from digest.briefing.subscribers import SubscriberSettings
from digest.models import RawInput
from digest.notify.file import FileChannel
from digest.notify.settings import ChannelSettings
from digest.pipeline import ingest_document, summarise_pending
from digest.sources.base import FetchedDocument
from digest.store import Store, open_store
from digest.summarise.extractive import ExtractiveSummariser

DAY = dt.date(2024, 8, 1)
READER = SubscriberSettings(name="desk", channels=[ChannelSettings(url="outbox", kind="file")])


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'digest.db'}")


def _ingest(store: Store, name: str, text: str, *, issue_date: dt.date | None, at: dt.datetime) -> None:
    doc = FetchedDocument(
        source="test",
        paper="交城报",
        locator=name,
        raw=RawInput(name, text.encode(), ".txt"),
        issue_date=issue_date,
    )
    ingest_document(store, doc, now=at)
    summarise_pending(store, ExtractiveSummariser(), batch=64, now=lambda: at)


def _briefed(store: Store, day: dt.date, at: dt.datetime) -> BriefOutcome:
    # Planning only: the parts wait in the delivery log, so no file is written.
    return brief(store, READER, day, {"desk/file": FileChannel(Path("outbox"))}, now=at)


def _headlines(store: Store, briefing_id: int) -> list[str]:
    content = store.briefing_content(briefing_id) or {}
    return [a["summary"] for issue in content["issues"] for a in issue["articles"]]


def test_a_late_issue_is_in_the_next_briefing_exactly_once(store: Store) -> None:
    morning = dt.datetime(2024, 8, 1, 0, 0, tzinfo=dt.UTC)
    _ingest(store, "a.txt", "本报讯 清河县召开秋收会议。\n（记者 王建国）", issue_date=DAY, at=morning)
    assert _briefed(store, DAY, morning) is BriefOutcome.PLANNED
    # One minute after the briefing: a late issue of the same day, and one whose date is long past.
    late = morning + dt.timedelta(minutes=1)
    _ingest(store, "b.txt", "本报讯 石岭镇举办农民丰收节。\n（记者 李秀梅）", issue_date=DAY, at=late)
    _ingest(
        store,
        "2019-05-04.txt",
        "本报讯 柳林乡修通致富路。\n（记者 赵红梅）",
        issue_date=dt.date(2019, 5, 4),
        at=late,
    )
    # Today's briefing is not composed again; tomorrow's holds both late articles, and not the first.
    assert _briefed(store, DAY, late) is BriefOutcome.UNCHANGED
    tomorrow = DAY + dt.timedelta(days=1)
    next_day = compose(store, READER, tomorrow)
    texts = [item.summary for issue in next_day.issues for item in issue.items]
    assert len(texts) == 2 and any("丰收节" in t for t in texts) and any("致富路" in t for t in texts)
    assert _briefed(store, tomorrow, late + dt.timedelta(days=1)) is BriefOutcome.PLANNED
    # And the day after, nothing is briefed twice.
    assert compose(store, READER, tomorrow + dt.timedelta(days=1)).count == 0


def test_no_article_is_ever_in_two_briefings_of_one_subscriber(store: Store) -> None:
    at = dt.datetime(2024, 8, 1, 0, 0, tzinfo=dt.UTC)
    seen: list[str] = []
    for n in range(5):
        day = DAY + dt.timedelta(days=n)
        now = at + dt.timedelta(days=n)
        _ingest(store, f"p{n}.txt", f"本报讯 第{n}条新闻的正文。\n（记者 王建国）", issue_date=day, at=now)
        _briefed(store, day, now)
        briefing = compose(store, READER, day)  # what a second composition of the day would hold
        assert briefing.count == 0
    for briefing_id in range(1, 6):
        seen += _headlines(store, briefing_id)
    assert len(seen) == len(set(seen)) == 5


def test_a_new_subscriber_gets_the_look_back_not_everything(store: Store) -> None:
    old = dt.datetime(2024, 7, 1, 0, 0, tzinfo=dt.UTC)
    _ingest(
        store, "old.txt", "本报讯 很久以前的新闻。\n（记者 王建国）", issue_date=dt.date(2024, 7, 1), at=old
    )
    recent = dt.datetime(2024, 7, 31, 0, 0, tzinfo=dt.UTC)
    _ingest(
        store, "new.txt", "本报讯 昨天的新闻。\n（记者 王建国）", issue_date=dt.date(2024, 7, 31), at=recent
    )
    briefing = compose(store, READER, DAY)
    assert [item.summary for issue in briefing.issues for item in issue.items] == ["昨天的新闻。"]


def test_a_subscriber_who_asks_for_it_gets_late_news_in_a_same_day_supplement(store: Store) -> None:
    reader = READER.model_copy(update={"late": "supplement"})
    channels = {"desk/file": FileChannel(Path("outbox"))}
    morning = dt.datetime(2024, 8, 1, 0, 0, tzinfo=dt.UTC)
    _ingest(store, "a.txt", "本报讯 清河县召开秋收会议。\n（记者 王建国）", issue_date=DAY, at=morning)
    assert brief(store, reader, DAY, channels, now=morning) is BriefOutcome.PLANNED
    assert supplement(store, reader, DAY, channels, now=morning) == 0  # nothing came in since
    late = morning + dt.timedelta(minutes=1)
    _ingest(store, "b.txt", "本报讯 石岭镇举办农民丰收节。\n（记者 李秀梅）", issue_date=DAY, at=late)
    assert supplement(store, reader, DAY, channels, now=late) == 1
    assert supplement(store, reader, DAY, channels, now=late) == 0  # and not again
    saved = store.briefings_of_day("desk", DAY)
    assert [b.sequence for b in saved] == [1, 2]
    assert [a["summary"] for i in saved[1].content["issues"] for a in i["articles"]] == [
        "石岭镇举办农民丰收节。"
    ]
    titles = {r.message["title"] for r in store.deliveries(DAY, "desk") if r.message}
    assert titles == {"每日简报 2024-08-01 · 1 篇", "每日简报 2024-08-01 补充 · 1 篇"}
    # The next day's briefing holds neither: each article reached the reader once.
    assert compose(store, reader, DAY + dt.timedelta(days=1)).count == 0


def test_no_supplement_before_the_day_has_a_briefing(store: Store) -> None:
    reader = READER.model_copy(update={"late": "supplement"})
    at = dt.datetime(2024, 8, 1, 0, 0, tzinfo=dt.UTC)
    _ingest(store, "a.txt", "本报讯 清河县召开秋收会议。\n（记者 王建国）", issue_date=DAY, at=at)
    assert supplement(store, reader, DAY, {}, now=at) == 0
    assert compose(store, reader, DAY).count == 1  # the day's briefing will hold it
