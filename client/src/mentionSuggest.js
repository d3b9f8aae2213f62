// What the composer suggests after an "@": the channel's members whose nickname starts
// with what follows it (from the user directory, kept to the channel's members), then
// @channel and @here. A mention is resolved by the server against the members anyway.

import { call } from "./api.js";
import { remember } from "./people.js";

const members = new Map(); // channel id -> Promise(Set of member ids)
const AT = /(?:^|[^\w@])@([^\s@]{0,32})$/u;
const SUGGESTED = 6;

/** The "@fragment" just before the caret, if the user is typing one: {start, prefix}. */
export function mentionAt(text, caret) {
  const found = AT.exec(text.slice(0, caret));
  if (!found) return null;
  return { start: caret - found[1].length - 1, prefix: found[1] };
}

function membersOf(channelId) {
  if (!members.has(channelId)) {
    const ids = call("GET", `/channels/${channelId}/members`)
      .then((listing) => new Set(listing.members.map((member) => member.user_id)))
      .catch(() => new Set());
    members.set(channelId, ids);
  }
  return members.get(channelId);
}

/** Forget a channel's members (someone joined or left). */
export function membersChanged(channelId) {
  members.delete(channelId);
}

/** Up to six suggestions for a prefix: [{label, insert}]. */
export async function suggest(channelId, prefix, myId) {
  const [ids, page] = await Promise.all([
    membersOf(channelId),
    prefix ? call("GET", `/users?q=${encodeURIComponent(prefix)}&limit=20`) : Promise.resolve({ users: [] }),
  ]);
  page.users.forEach(remember);
  const people = page.users
    .filter((user) => ids.has(user.id) && user.id !== myId)
    .map((user) => ({ label: user.nickname, insert: `@${user.nickname} ` }));
  const everyone = ["channel", "here"]
    .filter((word) => word.startsWith(prefix.toLowerCase()))
    .map((word) => ({ label: word === "channel" ? "channel (everyone here)" : "here (those online)", insert: `@${word} ` }));
  return [...people, ...everyone].slice(0, SUGGESTED);
}
