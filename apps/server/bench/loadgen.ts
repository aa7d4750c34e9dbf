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
 * Both sockets are connected to the target (no address lookup per send);
 * datagrams are built from templates and parsed in place (wire.ts), and one
 * chat in 4096 is fully decoded and checked.
 * Counters are snapshotted at the edges of the measured window, together
 * with the target's CPU time from /proc (so no IPC round trip sits inside the window).
 */
import type { Socket } from 'node:dgram';
import { decode, encode } from '@udpchat/protocol';
import { RUN_COUNT_KEYS, zeroRunCounts, type LatencySummary, type LoadgenReply, type LoadgenRequest, type RunCounts, type RunOptions, type RunResult } from './ipc.js';
import { clockTicksPerSecond, trySampleProcess } from './procstat.js';
import { serve } from './serve.js';
import { bindUdp, closeQuietly, connectUdp, sleep, TARGET_HOST } from './udp.js';
import { AckBuilder, ChatTemplate, chatSeq, contactsOnPage, contactsPageOf, KIND, kindOf, parseAck, type AckView } from './wire.js';

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
const ackView: AckView = { upTo: 0, ranges: [] };
// Once now (it runs `getconf`), not inside the first measured window.
clockTicksPerSecond();

/** Registration progress, per socket. */
const registration = {
  senderWelcomed: false,
  receiverWelcomed: false,
  pages: new Map<number, number>(),
  pagesTotal: -1,
};

function sendChat(seq: number, now: number): void {
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
  receiver.send(acks.build(rcvUpTo, rcvAbove.size === 0 ? [] : rangesOf(rcvAbove)));
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
  if (kind === KIND.ack) {
    counters.acksForwarded++;
    if (parseAck(b, ackView)) onAck(ackView);
    else counters.corrupt++;
  } else if (kind === KIND.relayAck) counters.relayAcks++;
  else if (kind === KIND.error) noteError(b);
  else if (kind === KIND.welcome) registration.senderWelcomed = true;
  else if (kind === KIND.contacts) {
    const { page, pages } = contactsPageOf(b);
    registration.pagesTotal = pages;
    registration.pages.set(page, contactsOnPage(b));
  } else counters.otherDatagrams++;
}

function onReceiverDatagram(b: Buffer): void {
  const kind = kindOf(b);
  if (kind === KIND.chat) onChat(b);
  else if (kind === KIND.error) noteError(b);
  else if (kind === KIND.welcome) registration.receiverWelcomed = true;
  else counters.otherDatagrams++;
}

/** Sends hello from `socket` every 250 ms until `done()` or `timeoutMs`. */
async function register(socket: Socket, name: string, done: () => boolean, timeoutMs: number): Promise<void> {
  const hello = encode({ kind: 'hello', name });
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`${name} got no welcome within ${timeoutMs} ms${firstError ? ` (${firstError})` : ''}`);
    socket.send(hello);
    for (let i = 0; i < 25 && !done(); i++) await sleep(10);
  }
}

async function setup(req: Extract<LoadgenRequest, { cmd: 'setup' }>): Promise<{ contactsListed: number; setupMs: number }> {
  const started = performance.now();
  targetPid = req.target.pid;
  bodyBytes = req.bodyBytes;
  const runTag = `b${Date.now().toString(36)}xxxxxxxxxxxxx`.slice(0, 13);
  chats = new ChatTemplate(SENDER_NAME, RECEIVER_NAME, bodyBytes, runTag);
  acks = new AckBuilder(SENDER_NAME);
  await connectUdp(sender, req.target.port);
  await connectUdp(receiver, req.target.port);
  if (req.mode === 'bare') return { contactsListed: 0, setupMs: performance.now() - started };
  await register(receiver, RECEIVER_NAME, () => registration.receiverWelcomed, req.timeoutMs);
  await register(sender, SENDER_NAME, () => registration.senderWelcomed, req.timeoutMs);
  // The sender's contact list: everyone else online (the receiver and any crowd). Lost pages are not waited for long.
  const pagesDeadline = performance.now() + 2000;
  while ((registration.pagesTotal < 0 || registration.pages.size < registration.pagesTotal) && performance.now() < pagesDeadline) await sleep(10);
  let contactsListed = 0;
  for (const n of registration.pages.values()) contactsListed += n;
  let hbSeq = 0;
  heartbeatTimer = setInterval(() => {
    const hb = encode({ kind: 'heartbeat', seq: ++hbSeq });
    sender.send(hb);
    receiver.send(hb);
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
