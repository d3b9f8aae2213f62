// The /v2 protocol's client rules for channel events (docs/realtime-v2.md), kept apart
// from the socket so that they can be tested alone: per channel the last seq applied;
// 1. an event at or below it is a duplicate, dropped; 2. one past a gap is held until
// the gap fills; 3. a gap still open after `gapMs` is fetched from the channel's event
// log; 4. every (re)connection sends the last seqs as its cursors (`cursors()`).

/** A sequencer calling `apply(event)` once per event, in seq order per channel, and
`fetchAfter(channelId, seq)` (resolving to an events page: {events, more}) for a gap. */
export function createSequencer({ apply, fetchAfter, gapMs = 3000 }) {
  const last = new Map(); // channel id -> last seq applied
  const held = new Map(); // channel id -> Map(seq -> event)
  const gapTimers = new Map();

  function receive(event) {
    const channelId = event.channel_id;
    if (!last.has(channelId)) last.set(channelId, event.seq - 1);
    if (event.seq <= last.get(channelId)) return; // rule 1: a duplicate
    const waiting = held.get(channelId) ?? new Map();
    held.set(channelId, waiting);
    waiting.set(event.seq, event); // rule 2: held until the seqs before it came
    while (waiting.has(last.get(channelId) + 1)) {
      const next = last.get(channelId) + 1;
      apply(waiting.get(next));
      waiting.delete(next);
      last.set(channelId, next);
    }
    clearTimeout(gapTimers.get(channelId));
    gapTimers.delete(channelId);
    if (waiting.size) gapTimers.set(channelId, setTimeout(() => fillGap(channelId), gapMs));
  }

  async function fillGap(channelId) {
    // Rule 3: a push was lost; the log has it.
    gapTimers.delete(channelId);
    let more = true;
    while (more) {
      const page = await fetchAfter(channelId, last.get(channelId));
      for (const event of page.events) receive(event);
      more = page.more && page.events.length > 0;
    }
  }

  return {
    receive,
    /** Start following a channel at `seq` (joined, or created, after connecting). */
    follow(channelId, seq) {
      if (!last.has(channelId)) last.set(channelId, seq);
    },
    /** Take a channel up again at `seq`, forgetting what was held (it was reloaded). */
    restart(channelId, seq) {
      last.set(channelId, seq);
      held.delete(channelId);
    },
    /** The last seq applied in a channel (undefined before its first). */
    lastSeqOf: (channelId) => last.get(channelId),
    /** Rule 4: the cursors a (re)connection sends, channel id -> last seq applied. */
    cursors: () => Object.fromEntries(last),
    /** Forget every channel (signed out). */
    clear() {
      last.clear();
      held.clear();
      for (const timer of gapTimers.values()) clearTimeout(timer);
      gapTimers.clear();
    },
  };
}
