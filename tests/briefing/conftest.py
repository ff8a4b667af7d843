"""The briefing tests send through real channels: the local vendor server of the channel tests."""

from tests.notify.conftest import hook_server

__all__ = ["hook_server"]
