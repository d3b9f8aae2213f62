// Where the composer sees an "@mention" being typed (client/src/mentionSuggest.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { mentionAt } from "../src/mentionSuggest.js";

test("the fragment after an @ at the caret is a mention being typed", () => {
  assert.deepEqual(mentionAt("hi @ad", 6), { start: 3, prefix: "ad" });
  assert.deepEqual(mentionAt("@", 1), { start: 0, prefix: "" });
  assert.deepEqual(mentionAt("(@bob", 5), { start: 1, prefix: "bob" });
});

test("an address, a second @, a space after it or a caret elsewhere is none", () => {
  assert.equal(mentionAt("mail ada@example", 16), null);
  assert.equal(mentionAt("@@ada", 5), null);
  assert.equal(mentionAt("@ada ", 5), null);
  assert.deepEqual(mentionAt("@ada and more", 4), { start: 0, prefix: "ada" });
  assert.equal(mentionAt("@ada and more", 13), null);
});

test("a fragment longer than any nickname is none", () => {
  assert.equal(mentionAt(`@${"a".repeat(33)}`, 34), null);
  assert.deepEqual(mentionAt(`@${"a".repeat(32)}`, 33), { start: 0, prefix: "a".repeat(32) });
});
