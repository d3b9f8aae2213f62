import { useEffect, useState } from "preact/hooks";

import { onSessionEnd, resume, signOut } from "./api.js";
import { Chat } from "./Chat.jsx";
import { SignIn } from "./SignIn.jsx";
import { me, reset } from "./store.js";

// Signing out in one tab signs out the others.
const session = "BroadcastChannel" in window ? new BroadcastChannel("parley-session") : null;

export function App() {
  const [starting, setStarting] = useState(true);
  useEffect(() => {
    resume()
      .then((user) => {
        me.value = user;
      })
      .finally(() => setStarting(false));
    const stop = onSessionEnd(reset);
    if (session) {
      session.onmessage = (event) => {
        if (event.data === "signed-out") signOut();
        if (event.data === "signed-in" && !me.value) resume().then((user) => (me.value = user));
      };
    }
    return stop;
  }, []);

  if (starting) return <p class="starting" role="status">Loading…</p>;
  if (!me.value) return <SignIn onSignedIn={(user) => { me.value = user; session?.postMessage("signed-in"); }} />;
  return <Chat onSignOut={() => { session?.postMessage("signed-out"); signOut(); }} />;
}
