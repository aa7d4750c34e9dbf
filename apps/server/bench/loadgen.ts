/**
 * The load generator (a child process of the benchmark, forked with an IPC
 * channel): one sender and one receiver socket on 127.0.0.1, driving the
 * process under test — the real relay or a bare forwarder — in a closed loop.
 *
 * - The sender keeps `window` messages in flight: a chat (100-byte text) is
 *   in flight from its first send until an ack covering its seq comes back;
 *   each ack refills the window. A chat not acked `rtoMs` after its last send
 *   is sent again, unchanged (a fixed timeout, not the client's RFC 6298 one).
 * - The receiver acks every chat it gets (duplicates too) with a cumulative
 *   `ack` (upTo + up to 32 ranges above a gap), back through the target.
 * - Through the relay, the sender also gets a `relay-ack` per chat.
 * - Registration (relay mode) follows PROTOCOL.md §6.1: a `hello` padded to
 *   300 bytes, the `welcome` with the session token, then `list` with that
 *   token, which completes it (the relay answers with the contact list).
 *   Every later datagram — chats, acks, heartbeats — carries the token.
 * - Shared-secret mode (`secret` in setup): every datagram sent is signed,
 *   each with a fresh nonce (retransmissions too: the relay refuses a
 *   replayed nonce); every datagram from the relay must be signed
 *   (FLAG_AUTH) and one in VERIFY_EVERY is verified in full (tag and time,
 *   `verifyAuth`) — not all, to keep the generator's CPU for the load.
 * In bare mode (the forwarder) the same datagrams are sent, with a fixed
 * random token, so that both targets carry the same bytes.
 * Both sockets are connected to the target (no address lookup per send);
 * datagrams are built from templates and parsed in place (wire.ts), and one
 * chat in 4096 is fully decoded and checked.
 * Counters are snapshotted at the edges of the measured window, together
 * with the target's CPU time from /proc (so no IPC round trip sits inside the window).
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:dgram';
import {
  createAuthKey,
  decode,
  decodeDatagram,
  encode,
  paddedHello,
  TOKEN_BYTES,
  verifyAuth,
  type AuthKey,
  type Message,
} from '@udpchat/protocol';
import { RUN_COUNT_KEYS, zeroRunCounts, type LatencySummary, type LoadgenReply, type LoadgenRequest, type RunCounts, type RunOptions, type RunResult } from './ipc.js';
import { clockTicksPerSecond, trySampleProcess } from './procstat.js';
import { serve } from './serve.js';
import { bindUdp, closeQuietly, connectUdp, sleep, TARGET_HOST } from './udp.js';
import { AckBuilder, ChatTemplate, chatSeq, contactsOnPage, contactsPageOf, isSigned, KIND, kindOf, parseAck, Signer, type AckView } from './wire.js';

/** Registered names of the two ends. */
const SENDER_NAME = 'bench-snd';
const RECEIVER_NAME = 'bench-rcv';

/** Socket buffers, in bytes: as large as the relay's, so the load generator itself never drops. */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
/** Seqs tracked at once (ring of per-seq state); the span lowest..next is kept below half of it. */
const RING = 1 << 16;
const MASK = RING - 1;
const MAX_SPAN = RING / 2;
/** Latency samples kept per run at most. */
const MAX_SAMPLES = 1 << 20;
/** One chat in this many is decoded in full and checked. */
const CHECK_EVERY = 4096;
/** How long a run waits at its end for the messages still in flight, in ms. */
const DRAIN_MS = 2500;
/** Shared-secret mode: one datagram from the relay in this many has its tag and time verified. */
const VERIFY_EVERY = 16;
/** A registration datagram (hello, list) without an answer is sent again after this long, in ms. */
const REGISTER_RETRY_MS = 250;

async function bindSocket(): Promise<Socket> {
  const socket = await bindUdp(TARGET_HOST, SOCKET_BUFFER_BYTES);
  // A send to a target that died (ICMP port unreachable) must not crash the load generator;
  // what it costs shows as messages not delivered.
  socket.on('error', () => undefined);
  return socket;
}

/** Every counter of a run; snapshotted at the edges of the measured window. */
const counters: RunCounts = zeroRunCounts();

// --- sender state: a ring of per-seq slots ------------------------------------------------
const SLOT_FREE = 0;
const SLOT_IN_FLIGHT = 1;
const SLOT_DELIVERED = 2;
const slotState = new Uint8Array(RING);
/** When each seq in flight was first / last sent, in ms of `performance.now()`. */
const firstSent = new Float64Array(RING);
const lastSent = new Float64Array(RING);
let nextSeq = 1;
/** Lowest seq not yet delivered (everything below is). */
let lowest = 1;
let inFlight = 0;
let windowSize = 0;
let running = false;
/** Retransmission timeout, in ms. */
let rtoMs = 200;
/** Round trips recorded since the last summary, in ms. */
const samples = new Float64Array(MAX_SAMPLES);
let sampleCount = 0;
let recording = false;

// --- receiver state -----------------------------------------------------------------------
/** Every seq up to this one arrived. */
let rcvUpTo = 0;
/** Seqs above rcvUpTo that arrived (only after a loss or a reordering). */
const rcvAbove = new Set<number>();

let sender: Socket;
let receiver: Socket;
let chats: ChatTemplate;
let acks: AckBuilder;
let bodyBytes = 100;
let targetPid = 0;
let heartbeatTimer: NodeJS.Timeout | undefined;
let firstError = '';
/** Shared-secret mode: the key (null: open relay, or bare). */
let authKey: AuthKey | null = null;
/** Datagrams from the relay seen in shared-secret mode (for the 1-in-VERIFY_EVERY sample). */
let signedSeen = 0;
const ackView: AckView = { upTo: 0, ranges: [] };
// Once now (it runs `getconf`), not inside the first measured window.
clockTicksPerSecond();

/** Registration progress of one socket. */
interface Registration {
  /** The session token from `welcome` (null until then). */
  token: Uint8Array | null;
  /** Contact-list pages received (page -> entries): `list` completed the registration. */
  readonly pages: Map<number, number>;
  pagesTotal: number;
}
const senderReg: Registration = { token: null, pages: new Map(), pagesTotal: -1 };
const receiverReg: Registration = { token: null, pages: new Map(), pagesTotal: -1 };

/** `message` encoded for the relay: with `token` when given, signed in shared-secret mode (fresh nonce each call). */
function encodeOut(message: Message, token: Uint8Array | null): Uint8Array {
  return encode(message, { ...(token ? { token } : {}), ...(authKey ? { auth: authKey } : {}) });
}

/**
 * Shared-secret mode: checks that a datagram from the relay is signed, and
 * verifies one in VERIFY_EVERY in full. @returns false when it must be dropped.
 */
function authentic(b: Buffer): boolean {
  if (!authKey) return true;
  if (!isSigned(b)) {
    counters.authFailed++;
    return false;
  }
  if (++signedSeen % VERIFY_EVERY !== 0) return true;
  counters.authChecked++;
  try {
    if (verifyAuth(authKey, b, decodeDatagram(b).auth, Date.now()) === 'ok') return true;
  } catch {
    // not decodable: a failure too
  }
  counters.authFailed++;
  return false;
}

/** A welcome or a contacts page, for `reg`. */
function onRegistration(reg: Registration, kind: number, b: Buffer): void {
  if (kind === KIND.welcome) {
    try {
      const m = decode(b);
      if (m.kind === 'welcome') reg.token ??= Uint8Array.from(m.token);
    } catch {
      counters.corrupt++;
    }
  } else {
    const { page, pages } = contactsPageOf(b);
    reg.pagesTotal = pages;
    reg.pages.set(page, contactsOnPage(b));
  }
}

function sendChat(seq: number, now: number): void {
  // Built (and signed, with a fresh nonce) per send, retransmissions included.
  sender.send(chats.build(seq, lowest, Date.now()));
  lastSent[seq & MASK] = now;
}

function sendNew(now: number): void {
  const seq = nextSeq++;
  const slot = seq & MASK;
  slotState[slot] = SLOT_IN_FLIGHT;
  firstSent[slot] = now;
  inFlight++;
  counters.chatsSent++;
  sendChat(seq, now);
}

function pump(): void {
  if (!running) return;
  const now = performance.now();
  while (inFlight < windowSize && nextSeq - lowest < MAX_SPAN) sendNew(now);
}

function markDelivered(seq: number, now: number): void {
  const slot = seq & MASK;
  if (slotState[slot] !== SLOT_IN_FLIGHT) return;
  slotState[slot] = SLOT_DELIVERED;
  inFlight--;
  counters.delivered++;
  if (recording && sampleCount < MAX_SAMPLES) samples[sampleCount++] = now - (firstSent[slot] as number);
}

function onAck(view: AckView): void {
  const now = performance.now();
  const end = Math.min(view.upTo, nextSeq - 1);
  for (let seq = lowest; seq <= end; seq++) markDelivered(seq, now);
  const r = view.ranges;
  for (let i = 0; i + 1 < r.length; i += 2) {
    const last = Math.min(r[i + 1] as number, nextSeq - 1);
    for (let seq = Math.max(r[i] as number, lowest); seq <= last; seq++) markDelivered(seq, now);
  }
  while (lowest < nextSeq && slotState[lowest & MASK] === SLOT_DELIVERED) {
    slotState[lowest & MASK] = SLOT_FREE;
    lowest++;
  }
  pump();
}

function retransmitDue(): void {
  const now = performance.now();
  for (let seq = lowest; seq < nextSeq; seq++) {
    const slot = seq & MASK;
    if (slotState[slot] === SLOT_IN_FLIGHT && now - (lastSent[slot] as number) >= rtoMs) {
      counters.retransmissions++;
      sendChat(seq, now);
    }
  }
}

/** Runs of `seqs` (unsorted), as flat pairs, lowest first. */
function rangesOf(seqs: Set<number>): number[] {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: number[] = [];
  for (const seq of sorted) {
    if (out.length > 0 && out[out.length - 1] === seq - 1) out[out.length - 1] = seq;
    else out.push(seq, seq);
  }
  return out;
}

function checkChat(b: Buffer, seq: number): void {
  try {
    const m = decode(b);
    if (m.kind !== 'chat' || m.from !== SENDER_NAME || m.to !== RECEIVER_NAME || m.seq !== seq || m.text.length !== bodyBytes) counters.corrupt++;
  } catch {
    counters.corrupt++;
  }
}

function onChat(b: Buffer): void {
  counters.chatsForwarded++;
  const seq = chatSeq(b);
  if (seq < 0) {
    counters.corrupt++;
    return;
  }
  if ((counters.chatsForwarded & (CHECK_EVERY - 1)) === 0) checkChat(b, seq);
  if (seq <= rcvUpTo || rcvAbove.has(seq)) counters.duplicates++;
  else if (seq === rcvUpTo + 1) {
    rcvUpTo++;
    while (rcvAbove.size > 0 && rcvAbove.delete(rcvUpTo + 1)) rcvUpTo++;
  } else rcvAbove.add(seq);
  receiver.send(acks.build(rcvUpTo, rcvAbove.size === 0 ? [] : rangesOf(rcvAbove), Date.now()));
  counters.acksSent++;
}

function noteError(b: Buffer): void {
  counters.errors++;
  if (firstError) return;
  try {
    const m = decode(b);
    if (m.kind === 'error') firstError = `${m.code}: ${m.message}`;
  } catch {
    firstError = 'an undecodable error datagram';
  }
}

function onSenderDatagram(b: Buffer): void {
  const kind = kindOf(b);
  // An unsigned error (SECRET_REQUIRED…) is counted as failed but still noted, for the message.
  if (kind >= 0 && !authentic(b) && kind !== KIND.error) return;
  if (kind === KIND.ack) {
    counters.acksForwarded++;
    if (parseAck(b, ackView)) onAck(ackView);
    else counters.corrupt++;
  } else if (kind === KIND.relayAck) counters.relayAcks++;
  else if (kind === KIND.error) noteError(b);
  else if (kind === KIND.welcome || kind === KIND.contacts) onRegistration(senderReg, kind, b);
  else counters.otherDatagrams++;
}

function onReceiverDatagram(b: Buffer): void {
  const kind = kindOf(b);
  // An unsigned error (SECRET_REQUIRED…) is counted as failed but still noted, for the message.
  if (kind >= 0 && !authentic(b) && kind !== KIND.error) return;
  if (kind === KIND.chat) onChat(b);
  else if (kind === KIND.error) noteError(b);
  else if (kind === KIND.welcome || kind === KIND.contacts) onRegistration(receiverReg, kind, b);
  else counters.otherDatagrams++;
}

/**
 * Registers `socket` as `name` (PROTOCOL.md §6.1): a padded `hello` until
 * the `welcome` brings the token, then `list` with it until the first
 * contact page shows the registration complete; each resent after
 * REGISTER_RETRY_MS without an answer (re-encoded: a fresh nonce each time).
 */
async function register(socket: Socket, name: string, reg: Registration, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const hello = paddedHello(name, authKey ? { auth: authKey } : undefined);
  while (reg.pages.size === 0) {
    if (performance.now() > deadline) {
      const step = reg.token ? 'no contact list after its list' : 'no welcome';
      throw new Error(`${name} got ${step} within ${timeoutMs} ms${firstError ? ` (${firstError})` : ''}`);
    }
    socket.send(reg.token ? encodeOut({ kind: 'list', epoch: 0, version: 0 }, reg.token) : encodeOut(hello, null));
    const sentWithToken = reg.token !== null;
    for (let i = 0; i < REGISTER_RETRY_MS / 10 && reg.pages.size === 0 && (reg.token !== null) === sentWithToken; i++) await sleep(10);
  }
}

async function setup(req: Extract<LoadgenRequest, { cmd: 'setup' }>): Promise<{ contactsListed: number; setupMs: number }> {
  const started = performance.now();
  targetPid = req.target.pid;
  bodyBytes = req.bodyBytes;
  const runTag = `b${Date.now().toString(36)}xxxxxxxxxxxxx`.slice(0, 13);
  authKey = req.secret === null ? null : createAuthKey(req.secret);
  const signer = authKey ? new Signer(authKey) : null;
  await connectUdp(sender, req.target.port);
  await connectUdp(receiver, (req.receiverTarget ?? req.target).port);
  if (req.mode === 'bare') {
    // No relay to hand out tokens: a fixed random one, so the forwarder carries datagrams of the relay case's size.
    const token = randomBytes(TOKEN_BYTES);
    chats = new ChatTemplate(SENDER_NAME, RECEIVER_NAME, bodyBytes, runTag, token, signer);
    acks = new AckBuilder(SENDER_NAME, token, signer);
    return { contactsListed: 0, setupMs: performance.now() - started };
  }
  await register(receiver, RECEIVER_NAME, receiverReg, req.timeoutMs);
  await register(sender, SENDER_NAME, senderReg, req.timeoutMs);
  const senderToken = senderReg.token as Uint8Array;
  const receiverToken = receiverReg.token as Uint8Array;
  chats = new ChatTemplate(SENDER_NAME, RECEIVER_NAME, bodyBytes, runTag, senderToken, signer);
  acks = new AckBuilder(SENDER_NAME, receiverToken, signer);
  // The sender's contact list: everyone else online (the receiver and any crowd). Lost pages are not waited for long.
  const pagesDeadline = performance.now() + 2000;
  while ((senderReg.pagesTotal < 0 || senderReg.pages.size < senderReg.pagesTotal) && performance.now() < pagesDeadline) await sleep(10);
  let contactsListed = 0;
  for (const n of senderReg.pages.values()) contactsListed += n;
  let hbSeq = 0;
  heartbeatTimer = setInterval(() => {
    hbSeq++;
    sender.send(encodeOut({ kind: 'heartbeat', seq: hbSeq }, senderToken));
    receiver.send(encodeOut({ kind: 'heartbeat', seq: hbSeq }, receiverToken));
  }, req.heartbeatIntervalMs);
  return { contactsListed, setupMs: performance.now() - started };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

function summarize(): LatencySummary | null {
  if (sampleCount === 0) return null;
  const sorted = samples.slice(0, sampleCount).sort();
  const count = sampleCount;
  sampleCount = 0;
  let sum = 0;
  for (const v of sorted) sum += v;
  const us = (ms: number): number => Math.round(ms * 1000 * 10) / 10;
  return {
    samples: count,
    p50Us: us(percentile(sorted, 0.5)),
    p99Us: us(percentile(sorted, 0.99)),
    p999Us: us(percentile(sorted, 0.999)),
    minUs: us(sorted[0] as number),
    maxUs: us(sorted[sorted.length - 1] as number),
    meanUs: us(sum / count),
  };
}

async function run(opts: RunOptions): Promise<RunResult> {
  windowSize = opts.window;
  rtoMs = opts.rtoMs;
  running = true;
  const rtoTimer = setInterval(retransmitDue, Math.max(5, Math.floor(opts.rtoMs / 10)));
  try {
    pump();
    await sleep(opts.warmupMs);
    const cpu0 = process.cpuUsage();
    const target0 = trySampleProcess(targetPid);
    const c0: RunCounts = { ...counters };
    const t0 = performance.now();
    recording = opts.latency;
    await sleep(opts.durationMs);
    const t1 = performance.now();
    const c1: RunCounts = { ...counters };
    const target1 = trySampleProcess(targetPid);
    const cpu = process.cpuUsage(cpu0);
    recording = false;
    running = false;
    const drainUntil = performance.now() + DRAIN_MS;
    while (inFlight > 0 && performance.now() < drainUntil) await sleep(5);
    const counts = zeroRunCounts();
    for (const k of RUN_COUNT_KEYS) counts[k] = c1[k] - c0[k];
    return {
      seconds: (t1 - t0) / 1000,
      ...counts,
      target: target0 && target1 ? { before: target0, after: target1 } : null,
      loadgenCpuS: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    running = false;
    recording = false;
    clearInterval(rtoTimer);
  }
}

function close(): void {
  if (heartbeatTimer) clearInterval(heartbeatTimer);
  closeQuietly(sender);
  closeQuietly(receiver);
}

async function handle(req: Exclude<LoadgenRequest, { cmd: 'stop' }>): Promise<LoadgenReply> {
  switch (req.cmd) {
    case 'setup': {
      const { contactsListed, setupMs } = await setup(req);
      return { type: 'setup-done', id: req.id, contactsListed, setupMs };
    }
    case 'run':
      return { type: 'run-done', id: req.id, result: await run(req) };
    case 'latency-summary':
      return { type: 'latency', id: req.id, latency: summarize() };
  }
}

async function start(): Promise<void> {
  const send = serve<LoadgenRequest, LoadgenReply>({
    handle,
    close,
    // The benchmark went away without stopping us: stop the target too (it may be orphaned).
    orphaned: () => {
      if (targetPid <= 0) return;
      try {
        process.kill(targetPid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  });
  sender = await bindSocket();
  receiver = await bindSocket();
  sender.on('message', onSenderDatagram);
  receiver.on('message', onReceiverDatagram);
  send({ type: 'ready', senderPort: sender.address().port, receiverPort: receiver.address().port });
}

void start();
