// The client's state, as signals the views read: who is signed in, the channels, the
// messages held per channel, the connection, and the sends not yet acknowledged.

import { computed, effect, signal } from "@preact/signals";

import { partnerOf } from "./people.js";
import { resetCounts } from "./unread.js";

export const me = signal(null);
export const channels = signal([]); // ChannelSchema objects, members' first
export const currentId = signal(null);
export const connection = signal("connecting"); // "connecting" | "online" | "offline"
export const announcement = signal(""); // the polite live region's text
export const pinsChanged = signal(0); // bumped by every pin and unpin pushed
export const mentionsChanged = signal(0); // bumped by every mention pushed
export const jumpTarget = signal(null); // {channelId, messageId, seq}: show it in context
export const openThread = signal(null); // {channelId, rootId} of the thread shown, or null
// root id -> {root, messages: replies in seq order, more, loaded}
export const threads = signal(new Map());
export const threadsChanged = signal(0); // bumped by pushes that change the threads followed
export const followedRoots = signal(new Set()); // the root ids of the threads followed

// channel id -> {messages: [...] in seq order, more: bool (older pages exist), loaded: bool,
// newer: bool (held from a jump into the past: newer pages exist, fetched on scrolling)}
export const histories = signal(new Map());

export const current = computed(
  () => channels.value.find((channel) => channel.id === currentId.value) ?? null,
);

/** The history held for a channel (empty until its first page is loaded). */
export function historyOf(channelId) {
  return histories.value.get(channelId) ?? { messages: [], more: true, loaded: false };
}

/** Replace a channel's history with a function of it. */
export function updateHistory(channelId, change) {
  const next = new Map(histories.value);
  next.set(channelId, change(historyOf(channelId)));
  histories.value = next;
}

/** Put messages in their places by seq, replacing those already held (same id). */
export function mergeMessages(held, incoming) {
  const byId = new Map(held.map((message) => [message.id, message]));
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** The thread held for a root (empty until loaded). */
export function threadOf(rootId) {
  return threads.value.get(rootId) ?? { root: null, messages: [], more: true, loaded: false };
}

/** Replace a thread with a function of it. */
export function updateThread(rootId, change) {
  const next = new Map(threads.value);
  next.set(rootId, change(threadOf(rootId)));
  threads.value = next;
}

/** Put a message where it belongs: its thread if it is a reply, else its channel. */
export function placeMessage(message) {
  if (message.thread_root_id) {
    updateThread(message.thread_root_id, (thread) => ({
      ...thread,
      messages: mergeMessages(thread.messages, [message]),
    }));
    return;
  }
  updateHistory(message.channel_id, (history) => {
    // Held from a jump into the past: a new message waits for the pages between.
    const beyond = history.newer && message.seq > (history.messages.at(-1)?.seq ?? 0);
    return beyond ? history : { ...history, messages: mergeMessages(history.messages, [message]) };
  });
  if (threads.value.has(message.id)) updateThread(message.id, (thread) => ({ ...thread, root: message }));
}

/** Forget everything the signed-in user could see (signing out, or another user in). */
export function reset() {
  me.value = null;
  channels.value = [];
  currentId.value = null;
  histories.value = new Map();
  threads.value = new Map();
  followedRoots.value = new Set();
  openThread.value = null;
  announcement.value = "";
  resetCounts();
}

/** A label for a channel: its name, or for a direct one the other person's nickname. */
export function channelLabel(channel) {
  return channel.kind === "direct" ? partnerOf(channel, me.value?.id) : channel.name;
}

/** A channel by id as lists of messages from several channels name it: "#name", or the
other person's nickname for a direct one ("" if it is not listed). */
export function channelTitle(channelId) {
  const channel = channels.value.find((c) => c.id === channelId);
  if (!channel) return "";
  return channel.kind === "direct" ? channelLabel(channel) : `#${channelLabel(channel)}`;
}

// The channel open last, per user, so that a reload comes back to it.
const lastOpenKey = () => `parley-channel:${me.value?.id}`;
effect(() => {
  if (me.value && currentId.value !== null) localStorage.setItem(lastOpenKey(), String(currentId.value));
});

/** The channel to open: the one open last if still a member, else #general, else any. */
export function channelToOpen(member) {
  const last = Number(localStorage.getItem(lastOpenKey()));
  return (member.find((c) => c.id === last) ?? member.find((c) => c.name === "general") ?? member[0])?.id ?? null;
}
