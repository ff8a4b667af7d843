"""The [api] section of the settings: where `digest serve` listens, who may call it, and its limits."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class TokenSettings(BaseModel):
    """One API token, kept as the SHA-256 hex digest of the token itself (never the token)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    scope: Literal["read", "admin"]
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")

    @field_validator("sha256")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class ApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    max_request_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    tokens: list[TokenSettings] = Field(default_factory=list)
    # Hosts (names or addresses) and CIDRs that URL fetches may reach although they are private.
    allow_private_fetch: list[str] = Field(default_factory=list)
    # File channels of subscribers added over the API write only under this folder; empty: the API
    # adds no file channels (the operator's own config file may name any folder).
    outbox_root: str = ""

    @field_validator("allow_private_fetch")
    @classmethod
    def _hosts_or_networks(cls, values: list[str]) -> list[str]:
        for value in values:
            if "/" in value:
                try:
                    ipaddress.ip_network(value, strict=False)
                except ValueError:
                    raise ValueError(
                        f"{value!r} is neither a host name nor a CIDR such as 10.0.0.0/8"
                    ) from None
        return [value.strip().lower() for value in values]

    @model_validator(mode="after")
    def _unique_token_names(self) -> ApiSettings:
        names = [t.name for t in self.tokens]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"token names must be unique; repeated: {', '.join(repeated)}")
        return self
