// Connects N official socket.io-client sockets and reports, one JSON line each:
//   {"event":"ready"}                         every socket is connected
//   {"event":"push","client":i,"payload":…}   an `updated_model` arrived at socket i
//   {"event":"error","client":i,"message":…}  a socket failed to connect
// Usage: node tests/js/listen.mjs URL COUNT TRANSPORT MAX_SECONDS
// It exits when standard input closes, or after MAX_SECONDS at the latest.
import { io } from "socket.io-client";

const [url, count, transport, maxSeconds] = process.argv.slice(2);
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const sockets = [];
let connected = 0;

for (let client = 0; client < Number(count); client++) {
  const socket = io(url, {
    transports: [transport],
    // Keeps the load balancer's stickiness cookie between long-polling requests.
    withCredentials: true,
    reconnection: false,
    forceNew: true,
  });
  socket.once("connect", () => {
    connected += 1;
    if (connected === Number(count)) say({ event: "ready" });
  });
  socket.on("connect_error", (error) => say({ event: "error", client, message: error.message }));
  socket.on("updated_model", (payload) => say({ event: "push", client, payload }));
  sockets.push(socket);
}

const stop = () => {
  sockets.forEach((socket) => socket.close());
  // Let the close packets leave before the process does, so servers see clean goodbyes.
  setTimeout(() => process.exit(0), 300);
};
process.stdin.on("end", stop);
process.stdin.resume();
setTimeout(stop, Number(maxSeconds) * 1000);
