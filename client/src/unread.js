// Unread counts kept live, by the rule of docs/realtime-v2.md ("Read markers and unread
// counts"): the server's count as of a seq (`through`), plus what the channel's events
// past that seq add or take away. Read markers (pushed, or answered to our own PUT)
// replace the count when they are newer. tests/unread_counts.py is the same rule.
// Mention counts come only with those snapshots: the server pushes a fresh one with each
// `mention`, and as `read_marker` when a message stops naming the user.

import { signal } from "@preact/signals";

import { call } from "./api.js";

const state = new Map(); // channel id -> {read, base, mentions, through, beyond: [events]}
export const unreadVersion = signal(0); // bumped on every change: views re-read counts

function changed() {
  unreadVersion.value += 1;
}

function fresh() {
  return { read: -1, base: 0, mentions: 0, through: -1, beyond: [] };
}

/** Take the counts of a channel listing (members' channels only). */
export function loadCounts(listed) {
  for (const channel of listed) {
    if (!channel.membership) {
      state.delete(channel.id);
      continue;
    }
    const marker = {
      channel_id: channel.id,
      last_read_seq: channel.membership.last_read_seq,
      unread_count: channel.unread_count,
      mention_count: channel.mention_count,
      as_of_seq: channel.last_seq,
    };
    if (!state.has(channel.id)) state.set(channel.id, fresh());
    applyMarker(marker);
  }
  changed();
}

/** A channel event, applied in seq order once (live.js's rules). */
export function countEvent(event) {
  let count = state.get(event.channel_id);
  if (!count) {
    // Joined a moment ago: its count is still on the way. Keep the event; the count,
    // when it comes, drops what it covers already.
    count = fresh();
    state.set(event.channel_id, count);
  }
  if (event.seq <= count.through) return; // in the count already
  count.beyond.push(event);
  changed();
}

/** A read_marker push, or our own PUT's answer (the same body). */
export function applyMarker(marker) {
  const count = state.get(marker.channel_id);
  if (!count) return;
  const { as_of_seq: asOf, last_read_seq: read } = marker;
  if (asOf < count.through || (asOf === count.through && read <= count.read)) return; // older
  count.read = read;
  count.base = marker.unread_count;
  count.mentions = marker.mention_count ?? 0;
  count.through = asOf;
  count.beyond = count.beyond.filter((event) => event.seq > asOf);
  changed();
}

/** The channel's unread count now, for the user `me`. */
export function unreadOf(channelId, me) {
  const count = state.get(channelId);
  if (!count) return 0;
  let total = count.base;
  const counted = new Set();
  for (const event of count.beyond) {
    const message = event.message;
    if (!message || message.author_id === me) continue;
    if (event.type === "message_posted" && !message.deleted && !message.thread_root_id) {
      total += 1;
      counted.add(message.id);
    } else if (
      event.type === "message_deleted" && !message.thread_root_id && message.seq > count.read &&
      (message.seq <= count.through || counted.has(message.id))
    ) {
      total -= 1;
      counted.delete(message.id);
    }
  }
  return total;
}

/** How many of the channel's unread messages name the user. */
export function mentionsOf(channelId) {
  return state.get(channelId)?.mentions ?? 0;
}

/** How far the user has read the channel (-1 when unknown). */
export function readOf(channelId) {
  return state.get(channelId)?.read ?? -1;
}

const sending = new Map(); // channel id -> {seq, timer}
const MARK_DELAY_MS = 500; // marks made while scrolling go as one

/** Mark the channel read up to `seq` soon (once, the highest asked for). */
export function markRead(channelId, seq) {
  if (seq <= readOf(channelId)) return;
  const queued = sending.get(channelId);
  if (queued && queued.seq >= seq) return;
  clearTimeout(queued?.timer);
  const timer = setTimeout(async () => {
    sending.delete(channelId);
    try {
      applyMarker(await call("PUT", `/channels/${channelId}/read`, { seq }));
    } catch {
      /* not a member any more, or offline: the next view marks again */
    }
  }, MARK_DELAY_MS);
  sending.set(channelId, { seq, timer });
}

/** Forget every count (signed out). */
export function resetCounts() {
  state.clear();
  for (const { timer } of sending.values()) clearTimeout(timer);
  sending.clear();
  changed();
}
