"""Who sees what: a private room needs a read token (a header, or ?token= once from a browser, kept
in a cookie); a subscriber's briefings open with a read token or their own secret link, and to
everyone else they do not exist (404), whether or not the room is public."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from digest.web.access import RedactSecrets
from digest.web.links import subscriber_key
from digest.web.settings import WebSettings
from tests.api.conftest import ADMIN, AS_READER, READ
from tests.web.conftest import DAY, SECRET, Room

BRIEFING = f"/briefings/desk/{DAY.isoformat()}"


def key_of(room: Room, name: str) -> str:
    key = subscriber_key(room.settings.web, name)
    assert key is not None
    return key


def test_a_private_room_asks_for_a_token_and_reveals_nothing_without_one(
    make_room: Callable[..., Room],
) -> None:
    room = make_room(public=False)
    for url in ("/", "/issues/1", "/papers/交城报"):
        answer = room.client.get(url)
        assert answer.status_code == 401, url
        assert "刘旋" not in answer.text and "交城" not in answer.text
        assert room.client.get(url, headers=AS_READER).status_code == 200
    assert room.client.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_a_token_in_the_address_moves_into_a_cookie_and_out_of_the_address(
    make_room: Callable[..., Room],
) -> None:
    room = make_room(public=False)
    answer = room.client.get(f"/issues/1?token={READ}&x=1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/issues/1?x=1"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert room.client.get("/issues/1").status_code == 200  # the cookie now opens every page
    assert room.client.get(BRIEFING).status_code == 200  # a reader sees every briefing
    room.client.cookies.clear()
    wrong = room.client.get("/issues/1?token=guess", follow_redirects=False)
    assert wrong.status_code == 303 and "set-cookie" not in wrong.headers
    assert "guess" not in wrong.headers["location"]
    assert room.client.get("/issues/1").status_code == 401


def test_a_briefing_opens_with_its_own_secret_link_only(make_room: Callable[..., Room]) -> None:
    for public in (False, True):
        room = make_room(public=public)
        desk, rival = key_of(room, "desk"), key_of(room, "rival")
        assert desk != rival and len(desk) == 32
        assert room.client.get(BRIEFING).status_code == 404  # not 403: existence is not revealed
        assert room.client.get(BRIEFING + "?key=" + "0" * 32).status_code == 404
        assert room.client.get(f"{BRIEFING}?key={rival}").status_code == 404  # another's link
        mine = room.client.get(f"{BRIEFING}?key={desk}")
        assert mine.status_code == 200 and "每日简报" in mine.text
        # Its feed link carries the key; links to issue pages only where the reader may follow them.
        assert f"/feeds/subscribers/desk.xml?key={desk}" in mine.text
        assert ('href="/issues/' in mine.text) is public
        assert mine.headers["referrer-policy"] == "no-referrer"
        # The same 404 as for a subscriber or day that does not exist.
        assert room.client.get(f"/briefings/ghost/{DAY.isoformat()}?key={desk}").status_code == 404
        assert "最新简报" not in room.client.get(f"/?key={desk}").text


def test_a_bumped_link_version_or_a_new_secret_revokes_the_old_links() -> None:
    settings = WebSettings(secret=SECRET)
    old = subscriber_key(settings, "desk")
    assert subscriber_key(WebSettings(secret=SECRET, link_versions={"desk": 2}), "desk") != old
    assert subscriber_key(WebSettings(secret=SECRET, link_versions={"rival": 2}), "desk") == old
    assert subscriber_key(WebSettings(secret=SECRET + "-rotated"), "desk") != old
    assert subscriber_key(WebSettings(), "desk") is None  # no secret: no links at all


def test_tokens_and_keys_never_reach_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/issues/1?token={ADMIN}&key=abcdef&page=2", "1.1", 303),
        None,
    )
    RedactSecrets().filter(record)
    line = record.getMessage()
    assert ADMIN not in line and "abcdef" not in line
    assert "token=***" in line and "key=***" in line and "page=2" in line


def test_making_the_app_puts_the_redaction_on_uvicorns_access_log(room: Room) -> None:
    filters = logging.getLogger("uvicorn.access").filters
    assert sum(isinstance(f, RedactSecrets) for f in filters) == 1


def test_a_short_secret_is_refused() -> None:
    try:
        WebSettings(secret="short")  # noqa: S106 - the weak key under test
    except ValueError as exc:
        assert "16 characters" in str(exc)
    else:
        raise AssertionError("a short secret was accepted")
    assert urlsplit(WebSettings(base_url="https://x.example/").base_url).path == ""
