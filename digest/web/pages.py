"""The reading room's pages: the latest issues and briefings, a paper, an issue, a briefing.

The routes are left out of the OpenAPI schema (``include_in_schema=False`` on the router): they
answer HTML for people, not JSON for programs, with 404s that must not be told apart from "you may
not see this". The schema stays the API's contract, and its fuzz test the API's; the pages have
their own tests (tests/web).

Endpoints are plain ``def``: FastAPI runs them in its thread pool, so a slow query never holds up
the event loop.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from digest.api.state import ApiState
from digest.store import reading
from digest.web.access import Viewer, redact_access_log, token_handoff, viewer_of
from digest.web.feeds import paper_feed, subscriber_feed
from digest.web.finding import search_page
from digest.web.links import subscriber_key
from digest.web.render import not_found, page, page_number, parse_day, parse_id, segment, unauthorised

# How many of each paper's latest issues and of the latest briefings the front page lists.
_FRONT_ISSUES = 5
_FRONT_BRIEFINGS = 20


def web_router(state: ApiState) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    redact_access_log()  # ?token= and ?key= are in the request lines uvicorn's access log prints

    def viewer(request: Request) -> Viewer:
        return viewer_of(request, state.settings.web, state.settings.api.tokens)

    def entry(request: Request) -> tuple[Response | None, Viewer]:
        """The token handoff's redirect where there is one, and who is asking."""
        return token_handoff(request, state.settings.api.tokens), viewer(request)

    @router.get("/")
    def front(request: Request) -> Response:
        moved, who = entry(request)
        if moved is not None:
            return moved
        if not who.sees_pages:
            return unauthorised()
        store = state.store()
        papers = store.read(reading.latest_issues, _FRONT_ISSUES)
        briefings = store.read(reading.latest_briefings, _FRONT_BRIEFINGS) if who.reader else None
        return page("index.html.j2", title="阅览室", papers=papers, briefings=briefings)

    @router.get("/papers/{paper:path}")
    def paper(request: Request, paper: str, page_no: Annotated[str, Query(alias="page")] = "1") -> Response:
        moved, who = entry(request)
        if moved is not None:
            return moved
        if not who.sees_pages:
            return unauthorised()
        number = page_number(page_no)
        size = state.settings.web.page_size
        rows = state.store().read(reading.paper_issues, paper, size + 1, (number - 1) * size)
        if not rows and number == 1:
            return not_found("没有这份报纸。")
        return page(
            "paper.html.j2",
            title=paper,
            paper=paper,
            issues=rows[:size],
            page=number,
            more=len(rows) > size,
        )

    @router.get("/issues/{issue_id}")
    def issue(request: Request, issue_id: str) -> Response:
        moved, who = entry(request)
        if moved is not None:
            return moved
        if not who.sees_pages:
            return unauthorised()
        number = parse_id(issue_id)
        found = None if number is None else state.store().issue(number)
        if found is None:
            return not_found("没有这一期。")
        title = f"{found.paper} {found.issue_date.isoformat() if found.issue_date else ''}".strip()
        return page("issue.html.j2", title=title, issue=found)

    @router.get("/briefings/{subscriber}/{day}")
    def briefing(request: Request, subscriber: str, day: str) -> Response:
        moved, who = entry(request)
        if moved is not None:
            return moved
        date = parse_day(day)
        # Not allowed, or not there: the same 404, so a stranger learns nothing.
        if date is None or not who.sees_subscriber(subscriber):
            return not_found()
        store = state.store()
        saved = store.read(reading.briefings_of_day, subscriber, date)
        if not saved:
            return not_found()
        ids = [
            int(a.get("article_id", 0))
            for b in saved
            for group in b.content.get("issues", [])
            for a in group.get("articles", [])
        ]
        stored = store.read(reading.summaries_by_id, [i for i in ids if i > 0])
        key = subscriber_key(state.settings.web, subscriber) if not who.reader else None
        feed = f"/feeds/subscribers/{segment(subscriber)}.xml" + (f"?key={key}" if key else "")
        return page(
            "briefing.html.j2",
            title=f"{subscriber} {date.isoformat()}",
            subscriber=subscriber,
            briefings=saved,
            stored=stored,
            show_issue=who.sees_pages,
            feed=feed,
        )

    @router.get("/search")
    def find(request: Request) -> Response:
        moved, who = entry(request)
        if moved is not None:
            return moved
        if not who.sees_pages:
            return unauthorised()
        return search_page(state, request)

    @router.get("/feeds/papers/{paper:path}.xml")
    def feed_of_paper(request: Request, paper: str) -> Response:
        return paper_feed(state, request, paper)

    @router.get("/feeds/subscribers/{name}.xml")
    def feed_of_subscriber(request: Request, name: str) -> Response:
        return subscriber_feed(state, request, name)

    return router
