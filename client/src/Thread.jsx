// A thread in the side panel: its root, its replies (live: replies are placed here as
// their events arrive), a composer for replies, and following; and the list of threads
// the user follows, with their unread replies.

import { useEffect, useRef, useState } from "preact/hooks";

import { call } from "./api.js";
import { Message, PendingPost } from "./Message.jsx";
import { enqueue, pending } from "./outbox.js";
import { nicknameOf } from "./people.js";
import {
  channelTitle, followedRoots, mergeMessages, openThread, threadOf, threadsChanged, updateThread,
} from "./store.js";

const PAGE = 50;

/** The open thread, beside the channel; `followed`: the threads the user follows. */
export function ThreadPanel({ followed }) {
  const { channelId, rootId } = openThread.value;
  const thread = threadOf(rootId);
  const [error, setError] = useState(null);
  const following = followed?.some((t) => t.root.id === rootId);
  const heading = useRef(null);

  useEffect(() => {
    heading.current?.focus();
    setError(null);
    loadReplies(channelId, rootId).catch((failure) => setError(failure.message));
  }, [channelId, rootId]);

  // Read what is shown: the marker moves to the last reply held (followers only).
  const lastSeq = thread.messages.length ? thread.messages[thread.messages.length - 1].seq : 0;
  const readSeq = followed?.find((t) => t.root.id === rootId)?.state.last_read_seq ?? 0;
  useEffect(() => {
    if (!following || lastSeq <= readSeq) return;
    call("PUT", `/channels/${channelId}/messages/${rootId}/replies/read`, { seq: lastSeq }).catch(() => {});
  }, [following, lastSeq, readSeq, channelId, rootId]);

  async function toggleFollow() {
    try {
      await call(following ? "DELETE" : "PUT", `/channels/${channelId}/messages/${rootId}/follow`);
      threadsChanged.value += 1;
    } catch (failure) {
      setError(failure.message);
    }
  }
  const title = channelTitle(channelId);
  const waiting = pending.value.filter((post) => post.thread_root_id === rootId);
  return (
    <aside class="thread" aria-labelledby="thread-title">
      <header>
        <h2 id="thread-title" tabIndex={-1} ref={heading}>
          Thread{title ? ` in ${title}` : ""}
        </h2>
        <button type="button" aria-pressed={Boolean(following)} onClick={toggleFollow}>
          {following ? "Following" : "Follow"}
        </button>
        <button type="button" class="link" onClick={() => { openThread.value = null; }}>Close thread</button>
      </header>
      {error && <p class="field-error" role="alert">{error}</p>}
      {thread.root && (
        <ol class="thread-root">
          <Message message={thread.root} grouped={false} canPin={false} inThread />
        </ol>
      )}
      <section aria-label="Replies">
        {thread.more && thread.loaded && (
          <button type="button" class="older" onClick={() => loadReplies(channelId, rootId, lastSeq)}>
            Load more replies
          </button>
        )}
        <ol>
          {thread.messages.map((message) => (
            <Message key={message.id} message={message} grouped={false} canPin={false} inThread />
          ))}
          {waiting.map((post) => <PendingPost key={post.client_msg_id} post={post} />)}
        </ol>
      </section>
      <ReplyComposer channelId={channelId} rootId={rootId} />
    </aside>
  );
}

async function loadReplies(channelId, rootId, after = null) {
  const query = after ? `?after=${after}&limit=${PAGE}` : `?limit=${PAGE}`;
  const page = await call("GET", `/channels/${channelId}/messages/${rootId}/replies${query}`);
  updateThread(rootId, (thread) => ({
    root: page.root,
    messages: mergeMessages(thread.messages, page.messages),
    more: page.more,
    loaded: true,
  }));
}

function ReplyComposer({ channelId, rootId }) {
  function send(form) {
    const source = form.elements.source.value;
    if (!source.trim()) return;
    enqueue(channelId, source, rootId);
    form.reset();
  }
  return (
    <form class="composer" onSubmit={(event) => { event.preventDefault(); send(event.currentTarget); }}>
      <label for="reply-input" class="sr-only">Reply in thread</label>
      <textarea id="reply-input" name="source" rows={2} placeholder="Reply…"
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            send(event.currentTarget.form);
          }
        }} />
      <button type="submit">Reply</button>
    </form>
  );
}

/** The threads the user follows (null until fetched), fetched again on every thread push. */
export function useFollowed() {
  const [followed, setFollowed] = useState(null);
  const changes = threadsChanged.value;
  useEffect(() => {
    const timer = setTimeout(() => {
      call("GET", "/users/me/threads").then((answer) => {
        setFollowed(answer.threads);
        followedRoots.value = new Set(answer.threads.map((thread) => thread.root.id));
      }, () => {});
    }, 200); // a burst of pushes, one fetch
    return () => clearTimeout(timer);
  }, [changes]);
  return followed;
}

/** The followed threads, the latest reply first; picking one opens it. */
export function ThreadList({ id, followed, onPick }) {
  return (
    <section id={id} aria-label="Threads" class="mention-list">
      <h2>Threads</h2>
      {followed === null ? <p>Loading…</p> : followed.length === 0 ? <p>You follow no threads yet.</p> : (
        <ol>
          {followed.map(({ root, state }) => (
            <li key={root.id}>
              <a href={`#thread-${root.id}`} onClick={(event) => {
                event.preventDefault();
                openThread.value = { channelId: root.channel_id, rootId: root.id };
                onPick();
              }}>
                <strong>{nicknameOf(root.author_id)}</strong> in {channelTitle(root.channel_id)}
                {state.unread_count > 0 && <span class="unread-replies">, {state.unread_count} unread</span>}
              </a>
              <div class="body" dangerouslySetInnerHTML={{ __html: root.html }} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
