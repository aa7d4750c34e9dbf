/**
 * Input latency under a burst: 1,000 incoming messages within one second
 * while a key is typed every 20 ms. For each key, the time from when it was
 * due (a real key would wait in the tty buffer while the event loop is busy)
 * until a frame whose input line shows it reaches the terminal.
 */
import type { EventEmitter } from 'node:events';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { GROUP_ALL } from '@udpchat/protocol';
import type { SessionEvents } from '../../dist/net/session.js';
import { ChatStore, type ChatBackend } from '../../dist/state/store.js';
import { inputPrompt } from '../../dist/ui/components/InputLine.js';
import { FakeBackend, syntheticMessage } from './fakeBackend.js';
import { mountApp } from './mount.js';
import { max, percentile, round, sleep } from './stats.js';
import { FakeStdin, FakeStdout, inputText, plainText } from './terminal.js';
import type { RelayPeer } from './relayPeer.js';

/** Where the burst comes from. */
export type BurstSource =
  /** 'chat' events from a fake session in this thread: only the store and the UI cost anything. */
  | { kind: 'fake'; history: number }
  /** Real UDP: a sender session and the relay in a worker thread, the client a real ChatSession here. */
  | { kind: 'relay'; peer: RelayPeer };

/** Options of `burstBench`. */
export interface BurstOptions {
  source: BurstSource;
  /** Messages in the burst. */
  messages: number;
  /** Time the burst is spread over, in ms. */
  durationMs: number;
  /** Time between two keys, in ms. */
  keyEveryMs: number;
  /** Terminal width in columns. */
  columns: number;
  /** Terminal height in rows. */
  rows: number;
  log: (line: string) => void;
}

/** Results of one burst. */
export interface BurstResult {
  /** `fake` (synthetic events) or `relay` (real UDP through the relay). */
  source: 'fake' | 'relay';
  /** Messages in the conversation before the burst. */
  history: number;
  /** Messages that arrived at the client (its store). */
  received: number;
  /** From the first to the last message arriving, in ms. */
  arrivalSpanMs: number;
  /** Keys typed. */
  keys: number;
  /** Keys seen on screen before the end. */
  keysShown: number;
  /** From a key being due to the first frame that shows it, in ms. */
  keyLatencyMs: { p50: number; p99: number; max: number };
  /** How late the key could be handed to Ink at all (event loop busy), worst case, in ms. */
  keyInjectLateMaxMs: number;
  /** Event-loop delay while the burst ran (perf_hooks, 5 ms resolution), in ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** CPU time of the process (all threads) from first to last message, user + system, in ms. */
  cpuMs: number;
  /** Frames written to the terminal from the first key to the last message (Ink caps them at 30/s). */
  frames: number;
  /** Whether the newest message was on screen at the end. */
  lastMessageShown: boolean;
}

const KEYS = 'abcdefghijklmnopqrstuvwxyz';
/** Keys start this long before the first message and go on this long after the last, in ms. */
const KEY_LEAD_MS = 100;
const KEY_TAIL_MS = 300;

/** Runs one burst against a freshly mounted app. */
export async function burstBench(o: BurstOptions): Promise<BurstResult> {
  const stdout = new FakeStdout(o.columns, o.rows, (frame, at) => onFrame(frame, at));
  const stderr = new FakeStdout(o.columns, o.rows);
  const stdin = new FakeStdin();
  const fake = o.source.kind === 'fake' ? new FakeBackend('alice') : null;
  const session: EventEmitter<SessionEvents> = fake ?? (o.source as { peer: RelayPeer }).peer.client;
  const backend: ChatBackend = fake ? fake.asBackend() : (o.source as { peer: RelayPeer }).peer.client;
  const history = o.source.kind === 'fake' ? o.source.history : 0;
  const store = new ChatStore(backend, { maxEntries: Math.max(10_000, history) });
  if (fake) {
    for (let i = 0; i < history; i++) fake.emit('chat', syntheticMessage(i, 'old'));
  }
  store.flush();

  // Keys: due times, when they were handed to Ink, when they were first seen.
  const prompt = inputPrompt(GROUP_ALL);
  let typed = '';
  const due: number[] = [];
  const injected: number[] = [];
  const shown: number[] = [];
  function onFrame(frame: string, at: number): void {
    const text = inputText(frame, prompt);
    if (text === null || !typed.startsWith(text)) return; // the placeholder, before the first key
    for (let k = 0; k < text.length; k++) if (shown[k] === undefined) shown[k] = at;
  }

  const ink = mountApp(store, o, { stdout, stderr, stdin });

  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  const count = () => {
    const now = performance.now();
    if (received++ === 0) firstAt = now;
    lastAt = now;
  };
  session.on('chat', count);

  try {
    await stdout.frameAfter(0, 5000);
    await sleep(200);
    const framesBefore = stdout.frames;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    const start = performance.now() + KEY_LEAD_MS;
    const keyCount = Math.floor((KEY_LEAD_MS + o.durationMs + KEY_TAIL_MS) / o.keyEveryMs);
    // Keys, each on its own timer at its due time.
    const keysDone = new Promise<void>((resolve) => {
      const typeKey = (k: number) => {
        const key = KEYS[k % KEYS.length] as string;
        typed += key;
        injected[k] = performance.now();
        stdin.type(key);
        if (k + 1 === keyCount) return resolve();
        due[k + 1] = start - KEY_LEAD_MS + (k + 1) * o.keyEveryMs;
        setTimeout(() => typeKey(k + 1), (due[k + 1] as number) - performance.now());
      };
      due[0] = start - KEY_LEAD_MS;
      setTimeout(() => typeKey(0), 0);
    });
    loop.enable();
    await sleep(start - performance.now());
    const cpu0 = process.cpuUsage();
    if (fake) {
      await fakeBurst(fake, o.messages, o.durationMs, start);
    } else {
      const peer = (o.source as { peer: RelayPeer }).peer;
      await peer.burst(o.messages, o.durationMs);
      // Wait for the datagrams still on their way (or lost and retransmitted).
      const deadline = performance.now() + 5000;
      while (received < o.messages && performance.now() < deadline) await sleep(5);
    }
    const cpu = process.cpuUsage(cpu0);
    loop.disable();
    const frames = stdout.frames - framesBefore;
    await keysDone;
    // Let the last key and message reach the screen.
    const settle = performance.now() + 1000;
    while (shown.length < keyCount && performance.now() < settle) await sleep(5);
    await sleep(100);
    const lastText = `${fake ? 'msg' : 'relay'} ${o.messages} `;
    const lastMessageShown = plainText(stdout.lastFrame).includes(lastText);

    const latencies: number[] = [];
    const late: number[] = [];
    for (let k = 0; k < keyCount; k++) {
      const seen = shown[k];
      // A key never shown counts as the whole wait: it failed the target.
      latencies.push((seen ?? performance.now()) - (due[k] as number));
      late.push((injected[k] as number) - (due[k] as number));
    }
    const ms = (ns: number) => round(ns / 1e6, 1);
    const result: BurstResult = {
      source: o.source.kind,
      history,
      received,
      arrivalSpanMs: round(lastAt - firstAt, 0),
      keys: keyCount,
      keysShown: shown.filter((s) => s !== undefined).length,
      keyLatencyMs: { p50: round(percentile(latencies, 50), 1), p99: round(percentile(latencies, 99), 1), max: round(max(latencies), 1) },
      keyInjectLateMaxMs: round(max(late), 1),
      eventLoopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
      cpuMs: round((cpu.user + cpu.system) / 1000, 0),
      frames,
      lastMessageShown,
    };
    o.log(
      `burst (${result.source}): ${result.received} messages in ${result.arrivalSpanMs} ms, key latency max ${result.keyLatencyMs.max} ms, event-loop p99 ${result.eventLoopDelayMs.p99} ms`,
    );
    return result;
  } finally {
    session.off('chat', count);
    ink.unmount();
    ink.cleanup();
    store.dispose();
  }
}

/**
 * Emits `count` messages, message i due at `start + i * durationMs / count`:
 * a 1 ms timer emits every message already due, so a busy event loop gets
 * them in batches (like datagrams queued in a socket buffer), never later overall.
 */
function fakeBurst(fake: FakeBackend, count: number, durationMs: number, start: number): Promise<void> {
  return new Promise((resolve) => {
    let i = 0;
    const pump = () => {
      const now = performance.now();
      while (i < count && start + (i * durationMs) / count <= now) fake.emit('chat', syntheticMessage(i++));
      if (i < count) setTimeout(pump, 1);
      else resolve();
    };
    pump();
  });
}
