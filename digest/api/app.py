"""The FastAPI application behind `digest serve`.

Endpoints are thin: they read and check the request, then hand the work to the pipeline, the store and
the briefing code in a worker thread (``run_in_threadpool``), so that a slow model never holds up the
event loop and with it ``/healthz``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi import Path as FastApiPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from digest import __version__
from digest.api import openapi
from digest.api.auth import requires
from digest.api.fetching import AddressGuard, fetch_url
from digest.api.issues import IssueWorker, issue_json
from digest.api.metrics import StoreCollector
from digest.api.middleware import BodyLimit, RequestMetrics
from digest.api.subscribers import router as subscribers_router
from digest.config import Settings
from digest.errors import DigestError, EmptyInput
from digest.ingest.house_styles import house_styles
from digest.models import RawInput
from digest.output import to_json
from digest.pipeline import content_hash, digest_page, ingest_document
from digest.sources.base import FetchedDocument
from digest.store import Store, open_store
from digest.store.records import IngestOutcome
from digest.summarise.base import Summariser
from digest.summarise.engines import build_summariser

log = logging.getLogger(__name__)

API_SOURCE = "api"  # the source name issues pushed through the API are filed under
_UPLOAD_SUFFIXES = {".txt": "text/plain", ".text": "text/plain", ".pdf": "application/pdf"}
_UPLOAD_SUFFIXES |= {".htm": "text/html", ".html": "text/html", ".xhtml": "application/xhtml+xml"}
_PAGE_TYPES = frozenset({"text/plain", "text/html", "application/xhtml+xml", "application/pdf"})
_MEDIA_HINT = (
    "send text/plain (UTF-8, UTF-16 or GB18030), text/html, application/pdf, "
    "or multipart/form-data with the page in a field named file"
)


class LockedSummariser:
    """One call at a time into a model that is not safe to share between threads (seq2seq)."""

    def __init__(self, inner: Summariser) -> None:
        self.inner = inner
        self.lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.inner.name

    def summarise(self, articles: Any) -> Any:
        with self.lock:
            return self.inner.summarise(articles)


class ApiState:
    """What the endpoints share: settings, the engine (built once), the store (opened once) and the
    background worker that summarises pushed issues."""

    def __init__(self, settings: Settings, summariser: Summariser | None = None) -> None:
        self.settings = settings
        self.settings_lock = threading.Lock()
        engine = summariser or build_summariser(settings.summarise)
        if summariser is None and settings.summarise.engine != "extractive":
            engine = LockedSummariser(engine)
        self.summariser: Summariser = engine
        self.guard = AddressGuard(settings.api.allow_private_fetch)
        self._store: Store | None = None
        self._store_lock = threading.Lock()
        self.registry = CollectorRegistry()
        self.worker = IssueWorker(self)

    def store(self) -> Store:
        """The store, opened on first use (so a database that is down fails requests, not the start)."""
        with self._store_lock:
            if self._store is None:
                self._store = open_store(self.settings.store.url)
            return self._store

    def close(self) -> None:
        self.worker.stop()
        with self._store_lock:
            if self._store is not None:
                self._store.close()
                self._store = None


class IssueRequest(BaseModel):
    """POST /v1/issues as JSON: a URL to fetch, and what it is."""

    model_config = ConfigDict(extra="forbid")

    url: str
    paper: str = ""
    issue_date: dt.date | None = None
    single: bool = False


def create_app(settings: Settings, *, summariser: Summariser | None = None) -> FastAPI:
    """The API for ``settings``; ``summariser`` replaces the configured engine (tests)."""
    state = ApiState(settings, summariser)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
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
    _error_handlers(app)

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
            openapi.page_bodies(_PAGE_TYPES) | {"multipart/form-data": openapi.page_upload(_PAGE_TYPES)},
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
                "multipart/form-data": openapi.page_upload(_PAGE_TYPES, _ISSUE_FIELDS, closed=True),
            },
        ),
    )
    async def push_issue(request: Request) -> JSONResponse:
        """Store an issue (an upload, or JSON naming a URL) and summarise it in the background."""
        if _media_type(request) == "application/json":
            fields = _issue_request(await request.body())
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
            fields = _issue_fields(upload.fields)
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
        status = await run_in_threadpool(state.worker.status_of, issue_id, True)
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
        status = await run_in_threadpool(state.worker.status_of, issue_id, True, found)
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


# --- reading a page from a request ----------------------------------------------------------------


class Upload:
    def __init__(self, raw: RawInput, fields: dict[str, str]) -> None:
        self.raw = raw
        self.fields = fields


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_page(request: Request, *, multipart_only: bool = False) -> Upload:
    """The page in a request: the whole body (text, HTML, PDF) or the file of a multipart upload."""
    media = _media_type(request)
    if media == "multipart/form-data":
        return await _read_multipart(request)
    if multipart_only:
        raise HTTPException(
            415,
            f"unsupported media type {media or '(none)'}; send multipart/form-data with the page in a "
            'field named file, or application/json with {"url": …}',
        )
    if media not in _PAGE_TYPES:
        raise HTTPException(415, f"unsupported media type {media or '(none)'}; {_MEDIA_HINT}")
    data = await request.body()
    _not_blank(data, "the request body")
    return Upload(RawInput(source="request", data=data, media_type=request.headers["content-type"]), {})


async def _read_multipart(request: Request) -> Upload:
    try:
        form = await request.form(max_files=1, max_fields=20)
    except StarletteHTTPException as exc:
        raise HTTPException(400, f"the multipart body cannot be read: {exc.detail}") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise HTTPException(422, "the upload has no file: send the page in a form field named file")
        name = PurePath(upload.filename or "upload").name or "upload"
        suffix = PurePath(name).suffix.lower()
        declared = (upload.content_type or "").split(";", 1)[0].strip().lower()
        if suffix in _UPLOAD_SUFFIXES:
            media_type = suffix
        elif declared in _PAGE_TYPES:
            media_type = upload.content_type or declared
        else:
            raise HTTPException(
                415,
                f"unsupported file {name!r} ({declared or 'no type'}); upload a .txt, .pdf or .html page",
            )
        data = await upload.read()
        fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    finally:
        await form.close()
    _not_blank(data, name)
    return Upload(RawInput(source=name, data=data, media_type=media_type), fields)


def _not_blank(data: bytes, what: str) -> None:
    if not data.removeprefix(codecs.BOM_UTF8).strip():
        raise EmptyInput(f"{what} is empty; send a page with text (PDF, HTML or text)")


def _issue_request(body: bytes) -> IssueRequest:
    import json  # noqa: PLC0415

    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise HTTPException(400, _TOO_DEEP) from None
    if _has_surrogate(data):
        raise HTTPException(400, _NOT_UNICODE)
    if not isinstance(data, dict):
        raise HTTPException(400, 'the body must be a JSON object such as {"url": "https://…"}')
    try:
        return IssueRequest.model_validate(data)
    except ValidationError as exc:
        raise HTTPException(422, _validation_message(exc.errors())) from None


def _issue_fields(fields: dict[str, str]) -> IssueRequest:
    known = {"paper", "issue_date", "single"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise HTTPException(
            422, f"unknown form field {unknown[0]!r}; the fields are file, {', '.join(known)}"
        )
    values: dict[str, Any] = {k: v for k, v in fields.items() if v != ""}
    try:
        return IssueRequest.model_validate(values | {"url": ""})
    except ValidationError as exc:
        raise HTTPException(422, _validation_message(exc.errors())) from None


def _validation_message(errors: Any) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "the request is not valid"


# --- errors ---------------------------------------------------------------------------------------

# The largest id a database row can have (a signed 64-bit integer on SQLite and PostgreSQL).
_MAX_ID = 2**63 - 1
_TOO_DEEP = "the JSON is nested too deeply; send a flat object as the API's schema shows (/docs)"
_NOT_UNICODE = (
    "the request holds text that is not valid Unicode (a lone surrogate such as \\ud800); send UTF-8 text"
)


def _has_surrogate(value: object) -> bool:
    """Whether a decoded JSON value holds a lone surrogate (JSON allows \\ud800; UTF-8 does not)."""
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    return False


def _error_handlers(app: FastAPI) -> None:
    async def digest_error(_request: Request, exc: Exception) -> JSONResponse:
        if not isinstance(exc, DigestError):  # pragma: no cover - registered for DigestError only
            raise exc
        if exc.http_status >= 500:
            log.error("%s", exc.message)
        headers = {"Connection": "close"} if exc.http_status == 413 else None
        return JSONResponse({"error": exc.message}, status_code=exc.http_status, headers=headers)

    async def http_error(_request: Request, exc: Exception) -> Response:
        if not isinstance(exc, StarletteHTTPException):  # pragma: no cover
            raise exc
        if exc.status_code in {204, 304}:
            return Response(status_code=exc.status_code, headers=exc.headers)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)

    async def invalid(_request: Request, exc: Exception) -> JSONResponse:
        if not isinstance(exc, RequestValidationError):  # pragma: no cover
            raise exc
        errors = list(exc.errors())
        return JSONResponse({"error": _validation_message(errors), "detail": _plain(errors)}, status_code=422)

    async def too_deep(_request: Request, _exc: Exception) -> JSONResponse:
        # Only a request can nest this deep (JSON decoding is where Python's stack runs out).
        return JSONResponse({"error": _TOO_DEEP}, status_code=400)

    async def not_unicode(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"error": _NOT_UNICODE}, status_code=400)

    app.add_exception_handler(RecursionError, too_deep)
    app.add_exception_handler(UnicodeEncodeError, not_unicode)
    app.add_exception_handler(DigestError, digest_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)


def _plain(errors: list[Any]) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": e.get("type")} for e in errors]
