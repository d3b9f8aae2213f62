import { useState } from "preact/hooks";

import { call } from "./api.js";
import { FieldError, FormError } from "./errors.jsx";
import { follow, refreshChannels } from "./live.js";
import { partnerIdOf, presenceOf } from "./people.js";
import { channelLabel, channels, currentId, me } from "./store.js";
import { mentionsOf, unreadOf, unreadVersion } from "./unread.js";
import { UserPicker } from "./UserPicker.jsx";

const SECTIONS = [
  ["public", "Channels"],
  ["private", "Private channels"],
  ["direct", "Direct messages"],
];

/** The channels the user is in, by kind, the current one marked; browse and create. */
export function Sidebar({ id, onPick }) {
  const mine = channels.value.filter((channel) => channel.membership);
  unreadVersion.value; // re-render when a count changes
  const others = channels.value.filter((channel) => !channel.membership && channel.kind === "public");
  const pick = (channelId) => {
    currentId.value = channelId;
    onPick();
  };
  return (
    <nav id={id} class="sidebar" aria-label="Channels">
      {SECTIONS.map(([kind, title]) => (
        <section key={kind} aria-labelledby={`section-${kind}`}>
          <h2 id={`section-${kind}`}>{title}</h2>
          <ul>
            {mine.filter((channel) => channel.kind === kind).map((channel) => (
              <li key={channel.id}>
                <a href={`#channel-${channel.id}`} aria-current={channel.id === currentId.value ? "page" : undefined}
                  onClick={(event) => { event.preventDefault(); pick(channel.id); }}>
                  {kind === "direct" && <Presence userId={partnerIdOf(channel)} />}
                  {kind === "direct" ? channelLabel(channel) : `#${channelLabel(channel)}`}
                  <Unread count={unreadOf(channel.id, me.value.id)} mentions={mentionsOf(channel.id)} />
                </a>
              </li>
            ))}
          </ul>
        </section>
      ))}
      {others.length > 0 && (
        <section aria-labelledby="section-browse">
          <h2 id="section-browse">More public channels</h2>
          <ul>
            {others.map((channel) => (
              <li key={channel.id}>
                <a href={`#channel-${channel.id}`} onClick={(event) => { event.preventDefault(); pick(channel.id); }}>
                  #{channel.name}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
      <UserPicker id="new-direct" label="Message someone" action="Message" exclude={[me.value.id]}
        onPick={async (user) => {
          const opened = await call("POST", "/channels/direct", { user_id: user.id });
          follow(opened.id, opened.last_seq);
          await refreshChannels();
          pick(opened.id);
        }} />
      <NewChannel onCreated={pick} />
    </nav>
  );
}

/** A user's presence as a dot, and in words for screen readers. */
export function Presence({ userId }) {
  const state = userId === undefined ? undefined : presenceOf(userId);
  if (!state) return null;
  return <span class={`presence ${state}`} title={state}><span class="sr-only">({state}) </span></span>;
}

/** A channel's unread count, and how many of those name the user, read out as words
("3 unread, 1 mentioning you"); hidden at zero. */
function Unread({ count, mentions }) {
  return (
    <>
      {count > 0 && (
        <span class="unread"><span aria-hidden="true">{count}</span><span class="sr-only">, {count} unread</span></span>
      )}
      {mentions > 0 && (
        <span class="mentioned"><span aria-hidden="true">@{mentions}</span><span class="sr-only">, {mentions} mentioning you</span></span>
      )}
    </>
  );
}

function NewChannel({ onCreated }) {
  const [error, setError] = useState(null);
  async function submit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setError(null);
    try {
      const created = await call("POST", "/channels", { name: data.get("name"), kind: data.get("kind") });
      follow(created.id, created.last_seq);
      await refreshChannels();
      form.reset();
      onCreated(created.id);
    } catch (failure) {
      setError(failure);
    }
  }
  return (
    <form class="new-channel" onSubmit={submit} aria-labelledby="new-channel-title" noValidate>
      <h2 id="new-channel-title">New channel</h2>
      <FormError error={error} fields={["name", "kind"]} />
      <label for="new-channel-name">Name</label>
      <input id="new-channel-name" name="name" required aria-describedby="new-channel-error"
        aria-invalid={Boolean(error?.errors?.name)} />
      <FieldError id="new-channel-error" error={error} field="name" />
      <label for="new-channel-kind">Who can see it</label>
      <select id="new-channel-kind" name="kind">
        <option value="public">Everyone (public)</option>
        <option value="private">Invited members (private)</option>
      </select>
      <button type="submit">Create</button>
    </form>
  );
}
