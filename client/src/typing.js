// Typing hints (docs/realtime-v2.md): sent while the user types, at most every few
// seconds per channel; shown for others until they expire, or until that person's
// message arrives. Never stored, never announced to screen readers (they would chatter).

import { signal } from "@preact/signals";

const SEND_EVERY_MS = 3000;
export const typists = signal(new Map()); // channel id -> Map(user id -> expiry timer)
const lastSent = new Map(); // channel id -> when the user's last hint went

/** The user typed in a channel's composer: send a hint unless one went just now. */
export function typed(channelId, send) {
  const now = Date.now();
  if (now - (lastSent.get(channelId) ?? 0) < SEND_EVERY_MS) return;
  lastSent.set(channelId, now);
  send(channelId);
}

/** A `typing` push: show it until it expires (a new one renews it). */
export function typingSeen({ channel_id: channelId, user_id: userId, expires_in: seconds }) {
  const next = new Map(typists.value);
  const inChannel = new Map(next.get(channelId) ?? []);
  clearTimeout(inChannel.get(userId));
  inChannel.set(userId, setTimeout(() => typingStopped(channelId, userId), seconds * 1000));
  next.set(channelId, inChannel);
  typists.value = next;
}

/** Stop showing a typist (expired, or their message arrived). */
export function typingStopped(channelId, userId) {
  const inChannel = typists.value.get(channelId);
  if (!inChannel?.has(userId)) return;
  clearTimeout(inChannel.get(userId));
  const next = new Map(typists.value);
  const rest = new Map(inChannel);
  rest.delete(userId);
  next.set(channelId, rest);
  typists.value = next;
}
