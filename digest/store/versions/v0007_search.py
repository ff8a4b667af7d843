"""Schema version 7: the reading room's full-text search (digest/web), kept in step by triggers.

``article_search`` holds one row per current article: its printed headline, the headline and summary
digest wrote (once there are), and its text, as one document. Triggers keep it in step with every
writer, whatever code path or process it is: an article stored adds its row, an article superseded
(a corrected re-publication) removes it, a summary saved fills in its headline and summary.

Chinese has no spaces between words, so both backends index character trigrams, not words:

- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34 or newer). A query of three or more
  characters is a phrase MATCH; a shorter one (a two-character name, 刘旋) matches nothing in a
  trigram index, and FTS5's own LIKE on the table returns no rows for it either (measured, 3.40), so
  it is a substring scan with instr() over the table (see store/search.py).
- PostgreSQL: a plain table with a GIN index of pg_trgm's gin_trgm_ops, which serves ILIKE
  '%…%' for three characters or more. pg_trgm is a trusted extension (PostgreSQL 13 or newer): a
  role that may create in the database can create it. Where it cannot be created, the table has no
  index and ILIKE scans it: slower, the same results (the migration says so in the log).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

log = logging.getLogger(__name__)

_SQLITE = (
    "CREATE VIRTUAL TABLE article_search USING fts5(doc, tokenize = 'trigram')",
    """INSERT INTO article_search (rowid, doc)
    SELECT a.id, coalesce(a.page_headline, '') || char(10) || coalesce(s.headline, '') || char(10)
        || coalesce(s.summary, '') || char(10) || a.text
    FROM articles a LEFT JOIN summaries s ON s.article_id = a.id AND s.stale = 0
    WHERE a.superseded = 0""",
    """CREATE TRIGGER article_search_insert AFTER INSERT ON articles WHEN new.superseded = 0
    BEGIN
        INSERT INTO article_search (rowid, doc)
        VALUES (new.id, coalesce(new.page_headline, '') || char(10) || char(10) || char(10) || new.text);
    END""",
    """CREATE TRIGGER article_search_supersede AFTER UPDATE OF superseded ON articles
    WHEN new.superseded = 1
    BEGIN
        DELETE FROM article_search WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER article_search_summary AFTER INSERT ON summaries WHEN new.stale = 0
    BEGIN
        UPDATE article_search SET doc = (
            SELECT coalesce(a.page_headline, '') || char(10) || new.headline || char(10)
                || new.summary || char(10) || a.text
            FROM articles a WHERE a.id = new.article_id)
        WHERE rowid = new.article_id;
    END""",
)

_POSTGRESQL = (
    "CREATE TABLE article_search (article_id INTEGER PRIMARY KEY, doc TEXT NOT NULL)",
    """INSERT INTO article_search (article_id, doc)
    SELECT a.id, coalesce(a.page_headline, '') || E'\\n' || coalesce(s.headline, '') || E'\\n'
        || coalesce(s.summary, '') || E'\\n' || a.text
    FROM articles a LEFT JOIN summaries s ON s.article_id = a.id AND NOT s.stale
    WHERE NOT a.superseded""",
    """CREATE FUNCTION digest_article_search_article() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.superseded THEN
            DELETE FROM article_search WHERE article_id = NEW.id;
        ELSIF TG_OP = 'INSERT' THEN
            INSERT INTO article_search (article_id, doc)
            VALUES (NEW.id, coalesce(NEW.page_headline, '') || E'\\n\\n\\n' || NEW.text)
            ON CONFLICT (article_id) DO NOTHING;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER article_search_article AFTER INSERT OR UPDATE OF superseded ON articles
    FOR EACH ROW EXECUTE FUNCTION digest_article_search_article()""",
    """CREATE FUNCTION digest_article_search_summary() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT NEW.stale THEN
            UPDATE article_search s
            SET doc = coalesce(a.page_headline, '') || E'\\n' || NEW.headline || E'\\n'
                || NEW.summary || E'\\n' || a.text
            FROM articles a WHERE a.id = NEW.article_id AND s.article_id = a.id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER article_search_summary AFTER INSERT ON summaries
    FOR EACH ROW EXECUTE FUNCTION digest_article_search_summary()""",
)


def upgrade(conn: sa.Connection) -> None:
    if conn.dialect.name != "postgresql":
        for statement in _SQLITE:
            conn.exec_driver_sql(statement)
        return
    for statement in _POSTGRESQL:
        conn.exec_driver_sql(statement)
    schema = _trigram_schema(conn)
    if schema is None:
        log.warning(
            "pg_trgm is not installed and this role cannot create it: search works without an index "
            "(slower on a large store); a superuser can run CREATE EXTENSION pg_trgm"
        )
        return
    # Qualified: the extension may live in another schema than the tables (public, or the first
    # schema of the search_path it was created under).
    conn.exec_driver_sql(
        f'CREATE INDEX ix_article_search_doc ON article_search USING gin (doc "{schema}".gin_trgm_ops)'
    )


def _trigram_schema(conn: sa.Connection) -> str | None:
    """The schema pg_trgm is installed in, creating it where it is not and this role may."""
    find = (
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    )
    found = conn.exec_driver_sql(find).scalar_one_or_none()
    if found is None:
        try:
            with conn.begin_nested():  # a refusal must not abort the migration's transaction
                conn.exec_driver_sql("CREATE EXTENSION pg_trgm")
        except sa.exc.DBAPIError:
            return None
        found = conn.exec_driver_sql(find).scalar_one_or_none()
    return None if found is None else str(found)
