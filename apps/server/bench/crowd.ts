/**
 * The crowd (a child process of the benchmark, forked with an IPC channel):
 * many registered contacts of the relay, one UDP socket each on 127.0.0.1,
 * so that the relay holds a large contact table while the load generator
 * runs, and so that heartbeats keep arriving.
 *
 * - Plain-text peers register first, each with one line `@bench-nobody ping`
 *   (answered `[relay] bench-nobody is not online` to that peer alone): with
 *   no protocol client online yet, a plain peer's join costs the relay no
 *   fan-out. They never heartbeat (plain peers cannot; they stay registered
 *   for 5 minutes of silence).
 * - Protocol clients register as the protocol says (PROTOCOL.md §6.1): a
 *   `hello` (`crowd-N`) padded to 300 bytes, the `welcome` with the session
 *   token, then `list` with the token, which completes the registration;
 *   the first contact page counts as done. At most 8 await that at once,
 *   each retried after 3 s without one (`hello` again, or `list` again once
 *   welcomed). Each costs the relay a `join` to every client already online
 *   (the protocol's rule) and its contact list (every contact, ~100
 *   datagrams at 10,000). Every heartbeat carries the token. The real
 *   client retries after 1 s: when the relay is slow, every retry can cost a
 *   whole contact list again, which made setup storm in early versions of
 *   this benchmark (BENCHMARKS.md); the crowd is a setup tool, so it waits.
 * - The sockets are spread over 127.0.0.2, 127.0.0.3, … (1000 per address)
 *   so that 10,000 of them cannot use up 127.0.0.1's ephemeral ports; on a
 *   machine where those addresses cannot be bound, all use 127.0.0.1.
 * - Every client sends a `heartbeat` every `heartbeatIntervalMs` (spread
 *   evenly over the interval) from the moment it is registered, so that no
 *   client expires (15 s of silence) while the others register; the crowd
 *   counts the heartbeat-acks that arrive after setup.
 */
import type { Socket } from 'node:dgram';
import { decode, encode, paddedHello, TOKEN_BYTES } from '@udpchat/protocol';
import type { CrowdReply, CrowdRequest } from './ipc.js';
import { serve } from './serve.js';
import { bindUdp, closeQuietly, connectUdp, sleep } from './udp.js';
import { KIND, kindOf } from './wire.js';

/** Registrations awaiting their answer at once (plain peers, clients). */
const PLAIN_WINDOW = 256;
const CLIENT_WINDOW = 8;
/** An unanswered registration is sent again after this long, in ms (plain peers, clients). */
const PLAIN_RETRY_MS = 1000;
const CLIENT_RETRY_MS = 3000;
/** Sockets per loopback address. */
const SOCKETS_PER_ADDRESS = 1000;
/** Heartbeat scheduler tick, in ms. */
const TICK_MS = 10;
/** The text that registers a plain peer. */
const PLAIN_LINE = Buffer.from('@bench-nobody ping\n', 'utf8');

let sockets: Socket[] = [];
let registered = new Uint8Array(0);
/** Clients: 1 once their welcome brought a token (then `list` is what is sent, with it). */
let welcomed = new Uint8Array(0);
/** Clients' session tokens, TOKEN_BYTES each, at index × TOKEN_BYTES. */
let tokens = new Uint8Array(0);
let plainCount = 0;
let setupDone = false;
let heartbeatTimer: NodeJS.Timeout | undefined;
let heartbeatsOn = true;
const counts = { heartbeatsSent: 0, heartbeatAcks: 0, errors: 0, otherDatagrams: 0 };

/** Client `index`'s session token (a view). */
function tokenOf(index: number): Uint8Array {
  return tokens.subarray(index * TOKEN_BYTES, (index + 1) * TOKEN_BYTES);
}

/** Client `index`'s `list` (with its token): completes its registration. */
function listOf(index: number): Uint8Array {
  return encode({ kind: 'list', epoch: 0, version: 0 }, { token: tokenOf(index) });
}

/** A client's answer during setup: the welcome (-> token, then `list`), the first contact page (-> registered), an error (-> hello again). */
function onClientSetupDatagram(index: number, kind: number, bytes: Buffer): void {
  if (kind === KIND.welcome && welcomed[index] === 0) {
    try {
      const m = decode(bytes);
      if (m.kind !== 'welcome') return;
      tokens.set(m.token, index * TOKEN_BYTES);
      welcomed[index] = 1;
      sockets[index]?.send(listOf(index));
    } catch {
      counts.errors++;
    }
  } else if (kind === KIND.contacts && welcomed[index] === 1) registered[index] = 1;
  // NOT_REGISTERED: the list came after the pending registration expired; the retry says hello again.
  else if (kind === KIND.error && registered[index] === 0) welcomed[index] = 0;
}

function onDatagram(index: number, bytes: Buffer): void {
  const kind = kindOf(bytes);
  if (!setupDone) {
    // A plain peer's only answer is the relay's plain-text notice.
    if (index < plainCount) {
      if (kind === -1) registered[index] = 1;
    } else onClientSetupDatagram(index, kind, bytes);
    return;
  }
  if (kind === KIND.heartbeatAck) counts.heartbeatAcks++;
  else if (kind === KIND.error) counts.errors++;
  else counts.otherDatagrams++;
}

/** The address of socket `index`: 127.0.0.2 + index / 1000, or 127.0.0.1 for all when `spread` is off. */
function addressOf(index: number, spread: boolean): string {
  return spread ? `127.0.0.${2 + Math.floor(index / SOCKETS_PER_ADDRESS)}` : '127.0.0.1';
}

async function openSocket(index: number, port: number, address: string): Promise<Socket> {
  const socket = await bindUdp(address);
  socket.on('error', () => {
    counts.errors++;
  });
  await connectUdp(socket, port);
  socket.on('message', (bytes) => onDatagram(index, bytes));
  return socket;
}

/**
 * Registers contacts `from` .. `to`-1, at most `window` awaiting an answer
 * at once, each sent again after `retryMs` without one.
 * @returns how many registrations were sent again.
 */
async function registerRange(
  from: number,
  to: number,
  window: number,
  retryMs: number,
  datagram: (index: number) => Uint8Array,
  deadline: number,
): Promise<number> {
  let next = from;
  let retries = 0;
  let pending: Array<{ index: number; at: number }> = [];
  while (next < to || pending.length > 0) {
    if (performance.now() > deadline) {
      const left = to - next + pending.length;
      throw new Error(`${left} contacts of ${to - from} not registered in time`);
    }
    const now = performance.now();
    pending = pending.filter((p) => registered[p.index] === 0);
    for (const p of pending) {
      if (now - p.at >= retryMs) {
        sockets[p.index]?.send(datagram(p.index));
        p.at = now;
        retries++;
      }
    }
    while (pending.length < window && next < to) {
      sockets[next]?.send(datagram(next));
      pending.push({ index: next, at: now });
      next++;
    }
    await sleep(2);
  }
  return retries;
}

/** Starts the heartbeats of the clients (those not registered yet are skipped until they are). */
function startHeartbeats(intervalMs: number): void {
  const clients = sockets.length - plainCount;
  if (clients === 0) return;
  const started = performance.now();
  let sent = 0;
  let cursor = 0;
  let seq = 0;
  let pausedMs = 0;
  let pausedAt = 0;
  heartbeatTimer = setInterval(() => {
    const now = performance.now();
    if (!heartbeatsOn) {
      pausedAt ||= now;
      return;
    }
    if (pausedAt) {
      // Resume where the schedule stopped: no burst of the heartbeats skipped while paused.
      pausedMs += now - pausedAt;
      pausedAt = 0;
    }
    const due = Math.floor(((now - started - pausedMs) / intervalMs) * clients);
    while (sent < due) {
      const index = plainCount + cursor;
      cursor = (cursor + 1) % clients;
      sent++;
      if (registered[index] !== 1) continue;
      seq = (seq + 1) >>> 0;
      sockets[index]?.send(encode({ kind: 'heartbeat', seq }, { token: tokenOf(index) }));
      counts.heartbeatsSent++;
    }
  }, TICK_MS);
}

async function setup(req: Extract<CrowdRequest, { cmd: 'setup' }>): Promise<{ retries: number; setupMs: number }> {
  const started = performance.now();
  const deadline = started + req.timeoutMs;
  const total = req.plainPeers + req.clients;
  plainCount = req.plainPeers;
  registered = new Uint8Array(total);
  welcomed = new Uint8Array(total);
  tokens = new Uint8Array(total * TOKEN_BYTES);
  sockets = [];
  let spread = true;
  try {
    sockets.push(await openSocket(0, req.target.port, addressOf(0, true)));
  } catch {
    spread = false;
    sockets.push(await openSocket(0, req.target.port, addressOf(0, false)));
  }
  for (let i = 1; i < total; i += 500) {
    const batch: Array<Promise<Socket>> = [];
    for (let j = i; j < Math.min(total, i + 500); j++) batch.push(openSocket(j, req.target.port, addressOf(j, spread)));
    sockets.push(...(await Promise.all(batch)));
  }
  let retries = await registerRange(0, plainCount, PLAIN_WINDOW, PLAIN_RETRY_MS, () => PLAIN_LINE, deadline);
  startHeartbeats(req.heartbeatIntervalMs);
  // Not welcomed yet: a padded hello; welcomed: its list again.
  const next = (i: number): Uint8Array => (welcomed[i] === 1 ? listOf(i) : encode(paddedHello(`crowd-${i}`)));
  retries += await registerRange(plainCount, total, CLIENT_WINDOW, CLIENT_RETRY_MS, next, deadline);
  // Let the join storm of the last registrations pass before counting anything.
  await sleep(200);
  setupDone = true;
  return { retries, setupMs: performance.now() - started };
}

function close(): void {
  if (heartbeatTimer) clearInterval(heartbeatTimer);
  for (const socket of sockets) closeQuietly(socket);
  sockets = [];
}

async function handle(req: Exclude<CrowdRequest, { cmd: 'stop' }>): Promise<CrowdReply> {
  switch (req.cmd) {
    case 'setup': {
      const { retries, setupMs } = await setup(req);
      return { type: 'setup-done', id: req.id, plainPeers: req.plainPeers, clients: req.clients, retries, setupMs };
    }
    case 'counters':
      return { type: 'counters', id: req.id, counters: { ...counts, at: performance.now() } };
    case 'heartbeats':
      heartbeatsOn = req.on;
      return { type: 'heartbeats', id: req.id, on: heartbeatsOn };
  }
}

const send = serve<CrowdRequest, CrowdReply>({ handle, close });
send({ type: 'ready' });
