"""What the API's OpenAPI schema needs told: the request bodies and errors FastAPI cannot see.

The endpoints that take a page read the raw request themselves (a text, HTML or PDF body, or a
multipart upload), and those that take JSON parse it themselves, so that malformed JSON is a 400 that
says so; FastAPI sees no body parameter in either and would declare no request body. Every error is
``{"error": "…"}``, written by the app's own handlers, the token check or the body-size middleware,
none of which FastAPI can see either. Clients, the docs at /docs and the schema-driven tests
(tests/api/test_schema_fuzz.py, with schemathesis) know only what the schema says, so the routes
declare their bodies and errors with the pieces defined here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from fastapi.security import HTTPBearer
from pydantic import BaseModel

JsonSchema = dict[str, Any]
Responses = dict[int | str, dict[str, Any]]

# Declares the Bearer scheme (the "Authorize" button of /docs); checking the token is auth.py's work,
# so this one never refuses a request itself.
BEARER = HTTPBearer(
    scheme_name="bearer",
    description="A token of [api] tokens (read or admin scope): Authorization: Bearer <token>.",
    auto_error=False,
)

_MESSAGE: JsonSchema = {"type": "string", "description": "What is wrong and what to do, on one line."}
ERROR: JsonSchema = {
    "title": "Error",
    "type": "object",
    "properties": {"error": _MESSAGE},
    "required": ["error"],
}
# A 422 for a path or query parameter also lists the fields at fault.
INVALID: JsonSchema = {
    "title": "InvalidRequest",
    "type": "object",
    "properties": {
        "error": _MESSAGE,
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "required": ["error"],
}

_AUTH = {
    401: "No token, or one that is not valid: send Authorization: Bearer <token>.",
    403: "The token has the read scope; this needs an admin token.",
}
_TOO_LARGE = "The body is over [api] max_request_bytes."
_BINARY: JsonSchema = {"type": "string", "format": "binary"}


def errors(scope: Literal["read", "admin"] | None, why: Mapping[int, str]) -> Responses:
    """The error responses of a route: ``why`` (status: when it happens), and the token's errors
    for a route that needs a ``scope`` (a read token may do whatever needs read, so 403 is admin's)."""
    statuses = dict(why)
    if scope is not None:
        statuses.setdefault(401, _AUTH[401])
    if scope == "admin":
        statuses.setdefault(403, _AUTH[403])
    responses: Responses = {}
    for status, description in sorted(statuses.items()):
        schema = INVALID if status == 422 else ERROR
        response: dict[str, Any] = {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {
                    "description": 'Bearer realm="digest", with error="invalid_token" for an unknown token.',
                    "schema": {"type": "string"},
                }
            }
        responses[status] = response
    return responses


def too_large(what: str = "") -> str:
    """The 413's description: the body over the limit, and ``what`` else can be."""
    return f"{_TOO_LARGE} {what}".strip()


def request_body(description: str, content: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads its body itself: a required body of these media
    types (each a media type object: its schema, and a multipart body's encoding)."""
    return {
        "requestBody": {
            "description": description,
            "required": True,
            "content": {media: dict(item) for media, item in content.items()},
        }
    }


def page_bodies(types: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The page as the whole body, for each of ``types``: text/* as a string, the others (PDF,
    XHTML) as bytes."""
    return {
        media: {"schema": {"type": "string"} if media.startswith("text/") else _BINARY}
        for media in sorted(types)
    }


def page_upload(
    types: Iterable[str], fields: Mapping[str, JsonSchema] | None = None, *, closed: bool = False
) -> dict[str, Any]:
    """A multipart/form-data upload: the page in a part named file (one of ``types`` by its content
    type or its file name's suffix), and ``fields`` beside it; ``closed``: no other fields."""
    schema: JsonSchema = {
        "type": "object",
        "properties": {"file": _BINARY | {"description": "The page (.txt, .html or .pdf)."}}
        | dict(fields or {}),
        "required": ["file"],
    }
    if closed:
        schema["additionalProperties"] = False
    return {"schema": schema, "encoding": {"file": {"contentType": ", ".join(sorted(types))}}}


def model_schema(model: type[BaseModel], *, hide: Iterable[str] = ()) -> JsonSchema:
    """``model``'s JSON schema for a request body: its nested models written in place (a schema
    inside an operation cannot refer to ``#/$defs``), without the fields named in ``hide`` (ones
    the loader sets, not a client)."""
    schema = model.model_json_schema()
    defs: dict[str, JsonSchema] = schema.pop("$defs", {})
    hidden = set(hide)

    def inline(value: Any) -> Any:
        if isinstance(value, list):
            return [inline(item) for item in value]
        if not isinstance(value, dict):
            return value
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return inline(defs[ref.removeprefix("#/$defs/")])
        result = {key: inline(item) for key, item in value.items()}
        if isinstance(result.get("properties"), dict) and value.get("type") == "object":
            result["properties"] = {k: v for k, v in result["properties"].items() if k not in hidden}
            if "required" in result:
                result["required"] = [k for k in result["required"] if k not in hidden]
        return result

    inlined: JsonSchema = inline(schema)
    return inlined
