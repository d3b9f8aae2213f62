// The /v2 protocol's client rules (docs/realtime-v2.md), as client/src/sequence.js keeps them.

import assert from "node:assert/strict";
import { test } from "node:test";

import { createSequencer } from "../src/sequence.js";

const posted = (channelId, seq) => ({ type: "message_posted", channel_id: channelId, seq });

function recording({ log = {}, gapMs = 20 } = {}) {
  const applied = [];
  const fetched = [];
  const sequence = createSequencer({
    apply: (event) => applied.push(`${event.channel_id}:${event.seq}`),
    fetchAfter: async (channelId, seq) => {
      fetched.push(`${channelId}>${seq}`);
      const events = (log[channelId] ?? []).filter((event) => event.seq > seq);
      return { events: events.slice(0, 2), more: events.length > 2 };
    },
    gapMs,
  });
  return { sequence, applied, fetched };
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test("events apply once, in seq order per channel (rules 1 and 2)", () => {
  const { sequence, applied } = recording();
  sequence.follow(1, 0);
  sequence.follow(2, 5);
  for (const event of [posted(1, 1), posted(1, 3), posted(2, 6), posted(1, 2), posted(1, 1), posted(1, 3)]) {
    sequence.receive(event);
  }
  assert.deepEqual(applied, ["1:1", "2:6", "1:2", "1:3"]);
  assert.equal(sequence.lastSeqOf(1), 3);
  sequence.clear();
});

test("a channel first heard of starts at the event that named it", () => {
  const { sequence, applied } = recording();
  sequence.receive(posted(9, 40));
  sequence.receive(posted(9, 39));
  assert.deepEqual(applied, ["9:40"]);
  sequence.clear();
});

test("a gap still open after a while is fetched from the log, page by page (rule 3)", async () => {
  const log = { 1: [posted(1, 2), posted(1, 3), posted(1, 4), posted(1, 5)] };
  const { sequence, applied, fetched } = recording({ log });
  sequence.follow(1, 1);
  sequence.receive(posted(1, 5));
  assert.deepEqual(applied, []);
  await wait(60);
  assert.deepEqual(applied, ["1:2", "1:3", "1:4", "1:5"]);
  assert.deepEqual(fetched, ["1>1", "1>3"]);
  sequence.clear();
});

test("a gap that fills by itself is never fetched", async () => {
  const { sequence, applied, fetched } = recording();
  sequence.follow(1, 0);
  sequence.receive(posted(1, 2));
  sequence.receive(posted(1, 1));
  await wait(60);
  assert.deepEqual(applied, ["1:1", "1:2"]);
  assert.deepEqual(fetched, []);
});

test("the cursors are the last seqs applied, and a restarted channel forgets what it held (rule 4)", () => {
  const { sequence, applied } = recording();
  sequence.follow(1, 3);
  sequence.follow(2, 0);
  sequence.receive(posted(2, 1));
  sequence.receive(posted(1, 6)); // held: 4 and 5 are missing
  assert.deepEqual(sequence.cursors(), { 1: 3, 2: 1 });
  sequence.restart(1, 10); // reloaded: its history holds everything up to 10
  sequence.receive(posted(1, 11));
  assert.deepEqual(applied, ["2:1", "1:11"]);
  sequence.clear();
  assert.deepEqual(sequence.cursors(), {});
});
