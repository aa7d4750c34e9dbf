/**
 * `pnpm bench client [--json]`: the client's rendering benchmark.
 *  1. frame time and memory against history size (1,000 / 10,000 / 100,000 messages);
 *  2. keystroke latency while 1,000 messages arrive within one second, from
 *     synthetic events and over real UDP through the relay;
 *  3. the stored history (stored.tsx): a history file of 1,000 / 100,000
 *     messages: open time, time to first frame, PgUp frame times while paging back.
 * Ink renders into a fake 120 x 40 TTY; a table is printed, and with --json
 * one JSON object on the last line.
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { burstBench, type BurstResult } from './burst.js';
import { historyBench, type HistoryResult } from './history.js';
import { storedHistoryBench, type StoredRow } from './stored.js';
import { startRelayPeer } from './relayPeer.js';
import { round } from './stats.js';

/** Keystroke-to-screen target of the spec, in ms. */
const KEY_TARGET_MS = 100;
/** "Flat": the p50 frame at the largest size is within this factor (or FLAT_SLACK_MS) of the smallest. */
const FLAT_FACTOR = 1.5;
const FLAT_SLACK_MS = 1;

/** Everything `--json` prints. */
export interface ClientBenchReport {
  bench: 'client';
  date: string;
  node: string;
  cpu: string;
  cores: number;
  nodeEnv: string | undefined;
  terminal: { columns: number; rows: number };
  history: HistoryResult;
  bursts: BurstResult[];
  /** The stored history (history files of each size). */
  stored: StoredRow[];
  targets: {
    /** p50 frame at the largest size / at the smallest. */
    frameP50Ratio: number;
    frameTimeFlat: boolean;
    /** Heap per stored message (largest minus smallest size), in bytes. */
    heapBytesPerMessage: number;
    keyLatencyTargetMs: number;
    keyLatencyMet: boolean;
    /** PgUp p50 frame at the largest stored history / at the smallest. */
    pageUpP50Ratio: number;
  };
  durationMs: number;
}

const USAGE = 'usage: pnpm bench client [--json] [--frames N] [--sizes 1000,10000,100000] [--stored-sizes 1000,100000] [--page-ups N]';

async function main(argv: string[]): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        frames: { type: 'string', default: '50' },
        sizes: { type: 'string', default: '1000,10000,100000' },
        'stored-sizes': { type: 'string', default: '1000,100000' },
        'page-ups': { type: 'string', default: '200' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`bench-client: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const extra = positionals.filter((p) => p !== 'client');
  const frames = Number(values.frames);
  const sizes = values.sizes.split(',').map(Number);
  const storedSizes = values['stored-sizes'].split(',').map(Number);
  const pageUps = Number(values['page-ups']);
  const bad = (list: number[]) => list.some((s) => !Number.isInteger(s) || s < 1);
  if (extra.length > 0 || !Number.isInteger(frames) || frames < 1 || bad(sizes) || bad(storedSizes) || !Number.isInteger(pageUps) || pageUps < 1) {
    process.stderr.write(`bench-client: bad arguments\n${USAGE}\n`);
    return 2;
  }
  sizes.sort((a, b) => a - b);

  const started = performance.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const terminal = { columns: 120, rows: 40 };
  const gc = fullGc();

  log(`client bench: ${terminal.columns}x${terminal.rows} fake TTY, NODE_ENV=${process.env.NODE_ENV ?? ''}, gc ${gc ? 'on' : 'off'}`);
  const history = await historyBench({ sizes, frames, warmup: 25, ...terminal, gc, log });
  const burstOptions = { messages: 1000, durationMs: 1000, keyEveryMs: 20, ...terminal, log };
  const bursts: BurstResult[] = [];
  // 10,000 = the client's default cap (runTui keeps maxEntries at 10,000); 100,000 = the spec's history, at the cap.
  for (const history of [10_000, 100_000]) bursts.push(await burstBench({ ...burstOptions, source: { kind: 'fake', history } }));
  const peer = await startRelayPeer();
  try {
    bursts.push(await burstBench({ ...burstOptions, source: { kind: 'relay', peer } }));
  } finally {
    await peer.stop();
  }

  const stored = await storedHistoryBench({ sizes: storedSizes.sort((a, b) => a - b), pageUps, ...terminal, log });
  const firstStored = stored[0];
  const lastStored = stored[stored.length - 1];

  const first = history.rows[0];
  const last = history.rows[history.rows.length - 1];
  const ratio = first && last ? last.frameMs.p50 / first.frameMs.p50 : Number.NaN;
  const flat = first && last ? last.frameMs.p50 <= Math.max(first.frameMs.p50 * FLAT_FACTOR, first.frameMs.p50 + FLAT_SLACK_MS) : false;
  const perMessage =
    first && last && last.messages > first.messages
      ? ((last.heapUsedMiB - first.heapUsedMiB) * 1024 * 1024) / (last.messages - first.messages)
      : Number.NaN;
  const report: ClientBenchReport = {
    bench: 'client',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    nodeEnv: process.env.NODE_ENV,
    terminal,
    history,
    bursts,
    stored,
    targets: {
      frameP50Ratio: round(ratio, 2),
      frameTimeFlat: flat,
      heapBytesPerMessage: Math.round(perMessage),
      keyLatencyTargetMs: KEY_TARGET_MS,
      keyLatencyMet: bursts.every((b) => b.keyLatencyMs.max <= KEY_TARGET_MS && b.keysShown === b.keys),
      pageUpP50Ratio: firstStored && lastStored ? round(lastStored.pageUpFrameMs.p50 / firstStored.pageUpFrameMs.p50, 2) : Number.NaN,
    },
    durationMs: Math.round(performance.now() - started),
  };
  process.stdout.write(table(report));
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  return 0;
}

/** The report as text tables. */
export function table(r: ClientBenchReport): string {
  const pad = (cells: Array<string | number>, widths: number[]) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0))).join('  ');
  const out: string[] = [];
  out.push(`udpchat client bench · ${r.date} · node ${r.node} · ${r.cores} cores · ${r.cpu} · NODE_ENV=${r.nodeEnv ?? ''}`);
  out.push(
    `Ink 6 into a fake ${r.terminal.columns}x${r.terminal.rows} TTY; frame = one incoming message -> store.flush() -> frame written ` +
      `(~${r.history.rows[0]?.frameBytes ?? 0} bytes per frame)`,
  );
  out.push('');
  const hw = [10, 7, 7, 7, 6, 6, 6, 6, 8, 9, 12];
  out.push(pad(['history', 'p50 ms', 'p95 ms', 'max ms', 'store', 'react', 'ink', 'write', 'RSS MiB', 'heap MiB', 'heap +frames'], hw));
  for (const row of r.history.rows) {
    const b = row.breakdownMs;
    out.push(
      pad(
        [row.messages.toLocaleString('en-US'), row.frameMs.p50, row.frameMs.p95, row.frameMs.max, b.store, b.reactAndLayout, b.inkOutput, b.write, row.rssMiB, row.heapUsedMiB, row.heapGrowthOverFramesMiB],
        hw,
      ),
    );
  }
  out.push(
    `store/react/ink/write: medians of event+snapshot, React render+commit+Yoga layout, Ink's output string, log-update write (ms).`,
  );
  out.push(
    `RSS/heap after the frames and a full GC; "heap +frames": heap change over the measured frames. Empty conversation: RSS ${r.history.baselineRssMiB} MiB, heap ${r.history.baselineHeapUsedMiB} MiB.` +
      (r.history.rows.every((row) => row.allSameTurn) ? '' : ' Some frames waited on Ink\'s 30 fps throttle.'),
  );
  out.push('');
  const bw = [24, 9, 9, 6, 8, 8, 8, 9, 9, 7, 7];
  out.push(pad(['burst (1,000 msgs)', 'received', 'span ms', 'keys', 'key p50', 'key p99', 'key max', 'loop p99', 'loop max', 'CPU ms', 'frames'], bw));
  for (const b of r.bursts) {
    out.push(
      pad(
        [
          b.source === 'fake' ? `synthetic, ${b.history.toLocaleString('en-US')} hist` : 'UDP via relay',
          b.received,
          b.arrivalSpanMs,
          `${b.keysShown}/${b.keys}`,
          b.keyLatencyMs.p50,
          b.keyLatencyMs.p99,
          b.keyLatencyMs.max,
          b.eventLoopDelayMs.p99,
          b.eventLoopDelayMs.max,
          b.cpuMs,
          b.frames,
        ],
        bw,
      ),
    );
  }
  out.push('');
  const sw = [18, 8, 8, 9, 8, 8, 8, 7, 11, 7, 9, 9];
  out.push(pad(['stored history', 'file MiB', 'open ms', 'frame 1 ms', 'PgUp p50', 'PgUp p95', 'PgUp max', 'PgUps', 'page reads', 'window', 'back', 'search ms'], sw));
  for (const s of r.stored) {
    out.push(
      pad(
        [
          `${s.messages.toLocaleString('en-US')} messages`,
          s.fileMiB,
          s.openMs,
          s.firstFrameMs,
          s.pageUpFrameMs.p50,
          s.pageUpFrameMs.p95,
          s.pageUpFrameMs.max,
          s.pageUpFrameMs.frames,
          `${s.pageReads.count} x ${s.pageReads.p50}`,
          s.maxWindow,
          s.pagedBack,
          s.searchMs,
        ],
        sw,
      ),
    );
  }
  out.push(`PgUp: key to frame written (ms); page reads: pages of 100 read from the file while paging (count x p50 ms); window: most entries in memory; back: messages paged back.`);
  out.push('');
  const t = r.targets;
  out.push(
    `frame time vs history: p50 ${last(r).frameMs.p50} ms at ${last(r).messages.toLocaleString('en-US')} vs ${r.history.rows[0]?.frameMs.p50} ms at ` +
      `${r.history.rows[0]?.messages.toLocaleString('en-US')} (x${t.frameP50Ratio}) -> ${t.frameTimeFlat ? 'flat: met' : 'NOT flat'}`,
  );
  if (Number.isFinite(t.heapBytesPerMessage)) {
    out.push(`memory: ~${t.heapBytesPerMessage} B of heap per stored message (the history itself); frames add ~nothing (heap +frames)`);
  }
  out.push(
    `keystroke shown within ${t.keyLatencyTargetMs} ms during the bursts: ${t.keyLatencyMet ? 'met' : 'NOT met'} (worst ${Math.max(...r.bursts.map((b) => b.keyLatencyMs.max))} ms)`,
  );
  out.push(`PgUp frame vs stored history: p50 x${t.pageUpP50Ratio} from the smallest to the largest file`);
  out.push(`run took ${(r.durationMs / 1000).toFixed(1)} s`);
  return `${out.join('\n')}\n`;
}

function last(r: ClientBenchReport) {
  const row = r.history.rows[r.history.rows.length - 1];
  if (!row) throw new Error('no history rows');
  return row;
}

/** A full garbage collection: global.gc with --expose-gc, else enabled at run time through V8 flags; null if neither works. */
function fullGc(): (() => void) | null {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => (gc as () => void)() : null;
  } catch {
    return null;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Ink's exit hooks and the sessions' sockets are gone by now; do not wait for stray timers.
    setTimeout(() => process.exit(code), 100).unref();
  },
  (err: unknown) => {
    process.stderr.write(`bench-client: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
