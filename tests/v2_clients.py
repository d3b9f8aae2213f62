"""Real API v2 clients for tests against running servers: a signed-in user over HTTP,
and a python-socketio /v2 client that applies channel events as the protocol says."""

import base64
import copy
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import socketio
from engineio.payload import Payload

from parley.models import EventKind
from tests.servers import call

ENGINEIO_LOG = logging.getLogger("tests.engineio")
ENGINEIO_LOG.setLevel(logging.WARNING)
WAIT = 20.0  # seconds a replay or a push may take before a test gives up

# python-engineio's client drops a long-polling connection whose response holds more
# than 16 packets (a guard written for servers, python-engineio#142), and a burst of
# channel events to a polling client is bigger than that. Browsers have no such limit.
Payload.max_decode_packets = 1024


class Member:
    """A user signed up and signed in through API v2."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.nickname = f"u{uuid.uuid4().hex[:12]}"
        status, _, user = call(
            f"{url}/api/v2/users", "POST", {"nickname": self.nickname, "password": "pw"}
        )
        assert status == 201, (status, user)
        self.id: int = user["id"]
        self.token = self._sign_in()

    def _sign_in(self) -> str:
        """A new sign-in (session): its access token."""
        basic = base64.b64encode(f"{self.nickname}:pw".encode()).decode()
        status, _, pair = call(
            f"{self.url}/api/v2/tokens", "POST", headers={"Authorization": f"Basic {basic}"}
        )
        assert status == 201, (status, pair)
        token: str = pair["access_token"]
        return token

    def another_session(self) -> "Member":
        """The same user signed in once more, as from another device."""
        twin = copy.copy(self)
        twin.token = self._sign_in()
        return twin

    def call(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        """One request to /api/v2<path> as this user: (status, JSON body)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        status, _, answer = call(f"{self.url}/api/v2{path}", method, body, headers)
        return status, answer

    def channel(self, name: str, kind: str = "public") -> int:
        """Create a channel; its id. (The tests of a module share a topology, and a public
        channel's name is unique: give each one a name of its own.)"""
        status, channel = self.call("POST", "/channels", {"name": name, "kind": kind})
        assert status == 201, (status, channel)
        channel_id: int = channel["id"]
        return channel_id

    def invite(self, channel_id: int, other: "Member") -> None:
        """Add another user to a channel of ours."""
        status, body = self.call("POST", f"/channels/{channel_id}/members", {"user_id": other.id})
        assert status == 204, (status, body)

    def post(self, channel_id: int, source: str, client_msg_id: str) -> tuple[int, Any]:
        """POST a message: (status, message)."""
        return self.call(
            "POST",
            f"/channels/{channel_id}/messages",
            {"source": source, "client_msg_id": client_msg_id},
        )


class Listener:
    """A /v2 socket applying each channel's events in seq order, once each.

    The protocol's client rules: an event at or below the last applied seq is a
    duplicate (dropped, counted); one past a gap waits until the gap fills. The
    cursors sent on every (re)connection are the last applied seqs.
    """

    def __init__(
        self,
        url: str,
        member: Member,
        cursors: dict[int, int],
        *,
        transport: str = "websocket",
        reconnect: bool = False,
    ) -> None:
        self.member = member
        self.last = dict(cursors)
        self.applied: dict[int, list[dict[str, Any]]] = {c: [] for c in cursors}
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.duplicates = 0
        self.refusals: list[Any] = []
        self._pending: dict[int, dict[int, dict[str, Any]]] = {c: {} for c in cursors}
        self._changed = threading.Condition()
        # The transport's warnings (a request that failed, the reason a connection was
        # dropped) reach the log, which a failing test prints.
        self.client = socketio.Client(
            reconnection=reconnect, reconnection_delay=0.2, engineio_logger=ENGINEIO_LOG
        )
        for kind in EventKind:
            self.client.on(kind.value, self._on_event, namespace="/v2")
        for marker in (
            "resumed",
            "resync",
            "channel_unavailable",
            "read_marker",
            "mention",
            "typing",
        ):
            self.client.on(marker, self._recorder(marker), namespace="/v2")
        self.client.on("connect_error", self.refusals.append, namespace="/v2")
        self.disconnected = threading.Event()
        self.disconnects: list[tuple[float, str]] = []  # when (monotonic), and why
        self.client.on("disconnect", self._on_disconnect, namespace="/v2")
        self.client.connect(
            url,
            namespaces=["/v2"],
            transports=[transport],
            auth=self._auth,
            wait_timeout=10,
        )

    def _auth(self) -> dict[str, Any]:
        with self._changed:
            return {"token": self.member.token, "cursors": dict(self.last)}

    def _on_disconnect(self, reason: str = "") -> None:
        self.disconnects.append((time.monotonic(), reason))
        self.disconnected.set()

    def _recorder(self, name: str) -> Callable[[dict[str, Any]], None]:
        def record(payload: dict[str, Any]) -> None:
            with self._changed:
                self.received.append((name, payload))
                self._changed.notify_all()

        return record

    def _on_event(self, payload: dict[str, Any]) -> None:
        with self._changed:
            self.received.append((payload["type"], payload))
            self._apply(payload)

    def _apply(self, payload: dict[str, Any]) -> None:
        """Apply one event under the lock (rules 1 and 2)."""
        channel, seq = payload["channel_id"], payload["seq"]
        pending = self._pending.setdefault(channel, {})
        last = self.last.setdefault(channel, seq - 1)
        if seq <= last or seq in pending:
            self.duplicates += 1
        else:
            pending[seq] = payload
        while self.last[channel] + 1 in pending:
            self.last[channel] += 1
            self.applied.setdefault(channel, []).append(pending.pop(self.last[channel]))
        self._changed.notify_all()

    def wait_for(self, condition: Callable[[], bool], timeout: float = WAIT) -> None:
        """Wait until the condition (read under the lock) holds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"not within {timeout} s: last {self.last}, "
                        f"{len(self.received)} received, the last: {self.received[-3:]}"
                    )
                self._changed.wait(remaining)

    def wait_for_seq(self, channel_id: int, seq: int, timeout: float = WAIT) -> None:
        """Wait until every event of the channel up to `seq` is applied (live or replayed:
        this client never fetches a gap)."""
        self.wait_for(lambda: self.last.get(channel_id, 0) >= seq, timeout)

    def markers(self, name: str) -> list[dict[str, Any]]:
        """The payloads of one marker event (`resumed`, `resync`...) received so far."""
        with self._changed:
            return [payload for event, payload in self.received if event == name]

    def message_ids(self, channel_id: int) -> list[int]:
        """Ids of the messages posted in the channel, in the order applied."""
        with self._changed:
            return [
                e["message"]["id"]
                for e in self.applied.get(channel_id, [])
                if e["type"] == EventKind.MESSAGE_POSTED
            ]

    def post(self, channel_id: int, source: str, client_msg_id: str) -> dict[str, Any]:
        """post_message and wait for its acknowledgement."""
        started = time.monotonic()
        try:
            ack: dict[str, Any] = self.client.call(
                "post_message",
                {"channel_id": channel_id, "source": source, "client_msg_id": client_msg_id},
                namespace="/v2",
                timeout=10,
            )
        except socketio.exceptions.TimeoutError:
            raise AssertionError(
                f"no ack within 10 s over {self.client.transport()}; disconnects "
                f"{[(round(at - started, 3), why) for at, why in self.disconnects]} "
                "(seconds since the post, reason)"
            ) from None
        return ack

    def close(self) -> None:
        """Disconnect."""
        self.client.disconnect()
