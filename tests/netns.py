"""Test hosts on one machine: Linux network namespaces on a bridge of their own.

Each host gets its own network stack and address in TEST_SUBNET; the bridge's
address is the machine's side, where socat forwards to its PostgreSQL and Redis.
Everything is created by the test and deleted afterwards; traffic stays on the
bridge between these namespaces and the machine.
"""

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

TEST_SUBNET = "10.213.7"  # /24 used only by the namespaces this module creates
GATEWAY = f"{TEST_SUBNET}.1"
IP = shutil.which("ip") or "/usr/sbin/ip"


def ip(*args: str) -> None:
    """Run one `ip` command, failing loudly."""
    subprocess.run([IP, *args], check=True, capture_output=True, text=True)


def namespaces_allowed() -> str | None:
    """None when network namespaces can be made here, else why not."""
    if shutil.which(IP) is None:
        return "iproute2 is not installed"
    probe = f"prly-probe-{uuid.uuid4().hex[:6]}"
    result = subprocess.run([IP, "netns", "add", probe], capture_output=True, text=True)
    if result.returncode != 0:
        return f"cannot create network namespaces: {result.stderr.strip()}"
    ip("netns", "del", probe)
    return None


@dataclass(frozen=True)
class Host:
    """A network namespace with one address on the test bridge."""

    namespace: str
    address: str

    def command(self, argv: list[str]) -> list[str]:
        """argv, run inside this host's namespace."""
        return [IP, "netns", "exec", self.namespace, *argv]


@contextmanager
def bridged_hosts(count: int) -> Iterator[list[Host]]:
    """A bridge at GATEWAY and `count` namespaces on it, all removed on exit."""
    run = uuid.uuid4().hex[:4]
    bridge = f"prly{run}br"
    with ExitStack() as cleanup:
        ip("link", "add", bridge, "type", "bridge")
        cleanup.callback(ip, "link", "del", bridge)
        ip("addr", "add", f"{GATEWAY}/24", "dev", bridge)
        ip("link", "set", bridge, "up")
        hosts = []
        for number in range(count):
            host = Host(f"prly{run}h{number}", f"{TEST_SUBNET}.{number + 2}")
            outside, inside = f"prly{run}v{number}", f"prly{run}p{number}"
            ip("netns", "add", host.namespace)
            cleanup.callback(ip, "netns", "del", host.namespace)
            ip("link", "add", outside, "type", "veth", "peer", "name", inside)
            ip("link", "set", inside, "netns", host.namespace)
            ip("link", "set", outside, "master", bridge, "up")
            ip("-n", host.namespace, "addr", "add", f"{host.address}/24", "dev", inside)
            ip("-n", host.namespace, "link", "set", inside, "up")
            ip("-n", host.namespace, "link", "set", "lo", "up")
            ip("-n", host.namespace, "route", "add", "default", "via", GATEWAY)
            hosts.append(host)
        yield hosts


@contextmanager
def forwarded(port: int, target: str) -> Iterator[str]:
    """Make target (host:port on this machine's loopback) reachable at GATEWAY:port."""
    process = subprocess.Popen(
        [
            shutil.which("socat") or "socat",
            f"TCP-LISTEN:{port},bind={GATEWAY},reuseaddr,fork",
            f"TCP:{target}",
        ]
    )
    try:
        yield f"{GATEWAY}:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
