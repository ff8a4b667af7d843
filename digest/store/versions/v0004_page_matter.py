"""Schema version 4: what segmentation finds besides the articles.

``issues`` gains ``page`` (JSON: the page's header, editor lines, column names, other furniture and
unplaced lines, plus the short non-body lines that recurring-furniture learning counts) and
``articles`` gains ``origin`` (a source note such as 据新华社 that ended the article). Issues and
articles from before have NULL there: nothing was recorded for them.
"""

from __future__ import annotations

import sqlalchemy as sa


def upgrade(conn: sa.Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE issues ADD COLUMN page TEXT")
    conn.exec_driver_sql("ALTER TABLE articles ADD COLUMN origin TEXT")
