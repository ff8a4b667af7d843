"""The Store's contract, the same on every backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from digest.models import Summary
from digest.store import IngestOutcome, Store, queries
from digest.store.schema import articles as articles_table
from digest.store.schema import issues as issues_table
from digest.store.schema import summaries as summaries_table
from tests.store.conftest import NOW, document, sample_articles, sample_text

ARTICLES = sample_articles()
LATER = NOW + dt.timedelta(hours=1)


def summary_of(n: int) -> Summary:
    return Summary(headline=f"标题{n}", summary=f"摘要{n}", engine="extractive")


def summarise_all(store: Store) -> None:
    pending = store.pending_articles(1000)
    store.save_summaries([(p.id, summary_of(p.article.index)) for p in pending], now=NOW)


def test_the_sample_page_has_five_articles() -> None:
    assert [a.index for a in ARTICLES] == [1, 2, 3, 4, 5]


def test_new_then_unchanged_then_replaced(store: Store) -> None:
    outcome, first = store.record_document(document(), "hash-1", ARTICLES, now=NOW)
    assert outcome is IngestOutcome.NEW
    assert store.record_document(document(), "hash-1", ARTICLES, now=LATER) == (
        IngestOutcome.UNCHANGED,
        first,
    )
    outcome, second = store.record_document(document(), "hash-2", ARTICLES[:3], now=LATER)
    assert outcome is IngestOutcome.REPLACED and second != first
    assert store.record_document(document(), "hash-2", ARTICLES[:3], now=LATER) == (
        IngestOutcome.UNCHANGED,
        second,
    )
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(issues_table.c.id, issues_table.c.replaced_at).order_by("id")).all()
        superseded = conn.execute(
            sa.select(articles_table.c.superseded, sa.func.count()).group_by(articles_table.c.superseded)
        ).all()
    assert [(r.id, r.replaced_at) for r in rows] == [(first, LATER), (second, None)]
    assert sorted(superseded) == [(False, 3), (True, 5)]
    assert store.status().issues == 1 and store.status().articles == 3


def test_the_same_bytes_elsewhere_in_the_same_paper_are_unchanged(store: Store) -> None:
    _, first = store.record_document(document("a/page1.txt"), "same", ARTICLES, now=NOW)
    copy = document("mirror/page1.txt", source="mirror")
    assert store.record_document(copy, "same", ARTICLES, now=NOW) == (IngestOutcome.UNCHANGED, first)
    other_paper = document("b/page1.txt", paper="吕梁日报")
    assert store.record_document(other_paper, "same", ARTICLES, now=NOW)[0] is IngestOutcome.NEW
    assert store.status().articles == 10


def test_articles_come_back_as_they_went_in(store: Store) -> None:
    _, issue_id = store.record_document(document(), "h", ARTICLES, now=NOW)
    pending = store.pending_articles(100)
    assert [p.article for p in pending] == ARTICLES
    first = pending[0]
    assert (first.issue_id, first.paper, first.issue_date) == (issue_id, "交城报", dt.date(2024, 7, 26))
    assert first.link == "https://example.org/page1.txt"
    assert any(p.article.photographers for p in pending) and any(p.article.dateline for p in pending)


def test_pending_then_saved_then_not_pending(store: Store) -> None:
    store.record_document(document(), "h", ARTICLES, now=NOW)
    pending = store.pending_articles(2)
    assert [p.article.index for p in pending] == [1, 2]  # oldest first, limited
    store.save_summaries([(pending[0].id, summary_of(1))], now=NOW)
    assert [p.article.index for p in store.pending_articles(100)] == [2, 3, 4, 5]
    summarise_all(store)
    assert store.pending_articles(100) == []
    assert store.status().summaries == 5


def test_saving_twice_keeps_the_first_summary(store: Store) -> None:
    store.record_document(document(), "h", ARTICLES, now=NOW)
    article_id = store.pending_articles(1)[0].id
    first, second = summary_of(1), Summary("别的标题", "别的摘要", "seq2seq", guard="ok")
    store.save_summaries([(article_id, first), (article_id, second)], now=NOW)
    store.save_summaries([(article_id, second)], now=LATER)  # a second run that raced the first
    day = store.articles_for_day(dt.date(2024, 7, 26))
    assert day[0].summary == first
    assert store.status().summaries == 1


def test_at_most_one_current_summary_per_article_even_past_the_checks(store: Store) -> None:
    store.record_document(document(), "h", ARTICLES, now=NOW)
    article_id = store.pending_articles(1)[0].id
    row = {"article_id": article_id, "engine": "e", "headline": "h", "summary": "s", "created_at": NOW}
    with store.engine.begin() as conn:
        conn.execute(summaries_table.insert().values(**row, stale=False))
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(summaries_table.insert().values(**row, stale=False))
    with store.engine.begin() as conn:  # stale ones may pile up
        conn.execute(summaries_table.insert().values(**row, stale=True))
        conn.execute(summaries_table.insert().values(**row, stale=True))


def test_a_replaced_page_needs_new_summaries_and_its_old_articles_disappear(store: Store) -> None:
    store.record_document(document(), "v1", ARTICLES, now=NOW)
    summarise_all(store)
    old_ids = {s.article_id for s in store.articles_for_day(dt.date(2024, 7, 26))}
    store.record_document(document(), "v2", ARTICLES[1:], now=LATER)
    pending = store.pending_articles(100)
    assert [p.article.index for p in pending] == [2, 3, 4, 5]
    assert not old_ids & {p.id for p in pending}
    day = store.articles_for_day(dt.date(2024, 7, 26))
    assert [s.article.index for s in day] == [2, 3, 4, 5]
    assert not old_ids & {s.article_id for s in day}
    assert all(s.summary is None for s in day)
    # Summaries for the old articles (a run that read them before the replacement) are not saved.
    store.save_summaries([(i, summary_of(0)) for i in old_ids], now=LATER)
    status = store.status()
    assert (status.summaries, status.pending, status.articles) == (0, 4, 4)


def test_articles_for_day_by_paper_issue_and_position(store: Store) -> None:
    day = dt.date(2024, 7, 26)
    b2 = document("b2", paper="乙报", edition="第02版")
    a1 = document("a1", paper="甲报")
    b1 = document("b1", paper="乙报", edition="第01版")
    undated = document("a-undated", paper="甲报", issue_date=None)
    yesterday = document("a-old", paper="甲报", issue_date=day - dt.timedelta(days=1))
    for n, doc in enumerate((b2, a1, b1, yesterday)):
        store.record_document(doc, f"h{n}", ARTICLES[:2], now=NOW)
    store.record_document(
        undated, "h-undated", ARTICLES[2:3], now=dt.datetime(2024, 7, 26, 23, tzinfo=dt.UTC)
    )
    summarise_all(store)

    got = [(s.paper, s.issue_date, s.article.index) for s in store.articles_for_day(day)]
    assert got == [  # papers in code point order: 乙 (U+4E59) before 甲 (U+7532)
        ("乙报", day, 1),  # b2 was stored first: issue order is the order they came in
        ("乙报", day, 2),
        ("乙报", day, 1),
        ("乙报", day, 2),
        ("甲报", day, 1),
        ("甲报", day, 2),
        ("甲报", day - dt.timedelta(days=1), 1),  # dated the day before, but it came in on the day
        ("甲报", day - dt.timedelta(days=1), 2),
        ("甲报", None, 3),  # fetched on the day (UTC)
    ]
    # Dated and fetched the day before: only with a look-back.
    old = document("a-older", paper="甲报", issue_date=day - dt.timedelta(days=1))
    store.record_document(old, "h-older", ARTICLES[3:4], now=NOW - dt.timedelta(days=1))
    summarise_all(store)
    assert not [s for s in store.articles_for_day(day) if s.article.index == 4]
    assert [s.article.index for s in store.articles_for_day(day, look_back=1) if s.article.index == 4] == [4]
    editions = [s.edition for s in store.articles_for_day(day, ["乙报"])]
    assert editions == ["第02版", "第02版", "第01版", "第01版"]
    assert all(s.summary is not None for s in store.articles_for_day(day))
    assert store.articles_for_day(day, []) == []
    # 23:00 UTC is already the 27th in Beijing.
    beijing = dt.timezone(dt.timedelta(hours=8))
    assert [s.issue_date for s in store.articles_for_day(day + dt.timedelta(days=1), tz=beijing)] == [None]


def test_source_state_round_trip(store: Store) -> None:
    assert store.source_state("folder") == {}
    state: dict[str, Any] = {"etag": 'W/"1"', "seen": {"页1.pdf": [1024, 1721980800.5]}, "n": None}
    store.save_source_state("folder", "folder", "交城报", state, polled_at=NOW, error=None)
    assert store.source_state("folder") == state
    store.save_source_state("folder", "folder", "交城报", {"etag": "2"}, polled_at=LATER, error="HTTP 503")
    assert store.source_state("folder") == {"etag": "2"}
    (source,) = store.status().sources
    assert (source.last_poll_at, source.last_error) == (LATER, "HTTP 503")
    store.save_source_state("folder", "folder", "交城报", {}, polled_at=LATER, error=None)
    assert store.status().sources[0].last_error is None


def test_status_counts(store: Store) -> None:
    store.save_source_state("folder", "folder", "交城报", {}, polled_at=NOW, error=None)
    store.save_source_state("site", "founder", "吕梁日报", {}, polled_at=NOW, error="timeout")
    store.record_document(document("p1"), "h1", ARTICLES, now=NOW)
    store.record_document(document("p2"), "h2", ARTICLES[:2], now=NOW)
    store.record_document(document("p2"), "h3", ARTICLES[:1], now=NOW)  # replaces p2
    store.record_document(document("s1", source="site", paper="吕梁日报"), "h4", ARTICLES[:1], now=NOW)
    store.record_document(document("x1", source="one-off"), "h5", ARTICLES[:1], now=NOW)
    first = store.pending_articles(3)
    store.save_summaries([(p.id, summary_of(p.article.index)) for p in first], now=NOW)

    status = store.status()
    assert [(s.name, s.kind, s.paper, s.issues, s.last_error) for s in status.sources] == [
        ("folder", "folder", "交城报", 2, None),
        ("site", "founder", "吕梁日报", 1, "timeout"),
    ]
    assert (status.issues, status.articles, status.summaries, status.pending) == (4, 8, 3, 5)


def test_a_failure_midway_leaves_nothing_half_written(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.record_document(document(), "v1", ARTICLES, now=NOW)
    summarise_all(store)
    real = queries._article_row

    def failing(issue_id: int, article: Any) -> dict[str, Any]:
        if article.index == 3:
            raise RuntimeError("killed")
        return real(issue_id, article)

    monkeypatch.setattr(queries, "_article_row", failing)
    with pytest.raises(RuntimeError, match="killed"):
        store.record_document(document(), "v2", ARTICLES, now=LATER)
    # The replacement did not happen at all: the old issue, its articles and summaries are current.
    status = store.status()
    assert (status.issues, status.articles, status.summaries, status.pending) == (1, 5, 5, 0)
    monkeypatch.undo()
    assert store.record_document(document(), "v2", ARTICLES, now=LATER)[0] is IngestOutcome.REPLACED


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(sa.exc.StatementError, match="aware"):
        store.record_document(document(), "h", ARTICLES, now=dt.datetime(2024, 7, 26, 8))


def test_reopening_keeps_everything(open_test_store: Callable[[], Store]) -> None:
    first = open_test_store()
    first.record_document(document(), "h", ARTICLES, now=NOW)
    first.close()
    again = open_test_store()
    assert again.status().articles == 5
    assert again.record_document(document(), "h", ARTICLES, now=NOW)[0] is IngestOutcome.UNCHANGED


def test_many_documents_in_one_store(store: Store) -> None:
    text = sample_text()
    for n in range(20):
        store.record_document(document(f"p{n}"), f"h{n}", sample_articles(text + f"\n{n}"), now=NOW)
    assert store.status().articles == 100
