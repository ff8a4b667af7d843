"""The FastAPI application behind `digest serve`.

Endpoints are thin: they read and check the request (bodies.py), then hand the work to the pipeline,
the store and the briefing code in a worker thread (``run_in_threadpool``), so that a slow model never
holds up the event loop and with it ``/healthz``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi import Path as FastApiPath
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from digest import __version__
from digest.api import openapi
from digest.api.auth import requires
from digest.api.bodies import PAGE_TYPES, IssueRequest, issue_fields, issue_request, media_type, read_page
from digest.api.errors import install_error_handlers
from digest.api.fetching import fetch_url
from digest.api.issues import IssueWorker, issue_json
from digest.api.metrics import StoreCollector
from digest.api.middleware import BodyLimit, RequestMetrics
from digest.api.state import ApiState
from digest.api.subscribers import router as subscribers_router
from digest.config import Settings
from digest.errors import DigestError
from digest.ingest.house_styles import house_styles
from digest.output import to_json
from digest.pipeline import content_hash, digest_page, ingest_document
from digest.sources.base import FetchedDocument
from digest.store.records import IngestOutcome
from digest.summarise.base import Summariser
from digest.web.pages import web_router

log = logging.getLogger(__name__)

API_SOURCE = "api"  # the source name issues pushed through the API are filed under
# The largest id a database row can have (a signed 64-bit integer on SQLite and PostgreSQL).
_MAX_ID = 2**63 - 1


def create_app(settings: Settings, *, summariser: Summariser | None = None) -> FastAPI:
    """The API for ``settings``; ``summariser`` replaces the configured engine (tests)."""
    state = ApiState(settings, summariser)
    worker = IssueWorker(state)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await run_in_threadpool(worker.stop)
        await run_in_threadpool(state.close)

    app = FastAPI(
        title="digest",
        version=__version__,
        summary="Chinese newspaper pages in, headlines and summaries out.",
        lifespan=lifespan,
    )
    app.state.digest = state
    state.registry.register(StoreCollector(state))
    app.add_middleware(BodyLimit, limit=settings.api.max_request_bytes)
    app.add_middleware(RequestMetrics, registry=state.registry)
    install_error_handlers(app)

    bearer = Depends(openapi.BEARER)  # only declares the scheme in the schema; read and admin check
    read = Depends(requires("read", lambda: state.settings.api.tokens))
    admin = Depends(requires("admin", lambda: state.settings.api.tokens))

    @app.get("/healthz", tags=["service"], responses=_HEALTH)
    async def healthz() -> JSONResponse:
        """Liveness and store reachability (no token needed): 200, or 503 with the reason."""
        try:
            await run_in_threadpool(lambda: state.store().status())
        except DigestError as exc:
            return JSONResponse({"status": "unavailable", "reason": exc.message}, status_code=503)
        return JSONResponse({"status": "ok", "version": __version__})

    @app.post(
        "/v1/summarise",
        tags=["summarise"],
        dependencies=[bearer, admin],
        responses=_SUMMARISE_ERRORS,
        openapi_extra=openapi.request_body(
            "The page: the whole body, or a multipart upload with the page in a field named file.",
            openapi.page_bodies(PAGE_TYPES) | {"multipart/form-data": openapi.page_upload(PAGE_TYPES)},
        ),
    )
    async def summarise(
        request: Request,
        single: Annotated[bool, Query(description="The input is one article, lead or not.")] = False,
        issue_date: Annotated[dt.date | None, Query(description="The issue's date, YYYY-MM-DD.")] = None,
    ) -> JSONResponse:
        """Every article of the page in the body: exactly the JSON of `digest summarise --format json`."""
        upload = await read_page(request)
        page = await run_in_threadpool(
            digest_page, upload.raw, state.summariser, single_article=single, issue_date=issue_date
        )
        return JSONResponse(to_json(page))

    @app.post(
        "/v1/issues",
        tags=["issues"],
        status_code=202,
        dependencies=[bearer, admin],
        responses=_ISSUE_ACCEPTED | _PUSH_ERRORS,
        openapi_extra=openapi.request_body(
            "JSON naming a URL to fetch the page from, or a multipart upload of the page in a field "
            "named file with the issue's paper, date and single beside it.",
            {
                "application/json": {
                    "schema": openapi.model_schema(IssueRequest),
                    "example": {
                        "url": "https://epaper.example.com/2024-07-26/page-01.pdf",
                        "paper": "交城报",
                        "issue_date": "2024-07-26",
                    },
                },
                "multipart/form-data": openapi.page_upload(PAGE_TYPES, _ISSUE_FIELDS, closed=True),
            },
        ),
    )
    async def push_issue(request: Request) -> JSONResponse:
        """Store an issue (an upload, or JSON naming a URL) and summarise it in the background."""
        if media_type(request) == "application/json":
            fields = issue_request(await request.body())
            raw = await run_in_threadpool(
                fetch_url,
                fields.url,
                state.guard,
                max_bytes=min(settings.ingest.max_bytes, settings.api.max_request_bytes),
                timeout=settings.ingest.fetch_timeout,
            )
            locator, link = raw.source, raw.source
        else:
            upload = await read_page(request, multipart_only=True)
            fields = issue_fields(upload.fields)
            raw = upload.raw
            locator, link = f"upload:{raw.source}", None
        doc = FetchedDocument(
            source=API_SOURCE,
            paper=fields.paper,
            locator=_per_paper(locator, fields.paper),
            raw=raw,
            issue_date=fields.issue_date,
            single_article=fields.single,
            link=link,
        )
        issue_id, outcome = await run_in_threadpool(_ingest, state, doc)
        status = await run_in_threadpool(worker.status_of, issue_id, True)
        return JSONResponse(
            {"id": issue_id, "status": status["status"], "outcome": outcome}
            | ({"reason": status["reason"]} if status.get("reason") else {}),
            status_code=202,
        )

    @app.get(
        "/v1/issues/{issue_id}",
        tags=["issues"],
        dependencies=[bearer, read],
        responses=openapi.errors(
            "read",
            {
                404: "No issue has this id.",
                422: f"The id is not a whole number from 1 to {_MAX_ID}.",
            },
        ),
    )
    async def get_issue(issue_id: Annotated[int, FastApiPath(ge=1, le=_MAX_ID)]) -> JSONResponse:
        """An issue's status (queued, processing, done, failed) and its articles with their summaries."""
        found = await run_in_threadpool(lambda: state.store().issue(issue_id))
        if found is None:
            raise HTTPException(404, f"no issue with id {issue_id}")
        # An issue left unsummarised (the server restarted since it was pushed) is queued again here,
        # so polling it is enough to see it finished.
        status = await run_in_threadpool(worker.status_of, issue_id, True, found)
        return JSONResponse(issue_json(found, status))

    @app.get(
        "/metrics",
        tags=["service"],
        dependencies=[bearer, read],
        response_class=PlainTextResponse,
        responses=openapi.errors("read", {}),
    )
    async def metrics() -> Response:
        """Prometheus metrics: store counts, deliveries by state, requests and latency per route."""
        body = await run_in_threadpool(generate_latest, state.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.include_router(subscribers_router(state, read=read, admin=admin), dependencies=[bearer])
    # The reading room (digest/web): pages and feeds, outside the OpenAPI schema (see web/pages.py).
    app.include_router(web_router(state))
    return app


def _per_paper(locator: str, paper: str) -> str:
    """The locator of a pushed page: every paper pushes under the one source, so a page's locator
    names its paper too. (Without it, the same page pushed for a second paper matched the first
    paper's issue, which the second paper's lookup then could not find: a 500.)"""
    return f"{locator} (paper {paper!r})"


def _ingest(state: ApiState, doc: FetchedDocument) -> tuple[int, str]:
    """Store the document (one transaction; nothing is written when it fails); its issue id and outcome."""
    store = state.store()
    styles = house_styles(state.settings.papers)
    outcome, _count = ingest_document(store, doc, now=dt.datetime.now(dt.UTC), styles=styles)
    issue_id = store.current_issue_with_bytes(doc.paper, content_hash(doc.raw))
    if issue_id is None:  # replaced between our write and our read by another copy: report the latest
        raise DigestError("the issue changed while it was stored; send it again")
    return issue_id, outcome.value


# --- what the schema says of the routes that read the request themselves (see openapi.py) ---------

_SUMMARISE_ERRORS = openapi.errors(
    "admin",
    {
        400: "The multipart body cannot be read.",
        413: openapi.too_large(),
        415: "The body (or the uploaded file) is not text, HTML or PDF, or its text cannot be decoded.",
        422: "A query parameter is not valid, the upload has no file, or the page is empty, broken, "
        "a scanned PDF (run OCR first) or without articles.",
    },
)
_PUSH_ERRORS = openapi.errors(
    "admin",
    {
        400: "The JSON is malformed, not an object, nested too deeply or not valid Unicode; the URL is "
        "not http(s) or leads to a private address ([api] allow_private_fetch can allow it); the "
        "multipart body cannot be read.",
        413: openapi.too_large(
            "So is a page fetched from the URL over the smaller of it and [ingest] max_bytes."
        ),
        415: "Neither JSON nor a multipart upload, or the uploaded file is not text, HTML or PDF, or its "
        "text cannot be decoded.",
        422: "A field is missing, unknown or not valid, the URL is not one digest can fetch, or the page "
        "is empty, broken, a scanned PDF (run OCR first) or without articles.",
        502: "The URL could not be fetched: its host does not resolve, the server failed, answered with "
        "an error or too many redirects, or timed out.",
    },
)
_ISSUE_ACCEPTED: openapi.Responses = {
    202: {
        "description": "Stored; summarised in the background (poll GET /v1/issues/{id}).",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {"type": "string", "enum": ["queued", "processing", "done", "failed"]},
                        "outcome": {"type": "string", "enum": [o.value for o in IngestOutcome]},
                        "reason": {"type": "string", "description": "Why summarising failed."},
                    },
                    "required": ["id", "status", "outcome"],
                }
            }
        },
    }
}
_HEALTH: openapi.Responses = {
    200: {
        "description": "Up, and the store answers.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"status": {"const": "ok"}, "version": {"type": "string"}},
                    "required": ["status", "version"],
                }
            }
        },
    },
    503: {
        "description": "The store cannot be reached; reason says why.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"status": {"const": "unavailable"}, "reason": {"type": "string"}},
                    "required": ["status", "reason"],
                }
            }
        },
    },
}
_ISSUE_FIELDS: dict[str, openapi.JsonSchema] = {
    "paper": {"type": "string", "description": "The paper's name."},
    "issue_date": {"type": "string", "format": "date", "description": "The issue's date, YYYY-MM-DD."},
    "single": {"type": "boolean", "description": "The page is one article, lead or not."},
}
