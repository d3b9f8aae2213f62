import { useEffect, useState } from "preact/hooks";

import { call } from "./api.js";
import { Composer } from "./Composer.jsx";
import { connect, disconnect, refreshChannels } from "./live.js";
import { MessageList } from "./MessageList.jsx";
import { flush, restore } from "./outbox.js";
import { Sidebar } from "./Sidebar.jsx";
import { ThreadList, ThreadPanel, useFollowed } from "./Thread.jsx";
import { nicknameOf } from "./people.js";
import {
  announcement, channelLabel, channels, channelTitle, channelToOpen, connection, current, currentId, jumpTarget, me,
  mentionsChanged, openThread, pinsChanged,
} from "./store.js";
import { unreadOf, unreadVersion } from "./unread.js";
import { UserPicker } from "./UserPicker.jsx";

/** The signed-in view: channels on the side, the current one's messages and composer. */
export function Chat({ onSignOut }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const [mentionsOpen, setMentionsOpen] = useState(false);
  const [threadsOpen, setThreadsOpen] = useState(false);
  const [searched, setSearched] = useState(null); // the words of the results shown
  const followed = useFollowed();
  const unreadReplies = (followed ?? []).reduce((sum, t) => sum + t.state.unread_count, 0);
  useEffect(() => {
    let open = true;
    (async () => {
      await refreshChannels();
      if (!open) return;
      const member = channels.value.filter((channel) => channel.membership);
      currentId.value ??= channelToOpen(member);
      restore();
      // Cursors from the listing: the socket replays whatever came after it.
      connect(member.map((channel) => [channel.id, channel.last_seq]), flush);
    })();
    // Public channels others created since: the list is fetched again when the tab returns.
    const returned = () => document.visibilityState === "visible" && refreshChannels().catch(() => {});
    document.addEventListener("visibilitychange", returned);
    return () => {
      open = false;
      document.removeEventListener("visibilitychange", returned);
      disconnect();
    };
  }, []);

  unreadVersion.value; // the title counts every channel's unread messages
  const total = channels.value.reduce((sum, c) => sum + (c.membership ? unreadOf(c.id, me.value.id) : 0), 0);
  useEffect(() => {
    document.title = total ? `(${total}) Parley` : "Parley";
  }, [total]);

  const channel = current.value;
  return (
    <div class={`chat ${menuOpen ? "menu-open" : ""} ${openThread.value ? "thread-open" : ""}`}>
      <a class="skip" href="#composer-input"
        onClick={(event) => { event.preventDefault(); document.getElementById("composer-input")?.focus(); }}>
        Skip to the message box
      </a>
      <header class="top">
        <button type="button" class="menu" aria-expanded={menuOpen} aria-controls="sidebar"
          onClick={() => setMenuOpen(!menuOpen)}>Channels</button>
        <h1>{channel ? channelLabel(channel) : "Parley"}</h1>
        <form role="search" class="search" onSubmit={(event) => {
          event.preventDefault();
          const words = new FormData(event.currentTarget).get("q").trim();
          setSearched(words || null);
        }}>
          <label for="search-input" class="sr-only">Search messages</label>
          <input id="search-input" name="q" type="search" placeholder="Search messages" maxLength={200} />
        </form>
        <button type="button" aria-expanded={mentionsOpen} aria-controls="mentions"
          onClick={() => setMentionsOpen(!mentionsOpen)}>Mentions</button>
        <button type="button" aria-expanded={threadsOpen} aria-controls="threads"
          onClick={() => setThreadsOpen(!threadsOpen)}>
          Threads{unreadReplies > 0 && <span class="unread" aria-label={`, ${unreadReplies} unread replies`}>{unreadReplies}</span>}
        </button>
        <span class="who">{me.value.nickname}</span>
        <button type="button" onClick={onSignOut}>Sign out</button>
      </header>
      {connection.value !== "online" && (
        <p class="banner" role="status">
          {connection.value === "connecting" ? "Connecting…" : "Offline. Reconnecting… Messages you send will go when you are back."}
        </p>
      )}
      <Sidebar id="sidebar" onPick={() => setMenuOpen(false)} />
      <main class="channel" aria-label={channel ? channelLabel(channel) : "No channel"}>
        {mentionsOpen && <Mentions id="mentions" onPick={() => setMentionsOpen(false)} />}
        {threadsOpen && <ThreadList id="threads" followed={followed} onPick={() => setThreadsOpen(false)} />}
        {searched && <SearchResults key={searched} words={searched} onPick={() => setSearched(null)} />}
        {channel?.membership ? (
          <>
            <ChannelTools channel={channel} />
            <MessageList key={channel.id} channel={channel} />
            <Composer channel={channel} />
          </>
        ) : channel ? (
          <>
            <JoinPrompt channel={channel} />
            {/* A public channel reads before joining (a search result opens here). */}
            <MessageList key={channel.id} channel={channel} />
          </>
        ) : (
          <p>Pick or create a channel.</p>
        )}
      </main>
      {openThread.value && <ThreadPanel key={openThread.value.rootId} followed={followed} />}
      <p class="sr-only" aria-live="polite">{announcement.value}</p>
    </div>
  );
}

/** Invite (owners of a private channel) and leave (any channel but the default one). */
function ChannelTools({ channel }) {
  const [note, setNote] = useState(null);
  if (channel.kind === "direct") return <div class="channel-tools"><Pins channel={channel} /></div>;
  const owner = channel.membership.role === "owner";
  async function invite(user) {
    try {
      await call("POST", `/channels/${channel.id}/members`, { user_id: user.id });
      setNote(`${user.nickname} was added.`);
    } catch (failure) {
      setNote(failure.errors?.user_id?.join(" ") ?? failure.message);
    }
  }
  async function leave() {
    try {
      await call("DELETE", `/channels/${channel.id}/members/${me.value.id}`);
      await refreshChannels();
      currentId.value = channels.value.find((c) => c.name === "general")?.id ?? null;
    } catch (failure) {
      setNote(failure.message);
    }
  }
  const canInvite = channel.kind === "private" && owner;
  const canLeave = channel.name !== "general";
  return (
    <div class="channel-tools">
      <Pins channel={channel} />
      {canInvite && (
        <UserPicker id={`invite-${channel.id}`} label="Invite someone" action="Invite"
          exclude={[me.value.id]} onPick={invite} />
      )}
      {canLeave && (
        <button type="button" onClick={leave}>Leave #{channel.name}</button>
      )}
      {note && <p role="status">{note}</p>}
    </div>
  );
}

/** The channel's pinned messages, behind a button; fetched when shown and on each pin. */
function Pins({ channel }) {
  const [open, setOpen] = useState(false);
  const [pinned, setPinned] = useState(null);
  const changes = pinsChanged.value;
  useEffect(() => {
    if (!open) return;
    call("GET", `/channels/${channel.id}/pins`)
      .then((answer) => setPinned(answer.messages))
      .catch(() => setPinned([]));
  }, [open, channel.id, changes]);
  const id = `pins-${channel.id}`;
  return (
    <div class="pins">
      <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        Pinned messages
      </button>
      {open && (
        <section id={id} aria-label="Pinned messages" class="pin-list">
          {pinned === null ? <p>Loading…</p> : pinned.length === 0 ? <p>Nothing is pinned here.</p> : (
            <ol>
              {pinned.map((message) => (
                <li key={message.id}>
                  <strong>{nicknameOf(message.author_id)}</strong>
                  {/* Rendered and sanitized by the server, as in the message list. */}
                  <div class="body" dangerouslySetInnerHTML={{ __html: message.html }} />
                </li>
              ))}
            </ol>
          )}
        </section>
      )}
    </div>
  );
}

/** Messages that name the user, newest first, a page at a time; fetched again on each
mention pushed. Picking one opens its channel. */
function Mentions({ id, onPick }) {
  const [found, setFound] = useState(null);
  const [more, setMore] = useState(false);
  const changes = mentionsChanged.value;
  useEffect(() => {
    call("GET", "/users/me/mentions")
      .then((page) => { setFound(page.messages); setMore(page.more); })
      .catch(() => setFound([]));
  }, [changes]);
  async function older() {
    const page = await call("GET", `/users/me/mentions?before=${found[found.length - 1].id}`);
    setFound([...found, ...page.messages]);
    setMore(page.more);
  }
  return (
    <section id={id} aria-label="Mentions" class="mention-list">
      <h2>Mentions</h2>
      {found === null ? <p>Loading…</p> : found.length === 0 ? <p>Nobody has mentioned you yet.</p> : (
        <ol>
          {found.map((message) => (
            <li key={message.id}>
              <a href={`#channel-${message.channel_id}`}
                onClick={(event) => { event.preventDefault(); currentId.value = message.channel_id; onPick(); }}>
                <strong>{nicknameOf(message.author_id)}</strong> in {channelTitle(message.channel_id)}
              </a>
              {/* Rendered and sanitized by the server, as in the message list. */}
              <div class="body" dangerouslySetInnerHTML={{ __html: message.html }} />
            </li>
          ))}
        </ol>
      )}
      {more && <button type="button" onClick={older}>Older mentions</button>}
    </section>
  );
}

/** What a search found, newest first, a page at a time; picking one shows it in its
channel, its history loaded around it. */
function SearchResults({ words, onPick }) {
  const [found, setFound] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  async function load(before) {
    try {
      const page = await call("GET", `/search?q=${encodeURIComponent(words)}${before ? `&before=${before}` : ""}`);
      setFound((held) => [...(before ? held : []), ...page.results]);
      setNext(page.next);
    } catch (failure) {
      setError(failure.errors?.q?.join(" ") ?? failure.message);
      setFound([]);
    }
  }
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the first page again for new words only
  useEffect(() => { load(null); }, [words]);
  return (
    <section aria-label="Search results" class="mention-list search-results">
      <h2>Results for “{words}”</h2>
      {error && <p class="field-error" role="alert">{error}</p>}
      {/* A page looks at so many matches at most: it may hold none, with more to look at. */}
      {found === null ? <p>Searching…</p> : found.length === 0 ? <p>{next ? "Nothing found in the newest messages." : "Nothing found."}</p> : (
        <ol>
          {found.map(({ message, snippet }) => (
            <li key={message.id}>
              <a href={`#message-${message.id}`} onClick={(event) => {
                event.preventDefault();
                jumpTarget.value = { channelId: message.channel_id, messageId: message.id, seq: message.seq };
                currentId.value = message.channel_id;
                onPick();
              }}>
                <strong>{nicknameOf(message.author_id)}</strong> in {channelTitle(message.channel_id)}
              </a>
              {/* Escaped by the server, the words found in <mark>. */}
              <p class="snippet" dangerouslySetInnerHTML={{ __html: snippet }} />
            </li>
          ))}
        </ol>
      )}
      {next && <button type="button" onClick={() => load(next)}>{found?.length ? "More results" : "Search older messages"}</button>}
    </section>
  );
}

function JoinPrompt({ channel }) {
  const [error, setError] = useState(null);
  async function join() {
    try {
      await call("PUT", `/channels/${channel.id}/members/me`);
      await refreshChannels();
    } catch (failure) {
      setError(failure.message);
    }
  }
  return (
    <div class="join">
      <p>You are not a member of #{channel.name}.</p>
      <button type="button" onClick={join}>Join #{channel.name}</button>
      {error && <p class="form-error" role="alert">{error}</p>}
    </div>
  );
}
