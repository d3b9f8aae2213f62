// A channel's messages: a window over those held, older pages fetched on scrolling back,
// newer ones followed at the bottom, read markers moved as messages are seen.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

import { call } from "./api.js";
import { pending } from "./outbox.js";
import { lastSeqOf } from "./live.js";
import { historyOf, jumpTarget, mergeMessages, updateHistory } from "./store.js";
import { Message, PendingPost } from "./Message.jsx";
import { markRead } from "./unread.js";

const PAGE = 50;
// At most this many messages are in the DOM: scrolling back through a long history moves
// a window over the messages held (and fetches older pages), so the page stays light.
const WINDOW = 150;
const EDGE_PX = 400; // this close to an end of the list, the window moves on by a page
const BOTTOM_PX = 40; // this close to the bottom, the list follows new messages
const GROUP_MS = 5 * 60_000; // one author's messages this close together form a group
const day = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });
let firstShown = false;

/** A channel's messages: a window over its history, moved by scrolling, and pending sends. */
export function MessageList({ channel }) {
  const history = historyOf(channel.id);
  const list = useRef(null);
  const following = useRef(true); // at the bottom: new messages scroll into view
  const still = useRef(null); // {id, top}: a message kept in place while the window moves
  const busy = useRef(false); // moving the window now
  const drawnBefore = useRef(""); // which messages the last render drew
  const [loading, setLoading] = useState(false);
  const [to, setTo] = useState(null); // seq of the newest message drawn; null: the newest held
  // Bumped whenever the history held is replaced (a jump, back to the newest): a page
  // fetched for the one before is dropped, not merged.
  const epoch = useRef(0);
  const shownTo = useRef(to);
  shownTo.current = to;
  const member = useRef(Boolean(channel.membership)); // read by the observer made per channel
  member.current = Boolean(channel.membership);
  const all = history.messages;
  const end = to === null ? all.length : endAfter(all, to);
  const start = Math.max(0, end - WINDOW);
  const drawn = all.slice(start, end);

  useEffect(() => {
    if (!history.loaded && jumpTarget.value?.channelId !== channel.id) {
      loadOlder(channel.id, null, setLoading);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- on opening a channel only
  }, [channel.id]);

  // A search result: load its history around it, draw it, scroll to it, mark it.
  const target = jumpTarget.value;
  const found = useRef(null);
  useEffect(() => {
    if (!target || target.channelId !== channel.id) return;
    jumpTarget.value = null;
    (async () => {
      setLoading(true);
      try {
        const mine = ++epoch.current;
        const base = `/channels/${channel.id}/messages`;
        const before = await call("GET", `${base}?before=${target.seq + 1}&limit=${PAGE / 2}`);
        const after = await call("GET", `${base}?after=${target.seq}&limit=${PAGE / 2}`);
        if (mine !== epoch.current) return;
        const messages = mergeMessages(before.messages, after.messages);
        updateHistory(channel.id, () => ({ messages, more: before.more, newer: after.more, loaded: true }));
        following.current = false;
        found.current = target.messageId;
        setTo(after.more ? messages.at(-1).seq : null);
      } finally {
        setLoading(false);
      }
    })();
  }, [target, channel.id]);

  // Messages scrolled into view are read; at the newest, so is the channel's last event.
  const seen = useRef(null);
  useEffect(() => {
    seen.current = new IntersectionObserver(
      (entries) => {
        const visible = entries.filter((entry) => entry.isIntersecting);
        if (!visible.length || document.visibilityState !== "visible") return;
        const top = Math.max(...visible.map((entry) => Number(entry.target.dataset.seq)));
        const newest = historyOf(channel.id).messages.at(-1)?.seq ?? 0;
        const atNewest = top >= newest && shownTo.current === null;
        if (!member.current) return; // read-only: a public channel not joined
        markRead(channel.id, atNewest ? Math.max(top, lastSeqOf(channel.id) ?? top) : top);
      },
      { root: list.current },
    );
    return () => seen.current.disconnect();
  }, [channel.id]);
  useEffect(() => {
    // Observed afresh after each render: the window adds and drops messages.
    seen.current.disconnect();
    for (const item of list.current.querySelectorAll("li[data-seq]")) seen.current.observe(item);
  });

  useLayoutEffect(() => {
    const element = list.current;
    const shown = `${drawn[0]?.id}:${drawn.length}`;
    const moved = shown !== drawnBefore.current;
    drawnBefore.current = shown;
    if (still.current && moved) {
      const kept = document.getElementById(still.current.id);
      if (kept) element.scrollTop += kept.getBoundingClientRect().top - still.current.top;
      still.current = null;
    } else if (following.current && to === null && !still.current) {
      element.scrollTop = element.scrollHeight;
    }
    if (found.current) {
      const element = document.getElementById(`message-${found.current}`);
      if (element) {
        found.current = null;
        element.classList.add("found");
        element.scrollIntoView({ block: "center" });
        element.focus();
      }
    }
    if (history.loaded && !firstShown) {
      firstShown = true;
      performance.mark("parley:first-channel-shown"); // what bench/client.py measures
    }
  });

  /** Keep a message where it is on screen through the next render (the window moves). */
  function keepStill(message) {
    const element = message && document.getElementById(`message-${message.id}`);
    if (element) still.current = { id: element.id, top: element.getBoundingClientRect().top };
  }

  async function older() {
    if (busy.current) return;
    busy.current = true;
    try {
      const first = drawn[0];
      if (start === 0) {
        if (!history.more) return;
        keepStill(first);
        const mine = epoch.current;
        await loadOlder(channel.id, first?.seq ?? null, setLoading, () => mine === epoch.current);
        if (mine !== epoch.current) return;
      }
      const held = historyOf(channel.id).messages;
      const from = Math.max(0, held.findIndex((message) => message.id === first?.id) - PAGE);
      const until = Math.min(held.length, from + WINDOW);
      const next = drawnTo(channel.id, held, until);
      if (next !== shownTo.current) {
        keepStill(first);
        setTo(next);
      }
    } finally {
      busy.current = false;
    }
  }

  async function newer() {
    if (busy.current || to === null) return;
    busy.current = true;
    try {
      keepStill(drawn[drawn.length - 1]);
      if (end === all.length && history.newer) {
        // Held from a jump: fetch the next page of the channel, as older() does backwards.
        const mine = epoch.current;
        const page = await call("GET", `/channels/${channel.id}/messages?after=${to}&limit=${PAGE}`);
        if (mine !== epoch.current) return;
        updateHistory(channel.id, (held) => ({
          ...held, messages: mergeMessages(held.messages, page.messages), newer: page.more,
        }));
      }
      const held = historyOf(channel.id).messages;
      const until = Math.min(held.length, endAfter(held, to) + PAGE);
      setTo(drawnTo(channel.id, held, until));
    } finally {
      busy.current = false;
    }
  }

  async function newest() {
    following.current = true;
    if (history.newer) {
      // Back from a jump: the newest page again, live from there on. Scrolling moves
      // nothing meanwhile (busy): a page it fetched would land in the new history.
      const mine = ++epoch.current;
      busy.current = true;
      try {
        const page = await call("GET", `/channels/${channel.id}/messages?limit=${PAGE}`);
        if (mine !== epoch.current) return;
        updateHistory(channel.id, () => ({ messages: page.messages, more: page.more, loaded: true }));
      } finally {
        busy.current = false;
      }
    }
    setTo(null);
  }

  function scrolled() {
    const element = list.current;
    const below = element.scrollHeight - element.scrollTop - element.clientHeight;
    following.current = to === null && below < BOTTOM_PX;
    if (element.scrollTop < EDGE_PX && (start > 0 || (history.more && history.loaded))) older();
    else if (to !== null && below < EDGE_PX) newer();
  }

  const mine = pending.value.filter((post) => post.channel_id === channel.id && !post.thread_root_id);
  return (
    // A scrolling region takes the keyboard's focus, so that arrows and Page Down scroll it.
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <section class="messages" ref={list} aria-label="Messages" tabIndex={0} onScroll={scrolled}>
      {(start > 0 || (history.more && history.loaded)) && (
        <button type="button" class="older" onClick={older} disabled={loading}>
          {loading ? "Loading…" : "Load older messages"}
        </button>
      )}
      <ol>
        {rows(drawn).map((row) =>
          row.day ? (
            <li key={`day-${row.day}`} class="day"><h2>{row.day}</h2></li>
          ) : (
            <Message key={row.message.id} message={row.message} grouped={row.grouped} canPin={canPin(channel)}
              readOnly={!channel.membership} />
          ),
        )}
        {mine.map((post) => <PendingPost key={post.client_msg_id} post={post} />)}
      </ol>
      {to !== null && (
        <button type="button" class="newest" onClick={newest}>Jump to the newest messages</button>
      )}
    </section>
  );
}

/** The seq of the last message to draw, `until` messages into those held (null: the
newest, once they reach the channel's newest). */
function drawnTo(channelId, held, until) {
  return until === held.length && !historyOf(channelId).newer ? null : held[until - 1]?.seq ?? null;
}

/** The index just past the last message at or before `seq`. */
function endAfter(messages, seq) {
  const after = messages.findIndex((message) => message.seq > seq);
  return after === -1 ? messages.length : after;
}

/** Fetch the page before `beforeSeq` (the newest without it) and add it to the history
held, unless `current()` says the history was replaced meanwhile (a jump, or back to the
newest): a page of the old one would leave a gap in the new. */
async function loadOlder(channelId, beforeSeq, setLoading, current = () => true) {
  setLoading(true);
  try {
    const query = beforeSeq ? `?before=${beforeSeq}&limit=${PAGE}` : `?limit=${PAGE}`;
    const page = await call("GET", `/channels/${channelId}/messages${query}`);
    if (!current()) return;
    updateHistory(channelId, (history) => ({
      ...history,
      messages: mergeMessages(history.messages, page.messages),
      more: page.more,
      loaded: true,
    }));
  } finally {
    setLoading(false);
  }
}

/** Day separators between days, and whether each message continues its author's group. */
function rows(messages) {
  const out = [];
  let previous = null;
  for (const message of messages) {
    const at = new Date(message.created_at);
    const label = day.format(at);
    if (!previous || day.format(new Date(previous.created_at)) !== label) out.push({ day: label });
    const grouped = Boolean(
      previous && previous.author_id === message.author_id && !previous.deleted &&
        at - new Date(previous.created_at) < GROUP_MS && out[out.length - 1].message,
    );
    out.push({ message, grouped });
    previous = message;
  }
  return out;
}

/** Whether the user may pin in the channel: a member; an owner, if it is private. */
export function canPin(channel) {
  const role = channel.membership?.role;
  return Boolean(role) && (channel.kind !== "private" || role === "owner");
}
