"""A channel that cannot work as configured: every send fails with the reason, so it fails alone.

The config loader marks a channel broken when a ``${VAR}`` it needs is unset; building the channels
marks one broken when its settings cannot work (a Telegram bot without chat_id, email without
recipients). Either way the other channels are built and sent, and the delivery log records this
one's parts as failed with a reason that names the subscriber and the channel.
"""

from __future__ import annotations

from digest.notify.base import Channel, DeliveryResult, Message


class BrokenChannel(Channel):
    kind = "broken"

    def __init__(self, name: str, *, subscriber: str, reason: str) -> None:
        super().__init__(name)
        self.reason = f"subscriber {subscriber!r}, channel {name!r} cannot send: {reason}"

    def describe(self) -> str:
        return f"broken channel {self.name!r}"

    def _send(self, message: Message) -> DeliveryResult:
        return DeliveryResult.failed(self.reason)
