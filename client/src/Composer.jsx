import { enqueue } from "./outbox.js";
import { channelLabel } from "./store.js";

/** Enter sends, Shift+Enter starts a new line; the message shows as pending at once. */
export function Composer({ channel }) {
  function send(form) {
    const source = form.elements.source.value;
    if (!source.trim()) return;
    enqueue(channel.id, source);
    form.reset();
  }
  return (
    <form class="composer" onSubmit={(event) => { event.preventDefault(); send(event.currentTarget); }}>
      <label for="composer-input" class="sr-only">Message #{channelLabel(channel)}</label>
      <textarea id="composer-input" name="source" rows={2} placeholder={`Message #${channelLabel(channel)}`}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            send(event.currentTarget.form);
          }
        }} />
      <button type="submit">Send</button>
    </form>
  );
}
