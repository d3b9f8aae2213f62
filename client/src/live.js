// The /v2 socket, following the protocol's four client rules (docs/realtime-v2.md) with
// sequence.js: per channel the last seq applied; an event at or below it is dropped, one
// past a gap is held until the gap fills, a gap still open after a few seconds is fetched
// over REST, and every (re)connection sends the last seqs as cursors.

import { io } from "socket.io-client";

import { accessToken, call, refresh } from "./api.js";
import {
  announcement, channels, connection, followedRoots, me, mentionsChanged, pinsChanged, placeMessage,
  threadsChanged, updateHistory,
} from "./store.js";
import { membersChanged } from "./mentionSuggest.js";
import { delivered, sendOverSocketWith } from "./outbox.js";
import { presenceChanged } from "./people.js";
import { createSequencer } from "./sequence.js";
import { typingSeen, typingStopped } from "./typing.js";
import { applyMarker, countEvent, loadCounts } from "./unread.js";

const EVENTS = [
  "message_posted", "message_edited", "message_deleted", "message_pinned", "message_unpinned",
  "reaction_added", "reaction_removed", "thread_updated", "member_joined", "member_left",
];

const sequence = createSequencer({
  apply,
  fetchAfter: (channelId, seq) => call("GET", `/channels/${channelId}/events?after=${seq}`),
});
let socket = null;
let onConnected = () => {};

/** Open the socket; `connected` runs on each (re)connection (to resend pending posts). */
export function connect(startingSeqs, connected) {
  for (const [channelId, seq] of startingSeqs) sequence.restart(channelId, seq);
  onConnected = connected;
  socket = io("/v2", {
    transports: ["websocket", "polling"],
    auth: (give) => give({ token: accessToken(), cursors: sequence.cursors() }),
  });
  socket.on("connect", () => {
    connection.value = "online";
    onConnected();
  });
  socket.on("disconnect", () => {
    connection.value = "offline";
  });
  socket.on("connect_error", async (error) => {
    connection.value = "offline";
    if (error?.data?.code === 401) {
      // The access token expired while away: refresh, and socket.io tries again.
      try {
        await refresh();
        socket.connect();
      } catch {
        /* the session ended: the app signs out */
      }
    } else if (error?.data?.code === 429 || error?.data?.code === 503) {
      // Too many sockets or connects, or a busy server, for now: socket.io does not retry
      // a refused namespace by itself, so try again when the server says.
      setTimeout(() => socket.connect(), (error.data.retry_after ?? 5) * 1000);
    }
  });
  for (const name of EVENTS) socket.on(name, sequence.receive);
  socket.on("resync", (payload) => reload(payload.channel_id));
  socket.on("read_marker", applyMarker); // read on another device, or in another tab
  socket.on("typing", typingSeen);
  socket.on("mention", mentioned);
  socket.on("thread_read", () => { threadsChanged.value += 1; });
  socket.on("presence", presenceChanged);
  startHeartbeat();
}

/** A message names the user: its channel's counts come with it, read afresh. */
function mentioned({ channel_id: channelId, message, read_state: state }) {
  applyMarker(state);
  mentionsChanged.value += 1;
  if (message.author_id !== me.value?.id) {
    announcement.value = `You were mentioned in ${channelName(channelId)}`;
  }
}

// The heartbeat: every HEARTBEAT_MS the client says it is there, and whether its user did
// anything since (input of any kind, or the tab coming to the front); the server decides
// online / away / offline from them. Input after a heartbeat that said "idle" is told at
// once (the user is back from away); other input at most every ACTIVE_THROTTLE_MS.
const HEARTBEAT_MS = 20_000;
const ACTIVE_THROTTLE_MS = 10_000;
let heartbeat = null;
let lastInput = 0;
let lastSent = 0;
let lastSentActive = false;
let listening = false;

const noteActivity = () => {
  lastInput = Date.now();
  if (socket?.connected && (!lastSentActive || lastInput - lastSent > ACTIVE_THROTTLE_MS)) sendActivity();
};

function sendActivity() {
  const active = lastInput > lastSent;
  socket.emit("activity", { active });
  lastSent = Date.now();
  lastSentActive = active;
}

function startHeartbeat() {
  clearInterval(heartbeat);
  if (!listening) {
    listening = true;
    for (const name of ["pointerdown", "keydown", "wheel", "touchstart"]) {
      document.addEventListener(name, noteActivity, { passive: true });
    }
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && noteActivity());
  }
  heartbeat = setInterval(() => socket?.connected && sendActivity(), HEARTBEAT_MS);
}

/** Close the socket and forget every cursor (signed out). */
export function disconnect() {
  clearInterval(heartbeat);
  socket?.disconnect();
  socket = null;
  sequence.clear();
}

/** Start following a channel joined or created after the socket connected. */
export function follow(channelId, seq) {
  sequence.follow(channelId, seq);
}

/** The last seq applied in a channel (undefined before its first). */
export function lastSeqOf(channelId) {
  return sequence.lastSeqOf(channelId);
}

/** Tell the channel's other members the user is typing (typing.js throttles it). */
export function sendTyping(channelId) {
  if (socket?.connected) socket.emit("typing", { channel_id: channelId });
}

/** post_message over the socket; resolves with the acknowledgement. */
function postOverSocket(post) {
  if (!socket?.connected) return Promise.reject(new Error("offline"));
  return socket.timeout(10_000).emitWithAck("post_message", post);
}

sendOverSocketWith(postOverSocket);

async function reload(channelId) {
  const page = await call("GET", `/channels/${channelId}/messages`);
  const channel = await call("GET", `/channels/${channelId}`);
  sequence.restart(channelId, channel.last_seq);
  loadCounts([channel]);
  updateHistory(channelId, () => ({ messages: page.messages, more: page.more, loaded: true }));
}

function apply(event) {
  countEvent(event);
  if (event.message) {
    if (event.message.author_id === me.value?.id) delivered(event.message);
    placeMessage(event.message);
    if (event.type === "thread_updated" && touchesMyThreads(event)) threadsChanged.value += 1;
    if (event.type === "message_pinned" || event.type === "message_unpinned") pinsChanged.value += 1;
    if (event.type === "message_posted") typingStopped(event.channel_id, event.message.author_id);
    if (event.type === "message_posted" && event.message.author_id !== me.value?.id && !event.message.thread_root_id) {
      announcement.value = `New message in ${channelName(event.channel_id)}`;
    }
  }
  if (event.type === "member_joined" || event.type === "member_left") {
    membersChanged(event.channel_id);
    if (event.user_id === me.value?.id) refreshChannels();
  }
}

/** Whether a thread's change is news to the threads this user follows: one followed, one
of theirs (its first reply makes them follow it), or their own reply. */
function touchesMyThreads(event) {
  const mine = me.value?.id;
  return followedRoots.value.has(event.message.id) || event.message.author_id === mine || event.user_id === mine;
}

function channelName(channelId) {
  return channels.value.find((channel) => channel.id === channelId)?.name ?? "a direct message";
}

/** Load the channel list again (after joining or leaving). */
export async function refreshChannels() {
  const listing = await call("GET", "/channels");
  loadCounts(listing.channels);
  channels.value = listing.channels;
}
