"""Delivery channels for briefings: email, generic webhooks, chat bots and an outbox folder."""

from digest.notify.base import Channel, DeliveryResult, DeliveryStatus, HttpChannel, Message
from digest.notify.dingtalk import DingTalkChannel
from digest.notify.feishu import FeishuChannel
from digest.notify.file import FileChannel
from digest.notify.mail import EmailChannel
from digest.notify.settings import ChannelKind, ChannelSettings, channel_from_settings, infer_kind
from digest.notify.slack import SlackChannel
from digest.notify.telegram import TelegramChannel
from digest.notify.webhook import WebhookChannel
from digest.notify.wecom import WeComChannel

__all__ = [
    "Channel",
    "ChannelKind",
    "ChannelSettings",
    "DeliveryResult",
    "DeliveryStatus",
    "DingTalkChannel",
    "EmailChannel",
    "FeishuChannel",
    "FileChannel",
    "HttpChannel",
    "Message",
    "SlackChannel",
    "TelegramChannel",
    "WeComChannel",
    "WebhookChannel",
    "channel_from_settings",
    "infer_kind",
]
