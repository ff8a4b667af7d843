"""Schema version 8: on SQLite, every search document ends with two newlines.

Search finds a term of one or two characters through the trigrams that begin with it (store/search.py
reads them from the FTS5 index's vocabulary): a lookup where version 7 scanned every document. An
occurrence in the last two characters of a document begins no trigram; two newlines after the text
give every character of the document one. The table is built again from the articles and their
summaries (quicker than rewriting each row: about 30 s for 50,000 articles) and the triggers that
write it append the newlines from now on.

PostgreSQL's table is left as it is: pg_trgm matches ILIKE with its own padding.
"""

from __future__ import annotations

import sqlalchemy as sa

_SQLITE = (
    "DROP TRIGGER article_search_insert",
    "DROP TRIGGER article_search_summary",
    "DROP TABLE article_search",
    "CREATE VIRTUAL TABLE article_search USING fts5(doc, tokenize = 'trigram')",
    """INSERT INTO article_search (rowid, doc)
    SELECT a.id, coalesce(a.page_headline, '') || char(10) || coalesce(s.headline, '') || char(10)
        || coalesce(s.summary, '') || char(10) || a.text || char(10) || char(10)
    FROM articles a LEFT JOIN summaries s ON s.article_id = a.id AND s.stale = 0
    WHERE a.superseded = 0""",
    """CREATE TRIGGER article_search_insert AFTER INSERT ON articles WHEN new.superseded = 0
    BEGIN
        INSERT INTO article_search (rowid, doc)
        VALUES (new.id, coalesce(new.page_headline, '') || char(10) || char(10) || char(10) || new.text
            || char(10) || char(10));
    END""",
    """CREATE TRIGGER article_search_summary AFTER INSERT ON summaries WHEN new.stale = 0
    BEGIN
        UPDATE article_search SET doc = (
            SELECT coalesce(a.page_headline, '') || char(10) || new.headline || char(10)
                || new.summary || char(10) || a.text || char(10) || char(10)
            FROM articles a WHERE a.id = new.article_id)
        WHERE rowid = new.article_id;
    END""",
)


def upgrade(conn: sa.Connection) -> None:
    if conn.dialect.name == "postgresql":
        return
    for statement in _SQLITE:
        conn.exec_driver_sql(statement)
