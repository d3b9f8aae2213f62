import { useEffect, useState } from "preact/hooks";

import { call } from "./api.js";
import { remember } from "./people.js";

const DEBOUNCE_MS = 200;

/** Find a user by the start of their nickname (the directory), and pick one. */
export function UserPicker({ id, label, action, exclude = [], onPick }) {
  const [query, setQuery] = useState("");
  const [found, setFound] = useState([]);
  const [error, setError] = useState(null);

  useEffect(() => {
    if (!query.trim()) {
      setFound([]);
      return undefined;
    }
    const timer = setTimeout(async () => {
      try {
        const page = await call("GET", `/users?q=${encodeURIComponent(query.trim())}&limit=10`);
        page.users.forEach(remember);
        setFound(page.users.filter((user) => !exclude.includes(user.id)));
        setError(null);
      } catch (failure) {
        setError(failure.errors?.q?.join(" ") ?? failure.message);
      }
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a search per query typed, not per render
  }, [query]);

  return (
    <div class="user-picker">
      <label for={id}>{label}</label>
      <input id={id} type="search" value={query} autocomplete="off" aria-describedby={`${id}-error`}
        onInput={(event) => setQuery(event.currentTarget.value)} />
      <p id={`${id}-error`} class="field-error" hidden={!error}>{error}</p>
      {found.length > 0 && (
        <ul aria-label={`${label}: results`}>
          {found.map((user) => (
            <li key={user.id}>
              <button type="button" class="link" onClick={() => { onPick(user); setQuery(""); }}>
                {action} {user.nickname}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
