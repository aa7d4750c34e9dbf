/**
 * Frame time and memory against history size: the open conversation is
 * filled with 1,000 / 10,000 / 100,000 messages, then one new message at a
 * time is pushed and the time until its frame reaches the terminal is taken.
 */
import { performance } from 'node:perf_hooks';
import { ChatStore } from '../../dist/state/store.js';
import { FakeBackend, syntheticMessage } from './fakeBackend.js';
import { mountApp } from './mount.js';
import { max, mib, percentile, round, sleep } from './stats.js';
import { FakeStdin, FakeStdout } from './terminal.js';

/** Options of `historyBench`. */
export interface HistoryOptions {
  /** History sizes to measure, in messages, ascending. */
  sizes: readonly number[];
  /** Frames measured per size. */
  frames: number;
  /** Frames rendered and discarded before measuring each size (JIT, caches). */
  warmup: number;
  /** Terminal width in columns. */
  columns: number;
  /** Terminal height in rows. */
  rows: number;
  /** Full garbage collection, if available. */
  gc: (() => void) | null;
  /** Progress lines. */
  log: (line: string) => void;
}

/** Median time of each part of a frame, in ms. */
export interface FrameBreakdown {
  /** The 'chat' event (sanitise, append) and the store's snapshot, until the first listener runs. */
  store: number;
  /** React render + commit of the app and Yoga layout, until Ink starts drawing. */
  reactAndLayout: number;
  /** Ink drawing the laid-out tree into a string (its `onRender` renderTime). */
  inkOutput: number;
  /** log-update: erase the old frame, write the new one. */
  write: number;
}

/** Results for one history size. */
export interface HistoryRow {
  /** Messages in the open conversation. */
  messages: number;
  /** Time to push the messages that were added for this size and show them, in ms. */
  fillMs: number;
  /** Frames measured. */
  frames: number;
  /** Size of the last frame written (escape codes included), in bytes of UTF-8. */
  frameBytes: number;
  /** From the 'chat' event to the frame written to the terminal, in ms. */
  frameMs: { p50: number; p95: number; max: number };
  /** Median per part, in ms. */
  breakdownMs: FrameBreakdown;
  /**
   * Whether every frame was written in the same event-loop turn as the event
   * (React renders in a microtask; nothing waited on Ink's 30 fps throttle).
   */
  allSameTurn: boolean;
  /** Process resident set size after this size's frames (after a full GC when available), in MiB. */
  rssMiB: number;
  /** V8 heap in use at the same moment, in MiB. */
  heapUsedMiB: number;
  /**
   * Heap in use after minus before the measured frames (both after a full GC), in MiB:
   * rendering should leave nothing behind. (RSS over the same frames is not
   * reported: V8 keeps freed young-generation pages committed for a while, so
   * it moves by tens of MiB either way between two samples.)
   */
  heapGrowthOverFramesMiB: number;
}

/** The whole history benchmark. */
export interface HistoryResult {
  /** RSS with the app on screen and an empty conversation, in MiB. */
  baselineRssMiB: number;
  /** Heap in use at the same moment, in MiB. */
  baselineHeapUsedMiB: number;
  rows: HistoryRow[];
}

/** One measured frame, in ms (see FrameBreakdown), and whether it was written in the event's event-loop turn. */
interface FrameSample extends FrameBreakdown {
  total: number;
  sameTurn: boolean;
}

interface Marks {
  listenerAt: number;
  inkStartAt: number;
  inkRenderMs: number;
}

/** Pauses between frames, in ms: longer than Ink's 33 ms render throttle, so each frame is drawn at once. */
const FRAME_GAP_MS = 40;

/** Runs the history benchmark on one mounted app (sizes grow cumulatively). */
export async function historyBench(o: HistoryOptions): Promise<HistoryResult> {
  const stdout = new FakeStdout(o.columns, o.rows);
  const stderr = new FakeStdout(o.columns, o.rows);
  const stdin = new FakeStdin();
  const backend = new FakeBackend('alice');
  const maxSize = Math.max(...o.sizes);
  const store = new ChatStore(backend.asBackend(), { maxEntries: maxSize });
  const marks: Marks = { listenerAt: 0, inkStartAt: 0, inkRenderMs: 0 };
  // Subscribed before the app: runs first, right after the snapshot is built.
  store.subscribe(() => {
    marks.listenerAt = performance.now();
  });
  const ink = mountApp(store, o, { stdout, stderr, stdin }, ({ renderTime }) => {
    const now = performance.now();
    marks.inkStartAt = now - renderTime;
    marks.inkRenderMs = renderTime;
  });

  const memory = () => {
    o.gc?.();
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed };
  };

  let next = 0; // index of the next synthetic message
  const oneFrame = async (): Promise<FrameSample> => {
    const gap = FRAME_GAP_MS - (performance.now() - stdout.lastFrameAt);
    if (gap > 0) await sleep(gap);
    const before = stdout.frames;
    const t0 = performance.now();
    backend.emit('chat', syntheticMessage(next++));
    store.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const sameTurn = stdout.frames > before;
    if (!sameTurn) await stdout.frameAfter(before, 2000);
    const end = stdout.lastFrameAt;
    return {
      total: end - t0,
      store: marks.listenerAt - t0,
      reactAndLayout: marks.inkStartAt - marks.listenerAt,
      inkOutput: marks.inkRenderMs,
      write: end - (marks.inkStartAt + marks.inkRenderMs),
      sameTurn,
    };
  };

  try {
    await stdout.frameAfter(0, 5000);
    await sleep(100);
    const base = memory();
    const rows: HistoryRow[] = [];
    for (const size of o.sizes) {
      const t0 = performance.now();
      const before = stdout.frames;
      while (next < size) backend.emit('chat', syntheticMessage(next++));
      store.flush();
      await stdout.frameAfter(before, 5000);
      const fillMs = performance.now() - t0;
      for (let i = 0; i < o.warmup; i++) await oneFrame();
      // The frames add messages; they still count as this size (at most `frames` more).
      const mem0 = memory();
      const samples: FrameSample[] = [];
      for (let i = 0; i < o.frames; i++) samples.push(await oneFrame());
      const after = memory();
      const totals = samples.map((s) => s.total);
      const median = (pick: (s: FrameSample) => number) => round(percentile(samples.map(pick), 50), 2);
      const row: HistoryRow = {
        messages: size,
        fillMs: round(fillMs, 0),
        frames: samples.length,
        frameBytes: Buffer.byteLength(stdout.lastFrame, 'utf8'),
        frameMs: { p50: round(percentile(totals, 50), 2), p95: round(percentile(totals, 95), 2), max: round(max(totals), 2) },
        breakdownMs: {
          store: median((s) => s.store),
          reactAndLayout: median((s) => s.reactAndLayout),
          inkOutput: median((s) => s.inkOutput),
          write: median((s) => s.write),
        },
        allSameTurn: samples.every((s) => s.sameTurn),
        rssMiB: mib(after.rss),
        heapUsedMiB: mib(after.heapUsed),
        heapGrowthOverFramesMiB: mib(after.heapUsed - mem0.heapUsed),
      };
      rows.push(row);
      o.log(
        `history ${size}: frame p50 ${row.frameMs.p50} ms, p95 ${row.frameMs.p95} ms, RSS ${row.rssMiB} MiB (fill ${row.fillMs} ms)`,
      );
    }
    return { baselineRssMiB: mib(base.rss), baselineHeapUsedMiB: mib(base.heapUsed), rows };
  } finally {
    ink.unmount();
    ink.cleanup();
    store.dispose();
  }
}
