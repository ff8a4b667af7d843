"""Search over a database that had articles before it had a search table: a version-6 database
upgraded by the real migrations finds its old articles (version 7's backfill, and on SQLite version
8's rebuild, which ends every document with two newlines so that one- and two-character terms at a
document's very end are found through the index too). SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from digest.models import Article, Summary
from digest.store import LATEST_VERSION, migrate, open_store
from digest.store import db as store_db
from digest.store import search as search_module
from digest.store.search import search
from tests.store.conftest import NOW, document

# Version 6 rows: two issues, the first replaced by the second (its article superseded).
_ROWS = (
    "INSERT INTO issues (id, source, paper, locator, issue_date, edition, content_hash, fetched_at, "
    "replaced_at) VALUES (1, 'folder', '交城报', 'p1.txt', '2024-07-25', '', 'h1', :now, :now)",
    "INSERT INTO issues (id, source, paper, locator, issue_date, edition, content_hash, fetched_at) "
    "VALUES (2, 'folder', '交城报', 'p1.txt', '2024-07-26', '', 'h2', :now)",
    "INSERT INTO issues (id, source, paper, locator, issue_date, edition, content_hash, fetched_at) "
    "VALUES (3, 'folder', '文水报', 'p2.txt', '2024-07-26', '', 'h3', :now)",
)
_ARTICLE = (
    "INSERT INTO articles (id, issue_id, position, text, paragraphs, writers, photographers, captions, "
    "superseded, page_headline) "
    "VALUES (:id, :issue, :id, :text, '[]', '[]', '[]', '[]', :superseded, :printed)"
)
_ARTICLES = (
    {
        "id": 1,
        "issue": 1,
        "text": "旧版：县委书记刘旋调研防汛工作。",
        "superseded": True,
        "printed": "旧标题",
    },
    {
        "id": 2,
        "issue": 2,
        "text": "县委书记刘旋调研防汛工作，要求压实责任。",
        "superseded": False,
        "printed": "防汛",
    },
    # Names and a single character at the very end of the text: the last characters of a document.
    {"id": 3, "issue": 3, "text": "文水县召开项目推进会。通讯员 王敏", "superseded": False, "printed": None},
    {
        "id": 4,
        "issue": 3,
        "text": "Shanghai 客商来文水考察，签约光伏项目。记者 李",
        "superseded": False,
        "printed": None,
    },
)
_SUMMARIES = (
    "INSERT INTO summaries (article_id, engine, headline, summary, created_at, stale) VALUES "
    "(2, 'extractive', '旧的摘要标题', '旧摘要', :now, true), "
    "(2, 'extractive', '刘旋部署汛期安全', '汛期安全隐患排查', :now, false)"
)


@pytest.fixture
def engine(store_url: str) -> Iterator[sa.Engine]:
    engine = store_db.create_engine(store_db.parse_url(store_url))
    yield engine
    engine.dispose()


def _version_6(engine: sa.Engine) -> None:
    assert migrate(engine, engine.url, target=6) == 6
    with engine.begin() as conn:
        for statement in _ROWS:
            conn.execute(sa.text(statement), {"now": NOW})
        for row in _ARTICLES:
            conn.execute(sa.text(_ARTICLE), row)
        conn.execute(sa.text(_SUMMARIES), {"now": NOW})


def _found(store_url: str, query: str, **filters: object) -> list[int]:
    with open_store(store_url) as store:
        page = store.read(search, query, **filters)  # type: ignore[arg-type]
    assert page.total == len(page.hits)
    return [hit.article_id for hit in page.hits]


def test_a_version_6_database_finds_its_old_articles_after_the_upgrade(
    store_url: str, engine: sa.Engine
) -> None:
    _version_6(engine)
    assert migrate(engine, engine.url, target=7) == 7  # the backfill alone
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM article_search").scalar_one() == 3  # current only
    assert migrate(engine, engine.url) == LATEST_VERSION
    assert _found(store_url, "刘旋") == [2]  # two characters; the superseded version is not there
    assert _found(store_url, "调研防汛工作") == [2]  # a phrase
    assert _found(store_url, "隐患排查") == [2]  # only in the fresh summary
    assert _found(store_url, "汛期 刘旋") == [2]  # every term, one in the summary, one in the text
    assert _found(store_url, "旧摘要") == []  # only in the stale one
    assert _found(store_url, "旧版") == []  # only in the superseded article
    assert _found(store_url, "王敏") == [3]  # the last two characters of a document
    assert _found(store_url, "李") == [4]  # and the last one
    assert _found(store_url, "项目") == [4, 3]  # newest issue first, then newest article
    assert _found(store_url, "sh") == [4]  # case-blind
    assert _found(store_url, "SHANGHAI") == [4]
    assert _found(store_url, "项目", paper="文水报") == [4, 3]
    assert _found(store_url, "刘旋", paper="文水报") == []


def test_articles_stored_after_the_upgrade_are_found_to_their_last_character(store_url: str) -> None:
    with open_store(store_url) as store:
        article = Article(index=1, paragraphs=("县长主持召开防汛会议。记者 张伟",), page_headline="防汛")
        _, issue_id = store.record_document(document("new.txt"), "new", [article], now=NOW)
        issue = store.issue(issue_id)
        assert issue is not None
        [stored] = issue.articles
        assert [h.article_id for h in store.read(search, "张伟").hits] == [stored.article_id]
        assert [h.article_id for h in store.read(search, "伟").hits] == [stored.article_id]
        store.save_summaries(
            [(stored.article_id, Summary("县长部署防汛", "会议部署防汛。", "extractive"))], now=NOW
        )
        assert [h.article_id for h in store.read(search, "张伟").hits] == [
            stored.article_id
        ]  # after the summary
        assert store.read(search, "部署").total == 1


@pytest.mark.parametrize("few", [64, 0], ids=["or-ed trigrams", "instances"])
def test_short_terms_are_found_either_way(store_url: str, few: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite reads a short term's trigrams into the MATCH, or their instances from the vocabulary
    when there are many (forced here); both give the substring truth."""
    monkeypatch.setattr(search_module, "_FEW", few)
    texts = ["刘旋调研。", "县委书记刘旋", "刘旋", "刘旋转身", "刘某", "Café 刘旋"]
    with open_store(store_url) as store:
        articles = [Article(index=n, paragraphs=(t,)) for n, t in enumerate(texts, 1)]
        store.record_document(document("short.txt"), "short", articles, now=NOW)
        for term in ("刘旋", "刘", "旋", "某", "fé", "FÉ", "café 旋", "鲲鹏"):
            expected = {t for t in texts if all(w.lower() in t.lower() for w in term.split())}
            found = {h.article.text for h in store.read(search, term).hits}
            assert found == expected, term
