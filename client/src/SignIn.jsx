import { useState } from "preact/hooks";

import { signIn, signUp } from "./api.js";
import { FieldError, FormError, describe } from "./errors.jsx";

/** Sign in, or sign up and sign in; each error shown next to the field it names. */
export function SignIn({ onSignedIn }) {
  const [mode, setMode] = useState("in");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const act = mode === "in" ? signIn : signUp;
      onSignedIn(await act(form.get("nickname"), form.get("password")));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const title = mode === "in" ? "Sign in" : "Create an account";
  return (
    <main class="sign-in">
      <h1>Parley</h1>
      <form onSubmit={submit} aria-labelledby="sign-in-title" noValidate>
        <h2 id="sign-in-title">{title}</h2>
        <FormError error={error} fields={["nickname", "password"]} />
        <label for="nickname">Nickname</label>
        <input id="nickname" name="nickname" autocomplete="username" required
          aria-describedby="nickname-error" aria-invalid={Boolean(error?.errors?.nickname)} />
        <FieldError id="nickname-error" error={error} field="nickname" />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" required
          autocomplete={mode === "in" ? "current-password" : "new-password"}
          aria-describedby="password-error" aria-invalid={Boolean(error?.errors?.password)} />
        <FieldError id="password-error" error={error} field="password" />
        <button type="submit" disabled={busy}>{title}</button>
      </form>
      <p>
        {mode === "in" ? "New here? " : "Have an account? "}
        <button type="button" class="link" onClick={() => { setMode(mode === "in" ? "up" : "in"); setError(null); }}>
          {mode === "in" ? "Create an account" : "Sign in"}
        </button>
      </p>
      <p class="sr-only" role="status">{error ? describe(error) : ""}</p>
    </main>
  );
}
