// Presence storm client: one official socket.io-client /v2 socket per access token (read
// from a file, one per line), connected within a second or so; each keeps the latest
// presence of every user from its `presence` pushes. Standard input drives it:
//   "report"    -> {"connected", "events", "complete"}: sockets connected, presence events
//                  received in all, sockets whose view has every user in `expected`
//   "reconnect" -> every socket disconnects and connects again at once
//   "quit"      -> exits
// Usage: node tests/js/presence_storm.mjs URL TOKENS_FILE EXPECTED_STATE
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const [url, tokensFile, expected] = process.argv.slice(2);
const tokens = readFileSync(tokensFile, "utf8").split("\n").filter(Boolean);
const ids = tokens.map((line) => Number(line.split(" ")[0]));
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");
let events = 0;
const views = [];

const sockets = tokens.map((line) => {
  const token = line.split(" ")[1];
  const view = new Map();
  views.push(view);
  const socket = io(`${url}/v2`, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    timeout: 30000,
    auth: { token, cursors: {} },
  });
  socket.on("presence", ({ users }) => {
    events += 1;
    for (const user of users) view.set(user.user_id, user.presence);
  });
  return socket;
});

function complete(view) {
  return ids.every((id) => view.get(id) === expected);
}

createInterface({ input: process.stdin }).on("line", (command) => {
  if (command === "report") {
    say({
      connected: sockets.filter((s) => s.connected).length,
      events,
      complete: views.filter(complete).length,
    });
  } else if (command === "reconnect") {
    for (const socket of sockets) socket.disconnect();
    for (const socket of sockets) socket.connect();
    say({ reconnecting: sockets.length });
  } else if (command === "quit") {
    for (const socket of sockets) socket.disconnect();
    process.exit(0);
  }
});
