"""The OpenAPI schema tells the truth, and no request built from it gets a server error.

schemathesis reads the app's schema and sends each operation requests built from it, as the admin:
the schema's examples, its coverage cases (each field at its bounds, each required part left out,
no token, other methods) and generated requests, valid ones and ones that break the schema. No
answer may be a 5xx, and each must be one the operation declares, in a declared media type and
shaped as declared.

No operation is left out. Here every host name resolves to a private address and no socket
connects, so a URL pushed to POST /v1/issues and a subscriber's channel host are refused at once
(400, as for any private address): nothing a generated request names is ever reached.
"""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import Case, checks

from digest.api.app import create_app
from digest.config import load
from tests.api.conftest import AS_ADMIN, write_config

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@schemathesis.serializer("text/html", "application/xhtml+xml", "application/pdf")
def _page(_ctx: Any, value: Any) -> bytes:
    """A page body as sent (schemathesis knows no serializer for these): bytes as they are, text
    as UTF-8 (a lone surrogate kept, as a client might send it)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name resolves to a private address (so the guard refuses it) and no socket connects."""

    def resolve(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port or 80))]

    def connect(*args: Any, **kwargs: Any) -> socket.socket:
        raise OSError("the schema fuzz tests make no connections")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(socket, "create_connection", connect)


def _the_apps_schema() -> dict[str, Any]:
    """The schema an app serves: the same for any config (it is the routes', not the settings')."""
    with tempfile.TemporaryDirectory() as folder:
        return create_app(load(write_config(Path(folder)))).openapi()


# Loaded from a dict, the app given to each call: schemathesis.pytest.from_fixture, meant for apps
# that fixtures build, fails here (schemathesis 4.32 sets a test node's _nodeid, which pytest 9.2's
# nodes do not have).
schema = schemathesis.openapi.from_dict(_the_apps_schema())


@pytest.fixture
def app(make_app: Callable[..., FastAPI], offline: None) -> Iterator[FastAPI]:
    """A fresh app (its config and store in tmp_path) for the run: every operation's requests go to
    it, so later operations meet what earlier ones stored (issues, subscribers)."""
    fresh = make_app()
    yield fresh
    fresh.state.digest.close()  # schemathesis keeps an app's lifespan open until the process ends


# Every operation runs as a subtest (a failure names it: [POST /v1/issues]), with 25 generated
# requests beside the examples and coverage cases; derandomized, so every run sends the same ones.
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_built_from_the_schema_gets_a_server_error(case: Case, app: FastAPI) -> None:
    case.call_and_validate(app=app, headers=AS_ADMIN, checks=CHECKS)


# --- what the schema declares ---------------------------------------------------------------------


def test_the_schema_declares_the_bodies_the_routes_read_themselves(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        "/v1/summarise": {"text/plain", "text/html", "application/pdf", "multipart/form-data"},
        "/v1/issues": {"application/json", "multipart/form-data"},
        "/v1/subscribers": {"application/json"},
    }
    for path, media_types in expected.items():
        body = paths[path]["post"]["requestBody"]
        assert body["required"] is True
        assert media_types <= set(body["content"]), path
    upload = paths["/v1/issues"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload["required"] == ["file"] and {"paper", "issue_date", "single"} <= set(upload["properties"])
    url = paths["/v1/issues"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert url["required"] == ["url"]
    subscriber = paths["/v1/subscribers"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    channel = subscriber["properties"]["channels"]["items"]
    assert {"url", "kind", "secret", "options"} <= set(channel["properties"])
    assert not {"broken", "masked"} & set(channel["properties"])  # the loader's, not a client's
    assert "$ref" not in str(subscriber)


def test_the_schema_declares_the_errors_with_their_body(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    push = schema["paths"]["/v1/issues"]["post"]["responses"]
    assert {"202", "400", "401", "403", "413", "415", "422", "502"} <= set(push)
    error = push["401"]["content"]["application/json"]["schema"]
    assert error["required"] == ["error"] and error["properties"]["error"]["type"] == "string"
    assert "WWW-Authenticate" in push["401"]["headers"]
    assert "409" in schema["paths"]["/v1/subscribers"]["post"]["responses"]
    read_only = schema["paths"]["/v1/issues/{issue_id}"]["get"]
    assert {"401", "404", "422"} <= set(read_only["responses"])
    assert "403" not in read_only["responses"]  # any valid token may read
    assert read_only["security"] == [{"bearer": []}]
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # The app's 422 is {"error": …}, never FastAPI's own body.
    assert "HTTPValidationError" not in str(schema)
    assert "security" not in schema["paths"]["/healthz"]["get"]
