// Nicknames and presence by user id, loaded on first use (presence kept live by the
// socket's `presence` pushes), and the other member of each direct channel.

import { signal } from "@preact/signals";

import { call } from "./api.js";

const nicknames = signal(new Map()); // user id -> nickname
const partners = signal(new Map()); // direct channel id -> the other member's id
const presences = signal(new Map()); // user id -> "online" | "away" | "offline"
const askedUsers = new Set();
const askedChannels = new Set();

/** A user's nickname ("…" until it is loaded). */
export function nicknameOf(userId) {
  const known = nicknames.value.get(userId);
  if (known === undefined && !askedUsers.has(userId)) {
    askedUsers.add(userId);
    call("GET", `/users/${userId}`).then((user) => remember(user));
  }
  return known ?? "…";
}

/** Remember users already loaded (the directory's results). */
export function remember(user) {
  nicknames.value = new Map(nicknames.value).set(user.id, user.nickname);
  if (user.presence) presences.value = new Map(presences.value).set(user.id, user.presence);
}

/** A user's presence, "online", "away" or "offline" (undefined until known). */
export function presenceOf(userId) {
  nicknameOf(userId); // loads the user, presence and all, if not yet known
  return presences.value.get(userId);
}

/** A `presence` push: the latest state of each user who changed. */
export function presenceChanged({ users }) {
  const next = new Map(presences.value);
  for (const user of users) next.set(user.user_id, user.presence);
  presences.value = next;
}

/** The other member of a direct channel (undefined until known). */
export function partnerIdOf(channel) {
  return partners.value.get(channel.id);
}

/** The nickname of the other member of a direct channel. */
export function partnerOf(channel, myId) {
  const partner = partners.value.get(channel.id);
  if (partner === undefined && !askedChannels.has(channel.id)) {
    askedChannels.add(channel.id);
    call("GET", `/channels/${channel.id}/members`).then((listing) => {
      const other = listing.members.find((member) => member.user_id !== myId) ?? listing.members[0];
      if (other) partners.value = new Map(partners.value).set(channel.id, other.user_id);
    });
  }
  return partner === undefined ? "…" : nicknameOf(partner);
}
