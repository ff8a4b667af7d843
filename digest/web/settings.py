"""[web]: the reading room's pages and feeds (digest/web), who may read them, and the links to them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class WebSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # true: papers, issues, search and paper feeds need no token. Briefings and subscriber feeds
    # never become public: they show what a subscriber asked for.
    public: bool = False
    # The key of the per-subscriber secret links (HMAC-SHA256 of the subscriber's name); empty: no
    # secret links, briefings need a read token. Set it from the environment (DIGEST_WEB_SECRET).
    secret: str = ""
    # Bump a subscriber's number to revoke the links they were given: { desk = 2 }.
    link_versions: dict[str, int] = Field(default_factory=dict)
    # Where the reading room is reachable from outside, e.g. https://digest.example.cn; set, every
    # briefing message links to its page there.
    base_url: str = ""
    # Rows per page of a list or of search results.
    page_size: int = Field(default=20, ge=1, le=200)

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        # A short key can be guessed offline from one link: refuse it rather than hand out weak links.
        if value and len(value) < 16:
            raise ValueError("the secret must be at least 16 characters (e.g. openssl rand -hex 32)")
        return value

    @field_validator("base_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")
