"""The HTTP API in-process: auth, limits, errors, summarise, issues, SSRF, metrics, briefings and
subscribers. The end-to-end path over a real uvicorn server is in test_live.py."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from digest.briefing.compose import compose
from digest.briefing.daily import brief
from digest.config import load
from digest.ingest.sources import read_input
from digest.models import RawInput
from digest.output import to_json
from digest.pipeline import digest_page, ingest_document
from digest.sources.base import FetchedDocument
from digest.store import open_store
from digest.summarise.extractive import ExtractiveSummariser
from tests.api.conftest import AS_ADMIN, AS_READER
from tests.conftest import LocalServer
from tests.ingest.pdf_builder import build_scanned_pdf
from tests.test_cli import SAMPLE

TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def expected_articles() -> list[dict[str, object]]:
    settings = load(None, environ={})
    summariser = ExtractiveSummariser(
        settings.summarise.headline_max_chars, settings.summarise.summary_max_chars
    )
    return to_json(digest_page(read_input(str(SAMPLE)), summariser))["articles"]  # type: ignore[no-any-return]


def wait_done(client: TestClient, issue_id: int) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = client.get(f"/v1/issues/{issue_id}", headers=AS_READER).json()
        if body["status"] in ("done", "failed"):
            return body  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"issue {issue_id} not done: {body}")


# --- service --------------------------------------------------------------------------------------


def test_healthz_is_open_and_checks_the_store(client: TestClient) -> None:
    reply = client.get("/healthz")
    assert reply.status_code == 200 and reply.json()["status"] == "ok"


def test_healthz_is_503_with_the_reason_when_the_store_fails(tmp_path: Path) -> None:
    from digest.api.app import create_app  # noqa: PLC0415

    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    settings = load(None, environ={"DIGEST_STORE_URL": f'"sqlite:///{tmp_path}/file/sub/digest.db"'})
    with TestClient(create_app(settings)) as client:
        reply = client.get("/healthz")
    assert reply.status_code == 503
    assert reply.json()["status"] == "unavailable" and reply.json()["reason"]


def test_openapi_schema_lists_the_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/v1/summarise", "/v1/issues", "/v1/issues/{issue_id}", "/metrics"} <= set(paths)


# --- auth -----------------------------------------------------------------------------------------


def test_no_token_is_401_with_a_bearer_challenge(client: TestClient) -> None:
    reply = client.post("/v1/summarise", content=SAMPLE.read_bytes(), headers=TEXT)
    assert reply.status_code == 401
    assert reply.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in reply.json()["error"]


def test_an_unknown_token_is_401(client: TestClient) -> None:
    reply = client.get("/v1/issues/1", headers={"Authorization": "Bearer nope"})
    assert reply.status_code == 401
    assert 'error="invalid_token"' in reply.headers["www-authenticate"]
    assert "not valid" in reply.json()["error"]
    assert client.get("/v1/issues/1", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_read_token_may_get_but_not_post(client: TestClient) -> None:
    reply = client.post("/v1/summarise", content=SAMPLE.read_bytes(), headers=TEXT | AS_READER)
    assert reply.status_code == 403
    assert "admin" in reply.json()["error"]
    assert client.get("/v1/issues/999", headers=AS_READER).status_code == 404


def test_tokens_never_reach_the_log(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    client.post("/v1/summarise", content=SAMPLE.read_bytes(), headers=TEXT | AS_ADMIN)
    client.get("/v1/issues/1", headers={"Authorization": "Bearer wrong-token-xyz"})
    assert "admin-secret-token" not in caplog.text and "wrong-token-xyz" not in caplog.text


# --- summarise ------------------------------------------------------------------------------------


def test_summarise_text_is_the_cli_json(client: TestClient) -> None:
    reply = client.post("/v1/summarise", content=SAMPLE.read_bytes(), headers=TEXT | AS_ADMIN)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["source"] == "request" and body["errors"] == []
    assert body["articles"] == expected_articles()
    assert len(body["articles"]) == 5


def test_summarise_reads_gb18030_and_a_multipart_upload(client: TestClient) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    reply = client.post(
        "/v1/summarise",
        content=text.encode("gb18030"),
        headers={"Content-Type": "text/plain; charset=gb18030"} | AS_ADMIN,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["articles"] == expected_articles()
    upload = client.post(
        "/v1/summarise",
        files={"file": ("page-2024-07-26.txt", SAMPLE.read_bytes(), "text/plain")},
        headers=AS_ADMIN,
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["source"] == "page-2024-07-26.txt"
    assert [a["headline"] for a in upload.json()["articles"]] == [a["headline"] for a in expected_articles()]


def test_a_scanned_pdf_is_422_with_the_ocr_hint(client: TestClient) -> None:
    reply = client.post(
        "/v1/summarise",
        files={"file": ("scan.pdf", build_scanned_pdf(), "application/pdf")},
        headers=AS_ADMIN,
    )
    assert reply.status_code == 422
    assert "OCR" in reply.json()["error"] and "ocrmypdf" in reply.json()["error"]


def test_a_body_over_the_limit_is_413_by_content_length_and_while_streaming(
    make_app: Callable[..., FastAPI],
) -> None:
    with TestClient(make_app(max_bytes=1000)) as client:
        big = b"x" * 5000
        reply = client.post("/v1/summarise", content=big, headers=TEXT | AS_ADMIN)
        assert reply.status_code == 413
        assert "over the limit" in reply.json()["error"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: chunked
            for _ in range(10):
                yield b"y" * 500

        streamed = client.post("/v1/summarise", content=chunks(), headers=TEXT | AS_ADMIN)
        assert streamed.status_code == 413
        assert "larger than" in streamed.json()["error"]
        upload = client.post("/v1/issues", files={"file": ("p.txt", big, "text/plain")}, headers=AS_ADMIN)
        assert upload.status_code == 413


def test_unsupported_media_is_415(client: TestClient) -> None:
    reply = client.post(
        "/v1/summarise", content=b"\x89PNG\r\n", headers={"Content-Type": "image/png"} | AS_ADMIN
    )
    assert reply.status_code == 415
    assert "unsupported media type image/png" in reply.json()["error"]
    assert client.post("/v1/summarise", content=b"abc", headers=AS_ADMIN).status_code == 415
    upload = client.post(
        "/v1/summarise", files={"file": ("page.docx", b"PK\x03\x04", "application/msword")}, headers=AS_ADMIN
    )
    assert upload.status_code == 415 and "page.docx" in upload.json()["error"]


def test_bad_fields_are_422_and_malformed_json_400(client: TestClient) -> None:
    reply = client.post(
        "/v1/summarise?issue_date=yesterday", content=SAMPLE.read_bytes(), headers=TEXT | AS_ADMIN
    )
    assert reply.status_code == 422 and "issue_date" in reply.json()["error"]
    bad_json = client.post(
        "/v1/issues", content=b'{"url": ', headers={"Content-Type": "application/json"} | AS_ADMIN
    )
    assert bad_json.status_code == 400 and "not valid JSON" in bad_json.json()["error"]
    unknown = client.post("/v1/issues", json={"url": "http://x", "colour": "red"}, headers=AS_ADMIN)
    assert unknown.status_code == 422 and "colour" in unknown.json()["error"]
    missing = client.post("/v1/issues", json={"paper": "x"}, headers=AS_ADMIN)
    assert missing.status_code == 422 and "url" in missing.json()["error"]
    empty = client.post("/v1/summarise", content=b"  \n", headers=TEXT | AS_ADMIN)
    assert empty.status_code == 422 and "empty" in empty.json()["error"]


def test_summarise_runs_off_the_event_loop(make_app: Callable[..., FastAPI]) -> None:
    """A slow engine must not hold up /healthz (checked over a real server in test_live.py too)."""
    import threading  # noqa: PLC0415

    from digest.api.state import ApiState  # noqa: PLC0415

    class Slow(ExtractiveSummariser):
        def summarise(self, articles):  # type: ignore[no-untyped-def]
            time.sleep(1.5)
            return super().summarise(articles)

    app = make_app(summariser=Slow())
    assert isinstance(app.state.digest, ApiState)
    with TestClient(app) as client:
        slow = threading.Thread(
            target=client.post,
            args=("/v1/summarise",),
            kwargs={"content": SAMPLE.read_bytes(), "headers": TEXT | AS_ADMIN},
        )
        slow.start()
        time.sleep(0.2)
        start = time.monotonic()
        assert client.get("/healthz").status_code == 200
        assert time.monotonic() - start < 1.0
        slow.join()


# --- issues ---------------------------------------------------------------------------------------


def test_push_an_issue_then_poll_it_and_the_same_bytes_give_the_same_id(client: TestClient) -> None:
    files = {"file": ("jc-2024-07-26.txt", SAMPLE.read_bytes(), "text/plain")}
    data = {"paper": "交城报", "issue_date": "2024-07-26"}
    first = client.post("/v1/issues", files=files, data=data, headers=AS_ADMIN)
    assert first.status_code == 202, first.text
    assert first.json()["status"] in ("queued", "processing", "done")
    assert first.json()["outcome"] == "new"
    issue_id = first.json()["id"]
    body = wait_done(client, issue_id)
    assert body["status"] == "done" and body["paper"] == "交城报" and body["issue_date"] == "2024-07-26"
    articles = body["articles"]
    assert isinstance(articles, list) and len(articles) == 5
    assert all(a["headline"] and a["summary"] and a["engine"] == "extractive" for a in articles)
    again = client.post("/v1/issues", files=files, data=data, headers=AS_ADMIN)
    assert again.status_code == 202
    assert again.json() == {"id": issue_id, "status": "done", "outcome": "unchanged"}
    renamed = {"file": ("other-name.txt", SAMPLE.read_bytes(), "text/plain")}
    assert client.post("/v1/issues", files=renamed, data=data, headers=AS_ADMIN).json()["id"] == issue_id


def test_a_failed_push_stores_nothing(client: TestClient, tmp_path: Path) -> None:
    import sqlite3  # noqa: PLC0415

    reply = client.post(
        "/v1/issues", files={"file": ("scan.pdf", build_scanned_pdf(), "application/pdf")}, headers=AS_ADMIN
    )
    assert reply.status_code == 422 and "OCR" in reply.json()["error"]
    bad_field = client.post(
        "/v1/issues",
        files={"file": ("p.txt", SAMPLE.read_bytes(), "text/plain")},
        data={"issue_date": "26/07/2024"},
        headers=AS_ADMIN,
    )
    assert bad_field.status_code == 422 and "issue_date" in bad_field.json()["error"]
    with sqlite3.connect(tmp_path / "digest.db") as conn:
        assert conn.execute("select count(*) from issues").fetchone()[0] == 0
        assert conn.execute("select count(*) from articles").fetchone()[0] == 0


# --- SSRF -----------------------------------------------------------------------------------------


def test_fetching_a_loopback_url_is_refused(client: TestClient, http_server: LocalServer) -> None:
    url = http_server.route("/page.txt", SAMPLE.read_bytes(), headers={"Content-Type": "text/plain"})
    reply = client.post("/v1/issues", json={"url": url, "paper": "交城报"}, headers=AS_ADMIN)
    assert reply.status_code == 400
    message = reply.json()["error"]
    assert "127.0.0.1" in message and "loopback" in message and "allow_private_fetch" in message
    assert http_server.requests == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.1.2.3/page", "private"),
        ("http://[::1]:8080/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
    ],
)
def test_private_addresses_are_refused(client: TestClient, url: str, kind: str) -> None:
    reply = client.post("/v1/issues", json={"url": url}, headers=AS_ADMIN)
    assert reply.status_code == 400
    assert kind in reply.json()["error"]


def test_other_schemes_are_refused(client: TestClient) -> None:
    reply = client.post("/v1/issues", json={"url": "file:///etc/passwd"}, headers=AS_ADMIN)
    assert reply.status_code == 400 and "http" in reply.json()["error"]


def test_an_allowlisted_host_is_fetched(make_app: Callable[..., FastAPI], http_server: LocalServer) -> None:
    url = http_server.route(
        "/2024-07-26/page.txt", SAMPLE.read_bytes(), headers={"Content-Type": "text/plain"}
    )
    with TestClient(make_app(allow=["127.0.0.0/8"])) as client:
        reply = client.post("/v1/issues", json={"url": url, "paper": "交城报"}, headers=AS_ADMIN)
        assert reply.status_code == 202, reply.text
        body = wait_done(client, reply.json()["id"])
    assert body["status"] == "done" and body["link"] == url and len(body["articles"]) == 5  # type: ignore[arg-type]


def test_a_redirect_to_a_forbidden_address_is_refused(
    make_app: Callable[..., FastAPI], http_server: LocalServer
) -> None:
    port = http_server.base_url.rsplit(":", 1)[1]
    http_server.route("/page.txt", SAMPLE.read_bytes())
    http_server.route("/hop", status=302, headers={"Location": f"http://127.0.0.1:{port}/page.txt"})
    with TestClient(make_app(allow=["localhost"])) as client:
        reply = client.post("/v1/issues", json={"url": f"http://localhost:{port}/hop"}, headers=AS_ADMIN)
    assert reply.status_code == 400
    assert "127.0.0.1" in reply.json()["error"] and "loopback" in reply.json()["error"]
    assert http_server.paths() == ["/hop"]


def test_too_many_redirects(make_app: Callable[..., FastAPI], http_server: LocalServer) -> None:
    url = http_server.route("/loop", status=302, headers={"Location": "/loop"})
    with TestClient(make_app(allow=["127.0.0.1"])) as client:
        reply = client.post("/v1/issues", json={"url": url}, headers=AS_ADMIN)
    assert reply.status_code == 502 and "redirects" in reply.json()["error"]
    assert len(http_server.requests) == 6


# --- metrics, briefings, subscribers --------------------------------------------------------------


def test_metrics(client: TestClient) -> None:
    files = {"file": ("p.txt", SAMPLE.read_bytes(), "text/plain")}
    issue_id = client.post("/v1/issues", files=files, headers=AS_ADMIN).json()["id"]
    wait_done(client, issue_id)
    assert client.get("/metrics").status_code == 401
    reply = client.get("/metrics", headers=AS_READER)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    text = reply.text
    assert "digest_issues 1.0" in text and "digest_articles 5.0" in text and "digest_summaries 5.0" in text
    assert 'digest_deliveries{state="sent"} 0.0' in text
    assert 'digest_api_requests_total{method="GET",route="/v1/issues/{issue_id}",status="200"}' in text
    assert 'digest_api_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/issues"}' in text


def test_briefing_json_markdown_html(client: TestClient) -> None:
    files = {"file": ("p.txt", SAMPLE.read_bytes(), "text/plain")}
    data = {"paper": "交城报", "issue_date": "2024-07-26"}
    wait_done(client, client.post("/v1/issues", files=files, data=data, headers=AS_ADMIN).json()["id"])
    as_json = client.get("/v1/briefings/2024-07-26?subscriber=desk", headers=AS_READER)
    assert as_json.status_code == 200 and as_json.json()["count"] == 5
    assert as_json.json()["issues"][0]["paper"] == "交城报"
    markdown = client.get(
        "/v1/briefings/2024-07-26?subscriber=desk", headers=AS_READER | {"Accept": "text/markdown"}
    )
    assert markdown.headers["content-type"].startswith("text/markdown") and "每日简报" in markdown.text
    html = client.get("/v1/briefings/2024-07-26?subscriber=desk", headers=AS_READER | {"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "<" in html.text
    assert client.get("/v1/briefings/2024-07-26?subscriber=nobody", headers=AS_READER).status_code == 404
    # Once the day's briefing is saved (sent), it is shown as it was, though a new composition would
    # now leave its articles out (they are briefed).
    state = client.app.state.digest  # type: ignore[attr-defined]
    desk = next(s for s in state.settings.subscribers if s.name == "desk")
    brief(state.store(), desk, dt.date(2024, 7, 26), {}, now=dt.datetime.now(dt.UTC))
    assert compose(state.store(), desk, dt.date(2024, 7, 26)).count == 0
    again = client.get("/v1/briefings/2024-07-26?subscriber=desk", headers=AS_READER)
    assert again.json()["count"] == 5
    assert client.get("/v1/briefings/2024-07-26", headers=AS_READER).status_code == 422


def test_subscribers_never_show_secrets(client: TestClient) -> None:
    listed = client.get("/v1/subscribers", headers=AS_READER)
    assert listed.status_code == 200
    text = listed.text
    assert "TOPSECRETTOKEN" not in text and "SECdingsecretvalue" not in text
    ding = client.get("/v1/subscribers/ding", headers=AS_READER).json()
    assert ding["channels"][0]["secret"] == "set"  # noqa: S105 - a marker, not a secret
    assert ding["channels"][0]["url"] == "https://oapi.dingtalk.com/…"


def test_add_and_remove_a_subscriber(client: TestClient, tmp_path: Path) -> None:
    night = str(tmp_path / "outbox" / "night")
    new = {"name": "night", "time": "22:00", "channels": [{"url": night, "kind": "file"}]}
    assert client.post("/v1/subscribers", json=new, headers=AS_READER).status_code == 403
    added = client.post("/v1/subscribers", json=new, headers=AS_ADMIN)
    assert added.status_code == 201, added.text
    assert added.json()["time"] == "22:00"
    assert 'name = "night"' in (tmp_path / "digest.toml").read_text(encoding="utf-8")
    assert client.post("/v1/subscribers", json=new, headers=AS_ADMIN).status_code == 409
    bad = client.post("/v1/subscribers", json={"name": "x", "time": "25:00"}, headers=AS_ADMIN)
    assert bad.status_code == 422 and "time" in bad.json()["error"]
    assert client.delete("/v1/subscribers/night", headers=AS_ADMIN).status_code == 204
    assert client.get("/v1/subscribers/night", headers=AS_READER).status_code == 404
    assert '"night"' not in (tmp_path / "digest.toml").read_text(encoding="utf-8")
    assert json.loads(client.get("/v1/subscribers", headers=AS_READER).text)[0]["name"] == "desk"


def test_a_channel_that_cannot_work_is_a_422_and_nothing_is_written(
    client: TestClient, tmp_path: Path
) -> None:
    before = (tmp_path / "digest.toml").read_text(encoding="utf-8")
    for channel, said in (
        ({"url": "https://api.telegram.org/bot123:abc"}, "chat_id"),
        ({"url": "smtp://bot@smtp.example.org:587", "options": {"from": "bot@example.org"}}, "recipients"),
        (
            {"url": "https://oapi.dingtalk.com/robot/send?access_token=t", "options": {"colour": "red"}},
            "colour",
        ),
    ):
        refused = client.post("/v1/subscribers", json={"name": "x", "channels": [channel]}, headers=AS_ADMIN)
        assert refused.status_code == 422 and said in refused.json()["error"], refused.text
    assert (tmp_path / "digest.toml").read_text(encoding="utf-8") == before


def test_an_issue_left_unsummarised_by_a_restart_is_finished_when_polled(
    make_app: Callable[..., FastAPI], tmp_path: Path
) -> None:
    # As if the server had stored the issue and then died before summarising it.
    store = open_store(f"sqlite:///{tmp_path / 'digest.db'}")
    doc = FetchedDocument(
        source="api", paper="交城报", locator="jc.txt", raw=RawInput("jc.txt", SAMPLE.read_bytes(), ".txt")
    )
    ingest_document(store, doc, now=dt.datetime.now(dt.UTC))
    (issue_id,) = {row.issue_id for row in store.pending_articles(10)}
    with TestClient(make_app()) as client:
        body = wait_done(client, issue_id)
    assert body["status"] == "done"
    assert all(a["summary"] for a in body["articles"])  # type: ignore[union-attr]


def test_a_413_names_the_api_limit_that_applies(make_app: Callable[..., FastAPI]) -> None:
    # The body cap is [api] max_request_bytes; [ingest] max_bytes is another limit (pages the bot
    # reads), and raising it would not let this request through.
    with TestClient(make_app(max_bytes=1000)) as client:
        by_length = client.post("/v1/summarise", content=b"x" * 5000, headers=TEXT | AS_ADMIN)

        def chunks() -> Iterator[bytes]:  # no Content-Length: refused while streaming
            for _ in range(10):
                yield b"y" * 500

        streamed = client.post("/v1/summarise", content=chunks(), headers=TEXT | AS_ADMIN)
    for reply in (by_length, streamed):
        assert reply.status_code == 413
        error = reply.json()["error"]
        assert "[api] max_request_bytes" in error and "[ingest]" not in error, error
        assert "the request body" in error and "over the limit of 1000 bytes" in error
