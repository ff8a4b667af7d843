"""The search page: /search?q=&paper=&from=&to=&page= (see store/search.py for how it matches)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response

from digest.api.state import ApiState
from digest.store import reading
from digest.store.search import search, terms_of
from digest.web.highlight import mark, snippet
from digest.web.render import page, page_number, parse_day

_MAX_QUERY = 100  # characters of a search query


def search_page(state: ApiState, request: Request) -> Response:
    params = request.query_params
    q = params.get("q", "").strip()[:_MAX_QUERY]
    paper = params.get("paper") or None
    since, until = parse_day(params.get("from", "")), parse_day(params.get("to", ""))
    number = page_number(params.get("page", "1"))
    size = state.settings.web.page_size
    store = state.store()
    found = store.read(
        search, q, paper=paper, since=since, until=until, limit=size, offset=(number - 1) * size
    )
    terms = terms_of(q)
    hits = [
        {
            "row": row,
            "headline": mark(row.summary.headline if row.summary else row.article.page_headline or "", terms),
            "summary": mark(row.summary.summary, terms) if row.summary else "",
            "printed": mark(row.article.page_headline or "", terms),
            "snippet": snippet(row.article.text, terms),
        }
        for row in found.hits
    ]

    def query_for(target: int) -> str:
        kept = [(k, v) for k, v in params.multi_items() if k not in {"page", "token", "key"} and v]
        return urlencode([*kept, ("page", str(target))])

    return page(
        "search.html.j2",
        title=f"搜索 {q}" if q else "搜索",
        q=q,
        paper=paper or "",
        papers=list(store.read(reading.latest_issues, 1)),
        since=since.isoformat() if since else "",
        until=until.isoformat() if until else "",
        total=found.total,
        hits=hits,
        page=number,
        more=number * size < found.total,
        query_for=query_for,
    )
