// Messages typed but not yet acknowledged: shown as pending, kept across a reload (in
// localStorage, per user), and sent again with the same client_msg_id until the server
// acknowledges them, which stores each exactly once however often it is sent.

import { signal } from "@preact/signals";

import { call } from "./api.js";
import { me, placeMessage } from "./store.js";

export const pending = signal([]); // {channel_id, thread_root_id?, source, client_msg_id, error?, retryIn?}
let sending = false;
// How a post goes over the socket (live.js gives it: this module knows no socket).
let postOverSocket = () => Promise.reject(new Error("offline"));

/** Send posts with `post` (resolving with the socket's acknowledgement) from now on. */
export function sendOverSocketWith(post) {
  postOverSocket = post;
}

function key() {
  return `parley-outbox:${me.value?.id}`;
}

/** Load the user's unsent messages (after sign-in or a reload). */
export function restore() {
  try {
    pending.value = JSON.parse(localStorage.getItem(key()) || "[]");
  } catch {
    pending.value = [];
  }
}

function save() {
  const kept = pending.value.filter((post) => !post.error).map(({ retryIn, ...post }) => post);
  localStorage.setItem(key(), JSON.stringify(kept));
}

/** Queue a message (a reply, with the thread's root) and try to send it now. */
export function enqueue(channelId, source, threadRootId = null) {
  const post = { channel_id: channelId, source, client_msg_id: crypto.randomUUID() };
  if (threadRootId) post.thread_root_id = threadRootId;
  pending.value = [...pending.value, post];
  save();
  flush();
}

/** A message of ours arrived (its event came before our acknowledgement): it is stored,
so it is not pending any more. */
export function delivered(message) {
  if (message.client_msg_id && pending.value.some((post) => post.client_msg_id === message.client_msg_id)) {
    discard(message.client_msg_id);
  }
}

/** Drop a message the server refused. */
export function discard(clientMsgId) {
  pending.value = pending.value.filter((post) => post.client_msg_id !== clientMsgId);
  save();
}

/** Send every pending message, in order, over the socket (REST if it is down). */
export async function flush() {
  if (sending) return; // the flush running takes new messages too
  sending = true;
  try {
    let next;
    while ((next = pending.value.find((post) => !post.error))) {
      // Waiting out the posting budget: its timer flushes, and nothing overtakes it.
      if (next.retryIn) return;
      const ack = await send(next);
      if (ack === null) return; // offline: the next connection flushes again
      settle(next, ack);
      if (ack.status === 429) return; // settle scheduled the next try
    }
  } finally {
    sending = false;
  }
}

async function send(post) {
  const fields = { source: post.source, client_msg_id: post.client_msg_id };
  if (post.thread_root_id) fields.thread_root_id = post.thread_root_id;
  try {
    return await postOverSocket({ channel_id: post.channel_id, ...fields });
  } catch {
    try {
      const message = await call("POST", `/channels/${post.channel_id}/messages`, fields);
      return { status: 201, message };
    } catch (error) {
      if (error.status) {
        const answer = { message: error.message, errors: error.errors, retry_after: error.retryAfter };
        return { status: error.status, error: answer };
      }
      return null;
    }
  }
}

function settle(post, ack) {
  if (ack.status === 429) {
    // Over the posting budget: it stays pending, says when it goes again, and goes then.
    const seconds = Math.max(1, Number(ack.error?.retry_after) || 1);
    setPending(post, { retryIn: seconds });
    setTimeout(() => {
      setPending(post, { retryIn: undefined });
      flush();
    }, seconds * 1000);
    return;
  }
  if (ack.status === 200 || ack.status === 201) {
    placeMessage(ack.message);
    discard(post.client_msg_id);
    return;
  }
  const reason = ack.error?.errors?.source?.[0] ?? ack.error?.message ?? `HTTP ${ack.status}`;
  setPending(post, { error: reason });
}

function setPending(post, change) {
  pending.value = pending.value.map((p) => (p.client_msg_id === post.client_msg_id ? { ...p, ...change } : p));
  save();
}
