"""Well-formed oddities get a 4xx that says what is wrong, never a 500: numbers and dates at the edge
of their types, JSON nested past any sense, text that is not Unicode, scoped IPv6 literals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import AS_ADMIN

JSON = {"Content-Type": "application/json"}


def test_an_issue_id_beyond_any_stored_one_is_a_422(client: TestClient) -> None:
    reply = client.get("/v1/issues/99999999999999999999999", headers=AS_ADMIN)
    assert reply.status_code == 422 and "issue_id" in reply.json()["error"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_briefing_at_the_edge_of_the_calendar_is_a_422(client: TestClient, day: str) -> None:
    reply = client.get(f"/v1/briefings/{day}", params={"subscriber": "desk"}, headers=AS_ADMIN)
    assert reply.status_code == 422 and "too far" in reply.json()["error"]


@pytest.mark.parametrize("path", ["/v1/issues", "/v1/subscribers"])
def test_json_nested_past_any_sense_is_a_400(client: TestClient, path: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    reply = client.post(path, content=deep, headers=AS_ADMIN | JSON)
    assert reply.status_code == 400 and "nested too deeply" in reply.json()["error"]


def test_a_lone_surrogate_is_a_400(client: TestClient) -> None:
    reply = client.post(
        "/v1/issues", content=b'{"url": "http://example.com/\\ud800"}', headers=AS_ADMIN | JSON
    )
    assert reply.status_code == 400 and "not valid Unicode" in reply.json()["error"]


@pytest.mark.parametrize("url", ["http://[fe80::1%25lo]:1/", "http://[fe80::1%25eth0]/", "http://[fe80::1]/"])
def test_a_link_local_literal_with_or_without_a_zone_is_refused_like_the_others(
    client: TestClient, url: str
) -> None:
    reply = client.post("/v1/issues", json={"url": url}, headers=AS_ADMIN)
    assert reply.status_code == 400 and "link-local" in reply.json()["error"]


def test_a_subscriber_with_a_huge_word_list_is_refused_at_once(client: TestClient) -> None:
    words = [f"词{i}" for i in range(20_000)]  # under the body limit, far over the list bound
    reply = client.post(
        "/v1/subscribers",
        json={"name": "flood", "include": words, "channels": [{"kind": "file", "url": "outbox"}]},
        headers=AS_ADMIN,
    )
    assert reply.status_code == 422 and "include" in reply.json()["error"]
    assert client.get("/v1/subscribers/flood", headers=AS_ADMIN).status_code == 404


# Found while making the schema tell the truth (issue 11, item 8): each was a 500.


def test_the_same_page_pushed_for_another_paper_is_that_papers_issue(client: TestClient) -> None:
    page = {"file": ("p.txt", "标题\n\n正文内容很多。".encode() * 5, "text/plain")}
    first = client.post("/v1/issues", files=page, data={"paper": "甲报"}, headers=AS_ADMIN)
    other = client.post("/v1/issues", files=page, data={"paper": "乙报"}, headers=AS_ADMIN)
    again = client.post("/v1/issues", files=page, data={"paper": "甲报"}, headers=AS_ADMIN)
    assert (first.status_code, other.status_code, again.status_code) == (202, 202, 202), other.text
    assert other.json()["outcome"] == "new" and other.json()["id"] != first.json()["id"]
    assert again.json()["id"] == first.json()["id"] and again.json()["outcome"] == "unchanged"
    assert client.get(f"/v1/issues/{other.json()['id']}", headers=AS_ADMIN).json()["paper"] == "乙报"


def test_a_host_that_is_no_valid_international_name_is_a_422(client: TestClient) -> None:
    reply = client.post("/v1/issues", json={"url": "http://xn--/page.pdf"}, headers=AS_ADMIN)
    assert reply.status_code == 422 and "not a URL" in reply.json()["error"]


@pytest.mark.parametrize(
    "channel",
    [
        {"url": "mailto:desk@example.org", "options": {"host": "smtp.example.org", "port": "abc"}},
        {"url": "smtp://bot@smtp.example.org:99999", "options": {"to": "desk@example.org"}},
        {"url": "https://example.org/hook", "options": {"timeout": 10**400}},
    ],
)
def test_a_channel_value_only_python_refuses_is_a_422(client: TestClient, channel: dict[str, Any]) -> None:
    reply = client.post("/v1/subscribers", json={"name": "odd", "channels": [channel]}, headers=AS_ADMIN)
    assert reply.status_code == 422 and "check its URL and options" in reply.json()["error"], reply.text


def test_a_null_field_is_left_out_and_a_null_option_refused(client: TestClient, tmp_path: Path) -> None:
    folder = str(tmp_path / "outbox" / "n")
    plain = {"name": "n", "channels": [{"url": folder, "kind": None, "secret": None}]}
    added = client.post("/v1/subscribers", json=plain, headers=AS_ADMIN)
    assert added.status_code == 201, added.text
    assert added.json()["channels"][0]["kind"] == "file"
    before = (tmp_path / "digest.toml").read_text(encoding="utf-8")
    odd = {"name": "o", "channels": [{"url": folder, "options": {"create": None}}]}
    refused = client.post("/v1/subscribers", json=odd, headers=AS_ADMIN)
    assert refused.status_code == 422 and "channels.0.options.create" in refused.json()["error"]
    assert (tmp_path / "digest.toml").read_text(encoding="utf-8") == before
