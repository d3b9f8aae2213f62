// The outbox of client/src/outbox.js: every typed message is sent until acknowledged,
// in order, with the same client_msg_id, and kept across a reload. The socket is a fake
// given through sendOverSocketWith (the only way the module reaches a socket); the REST
// fallback meets a fake fetch.

import assert from "node:assert/strict";
import { afterEach, beforeEach, mock, test } from "node:test";

import { delivered, enqueue, flush, pending, restore, sendOverSocketWith } from "../src/outbox.js";
import { histories, me } from "../src/store.js";

const ME = { id: 7, nickname: "ann" };

function stored(post, seq) {
  return { id: seq, seq, channel_id: post.channel_id, source: post.source, client_msg_id: post.client_msg_id };
}

/** A socket that records what it is given and answers as `answer` says. */
function fakeSocket(answer) {
  const sent = [];
  sendOverSocketWith(async (post) => {
    sent.push(post);
    return answer(post, sent.length);
  });
  return sent;
}

async function settled() {
  await flush();
  // flush() returns at once while another flush runs: let that one end.
  for (let turn = 0; turn < 10; turn += 1) await new Promise((resolve) => setImmediate(resolve));
}

beforeEach(() => {
  localStorage.clear();
  me.value = ME;
  pending.value = [];
  histories.value = new Map();
});

afterEach(() => {
  mock.timers.reset();
  mock.restoreAll();
});

test("messages go in the order typed and leave the outbox once acknowledged", async () => {
  const sent = fakeSocket((post, n) => ({ status: 201, message: stored(post, n) }));
  enqueue(1, "first");
  enqueue(1, "second");
  enqueue(2, "reply", 40);
  await settled();
  assert.deepEqual(
    sent.map((post) => [post.channel_id, post.source, post.thread_root_id]),
    [
      [1, "first", undefined],
      [1, "second", undefined],
      [2, "reply", 40],
    ],
  );
  assert.equal(new Set(sent.map((post) => post.client_msg_id)).size, 3);
  assert.deepEqual(pending.value, []);
  assert.deepEqual(JSON.parse(localStorage.getItem("parley-outbox:7")), []);
});

test("offline, a message stays pending across a reload and goes with its first id", async () => {
  fakeSocket(() => Promise.reject(new Error("offline")));
  mock.method(globalThis, "fetch", () => Promise.reject(new TypeError("network down")));
  enqueue(1, "while offline");
  await settled();
  const [kept] = JSON.parse(localStorage.getItem("parley-outbox:7"));
  assert.equal(kept.source, "while offline");

  pending.value = []; // the page reloads
  restore();
  const sent = fakeSocket((post, n) => ({ status: 201, message: stored(post, n) }));
  await settled();
  assert.deepEqual(
    sent.map((post) => post.client_msg_id),
    [kept.client_msg_id],
  );
  assert.deepEqual(pending.value, []);
});

test("with the socket down, the message goes over REST with the same id", async () => {
  fakeSocket(() => Promise.reject(new Error("offline")));
  const requests = [];
  mock.method(globalThis, "fetch", async (url, init) => {
    requests.push({ url, init });
    const post = JSON.parse(init.body);
    const body = { id: 1, seq: 1, channel_id: 3, ...post };
    return new Response(JSON.stringify(body), { status: 201, headers: { "Content-Type": "application/json" } });
  });
  enqueue(3, "over rest");
  const { client_msg_id } = pending.value[0];
  await settled();
  assert.equal(requests.length, 1);
  assert.match(requests[0].url, /\/api\/v2\/channels\/3\/messages$/);
  assert.equal(requests[0].init.method, "POST");
  assert.deepEqual(JSON.parse(requests[0].init.body), { source: "over rest", client_msg_id });
  assert.deepEqual(pending.value, []);
});

test("over the posting budget, a message waits the time the server names and then goes", async () => {
  mock.timers.enable({ apis: ["setTimeout"] });
  const sent = fakeSocket((post, n) =>
    n === 1
      ? { status: 429, error: { message: "Too many messages", retry_after: 3 } }
      : { status: 201, message: stored(post, n) },
  );
  enqueue(1, "slow down");
  enqueue(1, "behind it");
  await settled();
  assert.equal(sent.length, 1, "nothing behind it overtakes the refused one");
  assert.equal(pending.value[0].retryIn, 3);
  assert.equal(pending.value.length, 2);

  mock.timers.tick(2_999);
  await settled();
  assert.equal(sent.length, 1);
  mock.timers.tick(1);
  await settled();
  assert.deepEqual(
    sent.map((post) => post.source),
    ["slow down", "slow down", "behind it"],
  );
  assert.deepEqual(pending.value, []);
});

test("a refused message stays, with the server's reason, and does not block the next", async () => {
  const sent = fakeSocket((post, n) =>
    post.source === ""
      ? { status: 400, error: { message: "Validation failed", errors: { source: ["Must not be empty."] } } }
      : { status: 201, message: stored(post, n) },
  );
  enqueue(1, "");
  enqueue(1, "fine");
  await settled();
  assert.equal(sent.length, 2);
  assert.equal(pending.value.length, 1);
  assert.equal(pending.value[0].error, "Must not be empty.");
  // A refused message is not kept for the next reload: it would be refused again.
  assert.deepEqual(JSON.parse(localStorage.getItem("parley-outbox:7")), []);
});

test("a message whose push came before its acknowledgement leaves the outbox on the push", async () => {
  let acknowledge;
  fakeSocket(() => new Promise((resolve) => (acknowledge = resolve)));
  enqueue(1, "pushed first");
  const [post] = pending.value;
  const message = { id: 9, seq: 9, channel_id: 1, source: post.source, client_msg_id: post.client_msg_id };
  delivered(message);
  assert.deepEqual(pending.value, []);
  delivered({ id: 10, seq: 10, channel_id: 1, client_msg_id: "someone-else" });
  acknowledge({ status: 201, message }); // the late acknowledgement changes nothing
  await settled();
  assert.deepEqual(pending.value, []);
});
