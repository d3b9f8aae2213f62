import { useEffect, useRef, useState } from "preact/hooks";

import { call } from "./api.js";
import { discard, pending } from "./outbox.js";
import { nicknameOf } from "./people.js";
import { historyOf, me, mergeMessages, updateHistory } from "./store.js";

const PAGE = 50;
const GROUP_MS = 5 * 60_000; // one author's messages this close together form a group
const day = new Intl.DateTimeFormat(undefined, { dateStyle: "full" });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** A channel's messages: the newest page, older pages on demand, and pending sends. */
export function MessageList({ channel }) {
  const history = historyOf(channel.id);
  const list = useRef(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    if (!history.loaded) loadOlder(channel.id, null, setLoading);
  }, [channel.id]);

  useEffect(() => {
    const element = list.current;
    if (element && element.scrollHeight - element.scrollTop - element.clientHeight < 200) {
      element.scrollTop = element.scrollHeight; // follow new messages when at the bottom
    }
  }, [history.messages.length, pending.value.length]);

  const older = () => {
    const element = list.current;
    const fromBottom = element.scrollHeight - element.scrollTop;
    loadOlder(channel.id, history.messages[0]?.seq ?? null, setLoading).then(() => {
      element.scrollTop = element.scrollHeight - fromBottom; // no jump
    });
  };
  const mine = pending.value.filter((post) => post.channel_id === channel.id);
  return (
    <section class="messages" ref={list} aria-label="Messages" tabIndex={0}>
      {history.more && history.loaded && (
        <button type="button" class="older" onClick={older} disabled={loading}>
          {loading ? "Loading…" : "Load older messages"}
        </button>
      )}
      <ol>
        {rows(history.messages).map((row) =>
          row.day ? (
            <li key={`day-${row.day}`} class="day" role="separator">{row.day}</li>
          ) : (
            <Message key={row.message.id} message={row.message} grouped={row.grouped} />
          ),
        )}
        {mine.map((post) => (
          <li key={post.client_msg_id} class={`message pending ${post.error ? "failed" : ""}`}>
            <p class="meta"><strong>{me.value.nickname}</strong> <span>{post.error ? "not sent" : "sending…"}</span></p>
            <p class="body">{post.source}</p>
            {post.error && (
              <p class="field-error" role="alert">
                {post.error} <button type="button" class="link" onClick={() => discard(post.client_msg_id)}>Dismiss</button>
              </p>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

async function loadOlder(channelId, beforeSeq, setLoading) {
  setLoading(true);
  try {
    const query = beforeSeq ? `?before=${beforeSeq}&limit=${PAGE}` : `?limit=${PAGE}`;
    const page = await call("GET", `/channels/${channelId}/messages${query}`);
    updateHistory(channelId, (history) => ({
      messages: mergeMessages(history.messages, page.messages),
      more: page.more,
      loaded: true,
    }));
  } finally {
    setLoading(false);
  }
}

/** Day separators between days, and whether each message continues its author's group. */
function rows(messages) {
  const out = [];
  let previous = null;
  for (const message of messages) {
    const at = new Date(message.created_at);
    const label = day.format(at);
    if (!previous || day.format(new Date(previous.created_at)) !== label) out.push({ day: label });
    const grouped = Boolean(
      previous && previous.author_id === message.author_id && !previous.deleted &&
        at - new Date(previous.created_at) < GROUP_MS && out[out.length - 1].message,
    );
    out.push({ message, grouped });
    previous = message;
  }
  return out;
}

function Message({ message, grouped }) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState(null);
  const own = message.author_id === me.value.id;
  const at = new Date(message.created_at);
  const path = `/channels/${message.channel_id}/messages/${message.id}`;

  async function save(event) {
    event.preventDefault();
    try {
      await call("PATCH", path, { source: new FormData(event.currentTarget).get("source") });
      setEditing(false);
      setError(null);
    } catch (failure) {
      setError(failure.errors?.source?.join(" ") ?? failure.message);
    }
  }
  async function remove() {
    if (!confirm("Delete this message?")) return;
    try {
      await call("DELETE", path);
    } catch (failure) {
      setError(failure.message);
    }
  }

  return (
    <li class={`message ${grouped ? "grouped" : ""}`} id={`message-${message.id}`}>
      {!grouped && (
        <p class="meta">
          <strong>{nicknameOf(message.author_id)}</strong>{" "}
          <time dateTime={message.created_at}>{time.format(at)}</time>
        </p>
      )}
      {message.deleted ? (
        <p class="body deleted">This message was deleted.</p>
      ) : editing ? (
        <form onSubmit={save} class="edit">
          <label for={`edit-${message.id}`} class="sr-only">Edit message</label>
          <textarea id={`edit-${message.id}`} name="source" defaultValue={message.source} />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setEditing(false)}>Cancel</button>
        </form>
      ) : (
        // Rendered and sanitized by the server (nh3's allow-list), under a strict CSP.
        <div class="body" dangerouslySetInnerHTML={{ __html: message.html }} />
      )}
      {!message.deleted && message.previews?.length > 0 && (
        <ul class="previews">
          {message.previews.map((preview) => (
            <li key={preview.url}>
              <a href={preview.url} rel="noopener noreferrer nofollow" target="_blank">{preview.title || preview.url}</a>
              {preview.description && <p>{preview.description}</p>}
            </li>
          ))}
        </ul>
      )}
      {own && !message.deleted && !editing && (
        <span class="actions">
          <button type="button" onClick={() => setEditing(true)}>Edit</button>
          <button type="button" onClick={remove}>Delete</button>
        </span>
      )}
      {error && <p class="field-error" role="alert">{error}</p>}
    </li>
  );
}
