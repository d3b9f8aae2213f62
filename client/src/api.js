// The public API v2, as any client calls it: the access token in memory, the refresh
// token in an HttpOnly cookie the page cannot read (POST/PUT /api/v2/tokens?refresh_in=cookie).

const BASE = "/api/v2";
// Refresh this long before the access token expires, so that no call meets a 401.
const EARLY_MS = 60_000;

/** An error answer of the API: its status, message, and the fields it names. */
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.errors = body?.errors || {};
    this.retryAfter = retryAfter;
  }
}

// Whether this browser holds a session cookie worth trying (it is HttpOnly: unreadable).
const HINT = "parley-signed-in";
let access = null; // {token, expiresAt}
let refreshing = null; // one refresh in flight per tab
let refreshTimer = null;
const listeners = new Set();

/** Be told when the session ends (signed out here, in another tab, or expired). */
export function onSessionEnd(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function endSession() {
  access = null;
  localStorage.removeItem(HINT);
  clearTimeout(refreshTimer);
  for (const listener of listeners) listener();
}

function keep(pair) {
  access = { token: pair.access_token, expiresAt: Date.parse(pair.access_expires_at) };
  localStorage.setItem(HINT, "1");
  clearTimeout(refreshTimer);
  const wait = Math.max(5_000, access.expiresAt - Date.now() - EARLY_MS);
  refreshTimer = setTimeout(() => refresh().catch(() => {}), wait);
}

/** The current access token (for the socket's auth). */
export function accessToken() {
  return access?.token ?? null;
}

async function send(method, path, { body, headers = {}, authenticated = true } = {}) {
  const init = { method, headers: { ...headers }, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (authenticated && access) init.headers.Authorization = `Bearer ${access.token}`;
  const response = await fetch(`${BASE}${path}`, init);
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new ApiError(response.status, json, Number(response.headers.get("Retry-After")) || null);
  }
  return json;
}

/**
 * Trade the refresh cookie for a new pair. Tabs share the cookie, and a refresh token
 * works once (a second use ends the session): a Web Lock makes the tabs take turns, so
 * each trades the cookie the one before it left.
 */
export function refresh() {
  if (!refreshing) {
    const trade = () => send("PUT", "/tokens?refresh_in=cookie", { body: {}, authenticated: false });
    const locked = navigator.locks ? navigator.locks.request("parley-refresh", trade) : trade();
    refreshing = locked
      .then((pair) => keep(pair))
      .catch((error) => {
        if (error.status === 401 || error.status === 400) endSession();
        throw error;
      })
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

/** Call the API as the signed-in user; a 401 refreshes once and tries again. */
export async function call(method, path, body) {
  if (access && access.expiresAt - Date.now() < 5_000) await refresh();
  try {
    return await send(method, path, { body });
  } catch (error) {
    if (error.status !== 401 || !access) throw error;
    await refresh();
    return send(method, path, { body });
  }
}

/** Sign up, then sign in. */
export async function signUp(nickname, password) {
  await send("POST", "/users", { body: { nickname, password }, authenticated: false });
  return signIn(nickname, password);
}

/** Sign in with HTTP Basic; the refresh token comes back as the cookie. */
export async function signIn(nickname, password) {
  const basic = btoa(String.fromCharCode(...new TextEncoder().encode(`${nickname}:${password}`)));
  const pair = await send("POST", "/tokens?refresh_in=cookie", {
    headers: { Authorization: `Basic ${basic}` },
    authenticated: false,
  });
  keep(pair);
  return call("GET", "/users/me");
}

/** Resume the session the refresh cookie holds, if any (a reload). */
export async function resume() {
  if (!localStorage.getItem(HINT)) return null;
  try {
    await refresh();
  } catch {
    return null;
  }
  return call("GET", "/users/me");
}

/** Sign out: revoke the session, clear the cookie. */
export async function signOut() {
  try {
    if (access) await send("DELETE", "/tokens");
  } finally {
    endSession();
  }
}
