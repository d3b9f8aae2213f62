// Fan-out load generator: COUNT official socket.io-client sockets over WebSocket,
// spread round-robin over the URLs given. One JSON line per report on stdout:
//   {"event":"ready","connected":n,"errors":e,"seconds":t}    all attempts settled
//   {"event":"report","connected":n,"disconnects":d,"receipts":{"<seq>":[count,firstMs,lastMs]}}
// Standard input drives it: "report" prints a report, "quit" (or end of input) exits.
// Messages are recognised by a source of the form "bench <seq>".
// Usage: node bench/clients.mjs COUNT MAX_SECONDS URL [URL ...]
import { createInterface } from "node:readline";
import { io } from "socket.io-client";

const [count, maxSeconds, ...urls] = process.argv.slice(2);
const total = Number(count);
const BATCH = 200; // connections opened at once: a herd of thousands times out handshakes
const receipts = new Map();
const sockets = [];
let errors = 0;
let disconnects = 0;
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const now = () => performance.timeOrigin + performance.now();

function onPush(payload) {
  const seq = /^bench (\d+)$/.exec(payload?.model?.source ?? "")?.[1];
  if (seq === undefined) return;
  const at = now();
  const entry = receipts.get(seq);
  if (entry) {
    entry[0] += 1;
    entry[2] = at;
  } else {
    receipts.set(seq, [1, at, at]);
  }
}

function open(index) {
  return new Promise((resolve) => {
    const socket = io(urls[index % urls.length], {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      timeout: 20000,
    });
    socket.on("updated_model", onPush);
    socket.on("disconnect", () => (disconnects += 1));
    socket.once("connect", () => resolve(true));
    socket.once("connect_error", () => {
      errors += 1;
      resolve(false);
    });
    sockets.push(socket);
  });
}

const started = now();
for (let first = 0; first < total; first += BATCH) {
  const batch = [];
  for (let index = first; index < Math.min(first + BATCH, total); index++) batch.push(open(index));
  await Promise.all(batch);
}
const connected = () => sockets.filter((socket) => socket.connected).length;
say({ event: "ready", connected: connected(), errors, seconds: (now() - started) / 1000 });

const quit = () => {
  sockets.forEach((socket) => socket.close());
  setTimeout(() => process.exit(0), 500);
};
setTimeout(quit, Number(maxSeconds) * 1000);
createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line === "report") {
      say({ event: "report", connected: connected(), disconnects, receipts: Object.fromEntries(receipts) });
    } else if (line === "quit") {
      quit();
    }
  })
  .on("close", quit);
