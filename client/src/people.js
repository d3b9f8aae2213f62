// Nicknames by user id, loaded on first use, and the other member of each direct channel.

import { signal } from "@preact/signals";

import { call } from "./api.js";

const nicknames = signal(new Map()); // user id -> nickname
const partners = signal(new Map()); // direct channel id -> the other member's id
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
