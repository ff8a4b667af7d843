"""Atom feeds (RFC 4287): a paper's latest articles and the articles a subscriber's briefings chose.

Each entry is one summarised article: digest's headline as its title, the summary, a link (the
article in the reading room for a paper's feed; the original where there is one for a subscriber's,
whose reader may hold only their secret link), and an id that never changes (the article's), so a
feed reader shows each article once however often it polls. A corrected re-publication is a new
article, and a new entry.

Feed readers keep no cookies: a feed also takes its read token as ?token= on every request (masked in
the access log like everything else, see access.py). Without access, a paper's feed is 401 and a
subscriber's is 404, as their pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fastapi import Request, Response

from digest.api.state import ApiState
from digest.store import reading
from digest.store.records import StoredSummary
from digest.web.access import Viewer, known_token, presented_token, viewer_of
from digest.web.links import subscriber_key
from digest.web.render import environment, not_found, segment, unauthorised, weblink

ENTRIES = 50
ATOM = "application/atom+xml; charset=utf-8"


def _viewer(state: ApiState, request: Request) -> Viewer:
    who = viewer_of(request, state.settings.web, state.settings.api.tokens)
    token = request.query_params.get("token", "")
    if not presented_token(request) and token and known_token(token, state.settings.api.tokens):
        return Viewer(reader=True, public=who.public, key=who.key, settings=who.settings)
    return who


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _feed(
    *,
    base: str,
    feed_id: str,
    title: str,
    self_url: str,
    html_url: str,
    rows: Sequence[tuple[StoredSummary, dt.datetime]],
    prefer_original: bool,
) -> Response:
    entries = []
    for row, summarised in rows:
        page = f"{base}/issues/{row.issue_id}#a{row.article_id}"
        original = row.link if weblink(row.link) else None
        entries.append(
            {
                "id": f"tag:digest,2024:article/{row.article_id}",
                "title": row.summary.headline if row.summary else "",
                "summary": row.summary.summary if row.summary else "",
                "updated": _stamp(summarised),
                "link": (original or page) if prefer_original else page,
                "original": None if prefer_original else original,
                "paper": row.paper,
            }
        )
    updated = max((moment for _, moment in rows), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    xml = (
        environment()
        .get_template("feed.xml.j2")
        .render(
            feed_id=feed_id,
            title=title,
            updated=_stamp(updated),
            self_url=self_url,
            html_url=html_url,
            entries=entries,
        )
    )
    return Response(xml, media_type=ATOM, headers={"Referrer-Policy": "no-referrer"})


def paper_feed(state: ApiState, request: Request, paper: str) -> Response:
    if not _viewer(state, request).sees_pages:
        return unauthorised()
    rows = state.store().read(reading.paper_feed, paper, ENTRIES)
    if not rows:
        return not_found("没有这份报纸。")
    base = state.settings.web.base_url or str(request.base_url).rstrip("/")
    return _feed(
        base=base,
        feed_id=f"tag:digest,2024:paper/{segment(paper)}",
        title=f"{paper} · digest",
        self_url=f"{base}/feeds/papers/{segment(paper)}.xml",
        html_url=f"{base}/papers/{segment(paper)}",
        rows=rows,
        prefer_original=False,
    )


def subscriber_feed(state: ApiState, request: Request, name: str) -> Response:
    if not _viewer(state, request).sees_subscriber(name):
        return not_found()
    if name not in {s.name for s in state.settings.subscribers}:
        return not_found()
    rows = state.store().read(reading.subscriber_feed, name, ENTRIES)
    base = state.settings.web.base_url or str(request.base_url).rstrip("/")
    key = subscriber_key(state.settings.web, name)
    return _feed(
        base=base,
        feed_id=f"tag:digest,2024:subscriber/{segment(name)}",
        title=f"{name} 的简报 · digest",
        # The key is the feed's own address: a reader polls it as given.
        self_url=f"{base}/feeds/subscribers/{segment(name)}.xml" + (f"?key={key}" if key else ""),
        html_url="",
        rows=rows,
        prefer_original=True,
    )
