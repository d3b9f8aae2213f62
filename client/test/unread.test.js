// Unread counts by the rule of docs/realtime-v2.md ("Read markers and unread counts"),
// as client/src/unread.js keeps them (tests/unread_counts.py is the server's side).

import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { applyMarker, countEvent, loadCounts, mentionsOf, readOf, resetCounts, unreadOf } from "../src/unread.js";

const ME = 7;
const OTHER = 8;

function listed(id, { read = 0, unread = 0, mentions = 0, last = 0 } = {}) {
  return { id, last_seq: last, unread_count: unread, mention_count: mentions, membership: { last_read_seq: read } };
}

function event(type, seq, { author = OTHER, messageSeq = seq, thread = null, id = seq } = {}) {
  return { type, channel_id: 1, seq, message: { id, seq: messageSeq, author_id: author, thread_root_id: thread } };
}

beforeEach(() => resetCounts());

test("a listing's count, plus the posts of others past it", () => {
  loadCounts([listed(1, { read: 2, unread: 3, last: 5 })]);
  countEvent(event("message_posted", 6));
  countEvent(event("message_posted", 7, { author: ME }));
  countEvent(event("message_posted", 8, { thread: 6 })); // a reply counts on its thread only
  countEvent(event("message_posted", 5)); // in the count already
  assert.equal(unreadOf(1, ME), 4);
});

test("a deletion takes back what was counted, and only that", () => {
  loadCounts([listed(1, { read: 2, unread: 3, last: 5 })]);
  countEvent(event("message_posted", 6, { id: 60 }));
  countEvent(event("message_deleted", 7, { messageSeq: 6, id: 60 })); // counted just above
  countEvent(event("message_deleted", 8, { messageSeq: 4, id: 40 })); // unread, in the count
  countEvent(event("message_deleted", 9, { messageSeq: 1, id: 10 })); // read long ago
  assert.equal(unreadOf(1, ME), 2);
});

test("a newer marker replaces the count; an older one changes nothing", () => {
  loadCounts([listed(1, { read: 2, unread: 3, mentions: 1, last: 5 })]);
  countEvent(event("message_posted", 6));
  applyMarker({ channel_id: 1, last_read_seq: 6, unread_count: 0, mention_count: 0, as_of_seq: 6 });
  assert.deepEqual([unreadOf(1, ME), mentionsOf(1), readOf(1)], [0, 0, 6]);
  applyMarker({ channel_id: 1, last_read_seq: 3, unread_count: 5, mention_count: 2, as_of_seq: 5 });
  assert.deepEqual([unreadOf(1, ME), mentionsOf(1), readOf(1)], [0, 0, 6]);
});

test("events that came before a joined channel's count are kept until it covers them", () => {
  countEvent(event("message_posted", 4));
  countEvent(event("message_posted", 5));
  loadCounts([listed(1, { read: 3, unread: 1, last: 4 })]);
  assert.equal(unreadOf(1, ME), 2);
});

test("a channel not joined has no count", () => {
  loadCounts([{ id: 2, last_seq: 9, unread_count: 9, mention_count: 0, membership: null }]);
  assert.deepEqual([unreadOf(2, ME), readOf(2)], [0, -1]);
});
