import { useRef, useState } from "preact/hooks";

import { sendTyping } from "./live.js";
import { mentionAt, suggest } from "./mentionSuggest.js";
import { enqueue } from "./outbox.js";
import { nicknameOf } from "./people.js";
import { channelLabel, me } from "./store.js";
import { typed, typists } from "./typing.js";

/** Who is typing in the channel, in words; nothing when nobody is. */
function Typing({ channel }) {
  const names = [...(typists.value.get(channel.id)?.keys() ?? [])].map(nicknameOf);
  const text = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…`
    : names.length <= 3 ? `${names.join(", ")} are typing…` : "Several people are typing…";
  return <p class="typing" aria-hidden={!text}>{text}</p>;
}

/** Enter sends, Shift+Enter starts a new line; the message shows as pending at once.
After an "@" and a letter, the channel's members are suggested: Tab picks the first, the
arrows move and then Enter picks (an Enter typed at once still sends what is written). */
export function Composer({ channel }) {
  const box = useRef(null);
  const [suggestions, setSuggestions] = useState([]);
  const [active, setActive] = useState(0);
  const [moved, setMoved] = useState(false); // arrows used: Enter picks
  const typing = useRef(0); // the latest request of suggestions: older answers are dropped

  function send(form) {
    const source = form.elements.source.value;
    if (!source.trim()) return;
    enqueue(channel.id, source);
    form.reset();
    setSuggestions([]);
  }

  async function lookUp() {
    const element = box.current;
    const at = mentionAt(element.value, element.selectionStart);
    const asked = ++typing.current;
    const wanted = at && at.prefix.length > 0;
    const found = wanted ? await suggest(channel.id, at.prefix, me.value.id).catch(() => []) : [];
    if (asked !== typing.current) return;
    setSuggestions(found);
    setActive(0);
    setMoved(false);
  }

  function pick(suggestion) {
    const element = box.current;
    const at = mentionAt(element.value, element.selectionStart);
    if (at) {
      const after = element.value.slice(element.selectionStart);
      element.value = element.value.slice(0, at.start) + suggestion.insert + after;
      const caret = at.start + suggestion.insert.length;
      element.setSelectionRange(caret, caret);
    }
    setSuggestions([]);
    element.focus();
  }

  function keyDown(event) {
    if (suggestions.length) {
      const moves = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        setActive((active + moves[event.key] + suggestions.length) % suggestions.length);
        setMoved(true);
        return;
      }
      if (event.key === "Tab" || (event.key === "Enter" && moved)) {
        event.preventDefault();
        pick(suggestions[active]);
        return;
      }
      if (event.key === "Escape") {
        setSuggestions([]);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(event.currentTarget.form);
    }
  }

  const listId = `mentions-${channel.id}`;
  return (
    <>
    <Typing channel={channel} />
    {suggestions.length > 0 && (
      <ul id={listId} role="listbox" class="suggestions" aria-label="Mention someone">
        {suggestions.map((suggestion, index) => (
          <li key={suggestion.insert} id={`${listId}-${index}`} role="option" aria-selected={index === active}
            onMouseDown={(event) => { event.preventDefault(); pick(suggestion); }}>
            @{suggestion.label}
          </li>
        ))}
      </ul>
    )}
    <form class="composer" onSubmit={(event) => { event.preventDefault(); send(event.currentTarget); }}>
      <label for="composer-input" class="sr-only">Message #{channelLabel(channel)}</label>
      <textarea id="composer-input" name="source" rows={2} placeholder={`Message #${channelLabel(channel)}`}
        ref={box} aria-autocomplete="list" aria-controls={suggestions.length ? listId : undefined}
        aria-activedescendant={suggestions.length ? `${listId}-${active}` : undefined}
        onInput={(event) => {
          if (event.currentTarget.value) typed(channel.id, sendTyping);
          lookUp();
        }}
        onKeyDown={keyDown}
        onBlur={() => setSuggestions([])} />
      <button type="submit">Send</button>
    </form>
    </>
  );
}
