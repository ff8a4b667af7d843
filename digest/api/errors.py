"""How the API answers errors: one JSON shape, {"error": "…"}, for digest's own errors, HTTP errors,
invalid requests, JSON nested too deep and text that is not Unicode."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from digest.api.bodies import NOT_UNICODE, TOO_DEEP, validation_message
from digest.errors import DigestError

log = logging.getLogger(__name__)


def install_error_handlers(app: FastAPI) -> None:
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
        return JSONResponse({"error": validation_message(errors), "detail": _plain(errors)}, status_code=422)

    async def too_deep(_request: Request, _exc: Exception) -> JSONResponse:
        # Only a request can nest this deep (JSON decoding is where Python's stack runs out).
        return JSONResponse({"error": TOO_DEEP}, status_code=400)

    async def not_unicode(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"error": NOT_UNICODE}, status_code=400)

    app.add_exception_handler(RecursionError, too_deep)
    app.add_exception_handler(UnicodeEncodeError, not_unicode)
    app.add_exception_handler(DigestError, digest_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)


def _plain(errors: list[Any]) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg")), "type": e.get("type")} for e in errors]
