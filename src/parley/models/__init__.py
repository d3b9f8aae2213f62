"""The data model, one module per aggregate; importing this registers every table."""

from parley.models.channel import (
    DEFAULT_CHANNEL_NAME,
    Channel,
    ChannelKind,
    MemberRole,
    Membership,
)
from parley.models.event import ChannelEvent, EventKind
from parley.models.job import Job, JobStatus
from parley.models.mention import Mention
from parley.models.message import Message
from parley.models.outbox import OutboxEvent
from parley.models.socket import SocketSession
from parley.models.thread import ThreadFollow
from parley.models.token import Token, TokenKind
from parley.models.user import User

__all__ = [
    "DEFAULT_CHANNEL_NAME",
    "Channel",
    "ChannelEvent",
    "ChannelKind",
    "EventKind",
    "Job",
    "JobStatus",
    "MemberRole",
    "Membership",
    "Mention",
    "Message",
    "OutboxEvent",
    "SocketSession",
    "ThreadFollow",
    "Token",
    "TokenKind",
    "User",
]
