"""What the browser tests and the client benchmark share: Debian's Chromium, and a
scroll back through a channel's history measured in the page."""

import itertools
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")  # Playwright's own download cannot work here

# Scrolls the message list to its top until `count` messages before the newest drawn are
# drawn (or the channel's first), waiting at each step until older messages are drawn.
# Records what a reader would notice: the messages and elements in the DOM, how far the
# message at the top moved on screen, and whether each step's messages run in seq order.
_SCROLL_BACK = """async ([count, deadlineMs]) => {
  const list = document.querySelector('.messages');
  const seqs = () => [...list.querySelectorAll('li[data-seq]')].map((li) => Number(li.dataset.seq));
  const newest = Math.max(...seqs());
  const deadline = performance.now() + deadlineMs;
  const out = { steps: [], mostMessages: 0, mostElements: 0, largestJump: 0, ordered: true };
  const seen = new Set(seqs());
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const olderToDraw = () => list.querySelector('button.older') !== null;
  while (Math.min(...seqs()) > newest - count && olderToDraw() && performance.now() < deadline) {
    const oldest = Math.min(...seqs());
    const top = list.querySelector('li[data-seq]');
    const start = performance.now();
    list.scrollTop = 0;
    const before = top.getBoundingClientRect().top; // where the reader sees it, at the top
    while (Math.min(...seqs()) >= oldest && performance.now() < deadline) await frame();
    await frame();
    out.steps.push(performance.now() - start);
    out.largestJump = Math.max(out.largestJump, Math.abs(top.getBoundingClientRect().top - before));
    const drawn = seqs();
    drawn.forEach((seq) => seen.add(seq));
    out.ordered &&= drawn.every((seq, i) => i === 0 || seq > drawn[i - 1]);
    out.mostMessages = Math.max(out.mostMessages, drawn.length);
    out.mostElements = Math.max(out.mostElements, document.getElementsByTagName('*').length);
  }
  out.seen = [...seen].sort((a, b) => a - b);
  out.reached = newest - Math.min(...seqs());
  return out;
}"""


def scroll_back(page: Page, count: int, deadline_ms: int = 120_000) -> dict[str, Any]:
    """Scroll the open channel back `count` messages (or to its start); what was seen."""
    result: dict[str, Any] = page.evaluate(_SCROLL_BACK, [count, deadline_ms])
    return result


def runs_unbroken(seqs: list[int]) -> bool:
    """Whether sorted seqs run one after another, with no gap."""
    return all(b == a + 1 for a, b in itertools.pairwise(seqs))
