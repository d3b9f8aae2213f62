// One message as the lists show it (the channel's and a thread's), and one of ours still
// in the outbox.

import { useEffect, useRef, useState } from "preact/hooks";

import { call } from "./api.js";
import { discard } from "./outbox.js";
import { nicknameOf } from "./people.js";
import { me, openThread } from "./store.js";
import { ReactionPicker, Reactions } from "./Reactions.jsx";
import { Presence } from "./Sidebar.jsx";

const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

/** A message of ours not acknowledged yet: sending, waiting out a rate limit, or refused
(with the reason, until dismissed). */
export function PendingPost({ post }) {
  const state = post.error ? "not sent"
    : post.retryIn ? `too many messages: sending again in ${post.retryIn} s` : "sending…";
  return (
    <li class={`message pending ${post.error ? "failed" : ""}`}>
      <p class="meta"><strong>{me.value.nickname}</strong> <span>{state}</span></p>
      <p class="body">{post.source}</p>
      {post.error && (
        <p class="field-error" role="alert">
          {post.error} <button type="button" class="link" onClick={() => discard(post.client_msg_id)}>Dismiss</button>
        </p>
      )}
    </li>
  );
}

/** One message, with what its author and members can do to it; `inThread`: shown in its
thread's panel (no thread of its own to open). */
export function Message({ message, grouped, canPin: pinning, inThread = false, readOnly = false }) {
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState(null);
  const editBox = useRef(null);
  const editButton = useRef(null);
  const reactButton = useRef(null);
  const wasEditing = useRef(false);
  const own = message.author_id === me.value.id;

  useEffect(() => {
    // Focus follows the keyboard user: into the box when editing starts, back after.
    if (editing) editBox.current?.focus();
    else if (wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
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
  async function pin(pinned) {
    try {
      await call(pinned ? "PUT" : "DELETE", `${path}/pin`);
    } catch (failure) {
      setError(failure.errors?.message_id?.join(" ") ?? failure.message);
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
    <li class={`message ${grouped ? "grouped" : ""} ${namesMe(message) ? "mentions-me" : ""}`}
      id={`message-${message.id}`} data-seq={message.seq} tabIndex={-1}>
      {!grouped && (
        <p class="meta">
          <Presence userId={message.author_id} /><strong>{nicknameOf(message.author_id)}</strong>{" "}
          <time dateTime={message.created_at}>{time.format(at)}</time>
        </p>
      )}
      {message.deleted ? (
        <p class="body deleted">This message was deleted.</p>
      ) : editing ? (
        <form onSubmit={save} class="edit">
          <label for={`edit-${message.id}`} class="sr-only">Edit message</label>
          <textarea id={`edit-${message.id}`} name="source" defaultValue={message.source} ref={editBox}
            onKeyDown={(event) => {
              if (event.key === "Escape") setEditing(false);
              if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
                event.preventDefault();
                event.currentTarget.form.requestSubmit();
              }
            }} />
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
      {message.pinned_at && !message.deleted && (
        <p class="pinned">Pinned by {nicknameOf(message.pinned_by)}</p>
      )}
      {!message.deleted && <Reactions message={message} failed={setError} />}
      {!inThread && message.reply_count > 0 && (
        <button type="button" class="link replies" onClick={() => showThread(message)}>
          {message.reply_count === 1 ? "1 reply" : `${message.reply_count} replies`}
          {message.last_reply_at && `, the last at ${time.format(new Date(message.last_reply_at))}`}
        </button>
      )}
      {!message.deleted && !editing && !readOnly && (
        <span class="actions">
          <button type="button" ref={reactButton} aria-expanded={picking} onClick={() => setPicking(!picking)}>React</button>
          {!inThread && !message.thread_root_id && (
            <button type="button" onClick={() => showThread(message)}>Reply in thread</button>
          )}
          {own && <button type="button" ref={editButton} onClick={() => setEditing(true)}>Edit</button>}
          {own && <button type="button" onClick={remove}>Delete</button>}
          {pinning && (
            <button type="button" onClick={() => pin(!message.pinned_at)}>{message.pinned_at ? "Unpin" : "Pin"}</button>
          )}
        </span>
      )}
      {picking && !message.deleted && (
        <ReactionPicker message={message} failed={setError}
          onClose={() => { setPicking(false); reactButton.current?.focus(); }} />
      )}
      {error && <p class="field-error" role="alert">{error}</p>}
    </li>
  );
}

/** Whether a message's mentions name the signed-in user: the mention elements the
server's renderer made, found in the parsed HTML (text that only looks like one, such
as `data-mention="channel"` written in a message, is no element). */
export function namesMe(message) {
  if (message.author_id === me.value?.id) return false;
  return mentionsIn(message.html ?? "").some((mention) =>
    mention.dataset.userId === String(me.value?.id) || ["channel", "here"].includes(mention.dataset.mention));
}

const parser = new DOMParser();
const parsed = new Map(); // html -> its mention elements, the most recent few hundred

/** The mention elements of a message's HTML (a DOMParser document runs no script). */
function mentionsIn(html) {
  if (!html.includes("mention")) return [];
  let found = parsed.get(html);
  if (!found) {
    found = [...parser.parseFromString(html, "text/html").querySelectorAll("span.mention")];
    if (parsed.size >= 500) parsed.delete(parsed.keys().next().value);
    parsed.set(html, found);
  }
  return found;
}

/** Open a message's thread in the side panel. */
function showThread(message) {
  openThread.value = { channelId: message.channel_id, rootId: message.id };
}
