import { sendTyping } from "./live.js";
import { enqueue } from "./outbox.js";
import { nicknameOf } from "./people.js";
import { channelLabel } from "./store.js";
import { typed, typists } from "./typing.js";

/** Who is typing in the channel, in words; nothing when nobody is. */
function Typing({ channel }) {
  const names = [...(typists.value.get(channel.id)?.keys() ?? [])].map(nicknameOf);
  const text = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…`
    : names.length <= 3 ? `${names.join(", ")} are typing…` : "Several people are typing…";
  return <p class="typing" aria-hidden={!text}>{text}</p>;
}

/** Enter sends, Shift+Enter starts a new line; the message shows as pending at once. */
export function Composer({ channel }) {
  function send(form) {
    const source = form.elements.source.value;
    if (!source.trim()) return;
    enqueue(channel.id, source);
    form.reset();
  }
  return (
    <>
    <Typing channel={channel} />
    <form class="composer" onSubmit={(event) => { event.preventDefault(); send(event.currentTarget); }}>
      <label for="composer-input" class="sr-only">Message #{channelLabel(channel)}</label>
      <textarea id="composer-input" name="source" rows={2} placeholder={`Message #${channelLabel(channel)}`}
        onInput={(event) => event.currentTarget.value && typed(channel.id, sendTyping)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            send(event.currentTarget.form);
          }
        }} />
      <button type="submit">Send</button>
    </form>
    </>
  );
}
