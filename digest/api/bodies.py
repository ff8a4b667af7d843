"""Reading a request's body: a page (the whole body or a multipart upload) or an issue to push
(JSON naming a URL, or the form fields beside an upload), with a clear 4xx for anything else."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import PurePath
from typing import Any

from fastapi import HTTPException, Request
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from digest.errors import EmptyInput
from digest.models import RawInput

_UPLOAD_SUFFIXES = {".txt": "text/plain", ".text": "text/plain", ".pdf": "application/pdf"}
_UPLOAD_SUFFIXES |= {".htm": "text/html", ".html": "text/html", ".xhtml": "application/xhtml+xml"}
PAGE_TYPES = frozenset({"text/plain", "text/html", "application/xhtml+xml", "application/pdf"})
_MEDIA_HINT = (
    "send text/plain (UTF-8, UTF-16 or GB18030), text/html, application/pdf, "
    "or multipart/form-data with the page in a field named file"
)
TOO_DEEP = "the JSON is nested too deeply; send a flat object as the API's schema shows (/docs)"
NOT_UNICODE = (
    "the request holds text that is not valid Unicode (a lone surrogate such as \\ud800); send UTF-8 text"
)


class IssueRequest(BaseModel):
    """POST /v1/issues as JSON: a URL to fetch, and what it is."""

    model_config = ConfigDict(extra="forbid")

    url: str
    paper: str = ""
    issue_date: dt.date | None = None
    single: bool = False


class Upload:
    def __init__(self, raw: RawInput, fields: dict[str, str]) -> None:
        self.raw = raw
        self.fields = fields


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_page(request: Request, *, multipart_only: bool = False) -> Upload:
    """The page in a request: the whole body (text, HTML, PDF) or the file of a multipart upload."""
    media = media_type(request)
    if media == "multipart/form-data":
        return await _read_multipart(request)
    if multipart_only:
        raise HTTPException(
            415,
            f"unsupported media type {media or '(none)'}; send multipart/form-data with the page in a "
            'field named file, or application/json with {"url": …}',
        )
    if media not in PAGE_TYPES:
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
        elif declared in PAGE_TYPES:
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


def issue_request(body: bytes) -> IssueRequest:
    import json  # noqa: PLC0415

    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HTTPException(400, f"the body is not valid JSON: {exc}") from None
    except RecursionError:
        raise HTTPException(400, TOO_DEEP) from None
    if _has_surrogate(data):
        raise HTTPException(400, NOT_UNICODE)
    if not isinstance(data, dict):
        raise HTTPException(400, 'the body must be a JSON object such as {"url": "https://…"}')
    try:
        return IssueRequest.model_validate(data)
    except ValidationError as exc:
        raise HTTPException(422, validation_message(exc.errors())) from None


def issue_fields(fields: dict[str, str]) -> IssueRequest:
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
        raise HTTPException(422, validation_message(exc.errors())) from None


def validation_message(errors: Any) -> str:
    parts = []
    for error in errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "the request is not valid"


def _has_surrogate(value: object) -> bool:
    """Whether a decoded JSON value holds a lone surrogate (JSON allows \\ud800; UTF-8 does not)."""
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(item) for item in value)
    return False
