// A message's reactions: one toggle per emoji (pressed when it is yours, who reacted in
// its label), and a picker of every emoji (emojibase's data, served with the client and
// fetched when the picker first opens), with the usual few on top.

import { useEffect, useRef, useState } from "preact/hooks";

import { call } from "./api.js";
import { nicknameOf } from "./people.js";
import { me } from "./store.js";

const QUICK = ["👍", "❤️", "😂", "🎉", "😮", "👀"];
const SHOWN_MAX = 240; // emoji drawn at once: a group, or the matches of a search
let catalog = null;

function loadCatalog() {
  catalog ??= fetch(new URL("./emoji.json", import.meta.url)).then((answer) => answer.json());
  return catalog;
}

/** Add or take back the user's reaction; an error goes to `failed`. */
async function toggle(message, emoji, mine, failed) {
  const path = `/channels/${message.channel_id}/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`;
  try {
    await call(mine ? "DELETE" : "PUT", path);
  } catch (failure) {
    failed(failure.errors?.emoji?.join(" ") ?? failure.message);
  }
}

/** The server keeps one form of each emoji; the picker's may differ by a presentation selector. */
const sameEmoji = (a, b) => a.replace(/\uFE0F/g, "") === b.replace(/\uFE0F/g, "");

function names(userIds) {
  const shown = userIds.slice(0, 10).map((id) => (id === me.value.id ? "you" : nicknameOf(id)));
  return userIds.length > 10 ? `${shown.join(", ")} and ${userIds.length - 10} more` : shown.join(", ");
}

/** The reactions under a message, each a toggle. */
export function Reactions({ message, failed }) {
  if (!message.reactions?.length) return null;
  return (
    <ul class="reactions" aria-label="Reactions">
      {message.reactions.map(({ emoji, count, user_ids: userIds }) => {
        const mine = userIds.includes(me.value.id);
        return (
          <li key={emoji}>
            <button type="button" class="reaction" aria-pressed={mine}
              aria-label={`${emoji} ${count}: ${names(userIds)}`} title={names(userIds)}
              onClick={() => toggle(message, emoji, mine, failed)}>
              <span aria-hidden="true">{emoji} {count}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

/** The picker, for a message: picking toggles the user's reaction, and closes it. */
export function ReactionPicker({ message, failed, onClose }) {
  const pick = (emoji) => {
    onClose();
    const mine = message.reactions?.some((r) => sameEmoji(r.emoji, emoji) && r.user_ids.includes(me.value.id));
    toggle(message, emoji, Boolean(mine), failed);
  };
  return <Picker onPick={pick} onClose={onClose} />;
}

function Picker({ onPick, onClose }) {
  const [data, setData] = useState(null);
  const [query, setQuery] = useState("");
  const [group, setGroup] = useState(0);
  const search = useRef(null);
  useEffect(() => {
    search.current?.focus();
    loadCatalog().then(setData, () => setData({ groups: [], emoji: [] }));
  }, []);
  const words = query.trim().toLowerCase();
  const shown = data
    ? data.emoji.filter((e) => (words ? `${e.n} ${e.t}`.includes(words) : e.g === group)).slice(0, SHOWN_MAX)
    : [];
  return (
    // Escape closes the dialog from any control inside it (their keydown bubbles here).
    // eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions
    <div class="picker" role="dialog" aria-label="Pick a reaction"
      onKeyDown={(event) => event.key === "Escape" && onClose()}>
      <label class="sr-only" for="picker-search">Search emoji</label>
      <input id="picker-search" ref={search} type="search" placeholder="Search emoji" value={query}
        onInput={(event) => setQuery(event.currentTarget.value)} />
      <div class="quick">
        {QUICK.map((emoji) => (
          <button type="button" key={emoji} class="emoji" onClick={() => onPick(emoji)}>{emoji}</button>
        ))}
      </div>
      {!words && data && (
        <div class="groups" role="group" aria-label="Groups">
          {data.groups.map((g) => (
            <button type="button" key={g.id} aria-pressed={g.id === group} onClick={() => setGroup(g.id)}>{g.name}</button>
          ))}
        </div>
      )}
      {data === null ? <p>Loading…</p> : shown.length === 0 ? <p>No emoji match.</p> : (
        <ul class="grid">
          {shown.map((e) => (
            <li key={e.e}>
              <button type="button" class="emoji" aria-label={e.n} title={e.n} onClick={() => onPick(e.e)}>{e.e}</button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" class="link" onClick={onClose}>Close</button>
    </div>
  );
}
