/**
 * Measures ReplayWindow (src/auth.ts): memory per remembered nonce and the
 * cost of `admit`. A measurement, not a test (vitest does not pick it up:
 * not *.test.ts). Offline, from the repository root:
 *
 *   npx tsc --outDir /tmp/replay-measure --module commonjs --moduleResolution node10 \
 *     --target es2022 --types node --skipLibCheck packages/protocol/test/measureReplayWindow.ts \
 *   && node --expose-gc /tmp/replay-measure/test/measureReplayWindow.js [entries | cap | cap-split | steady [rate]]
 *
 * Prints, for `entries` random nonces (default 1,000,000) admitted into one
 * generation: heap bytes per entry (V8 heap + ArrayBuffer backing stores,
 * after a full GC), admit() ns/op for fresh nonces (table growth included)
 * and for replays, and the longest single admit (a growth rehash). With
 * `cap`: a default ReplayWindow filled until 'full' in one generation; with
 * `cap-split`: 2^21 + 1 nonces in one generation and the rest in the next
 * (the largest pair of tables): entries, bytes and the RSS growth. With
 * `steady`: a default ReplayWindow fed `rate` nonces per simulated second
 * (default 33,000) for 5 generations: verdicts, the longest single admit
 * from the second generation on, bytes at the end.
 */
import { randomFillSync } from 'node:crypto';
import { ReplayWindow } from '../src/auth.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const mode = process.argv[2] ?? '1000000';
const HOUR = 3_600_000; // no rotation during a run
const T0 = 1_767_225_600_000;

function bytesNow(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Every pool made, so that none is freed while bytes are being counted. */
const pools: Uint8Array[] = [];

/** `count` random 8-byte nonces, back to back. */
function randomNonces(count: number): Uint8Array {
  const pool = new Uint8Array(count * 8);
  for (let at = 0; at < pool.length; at += 65_536) randomFillSync(pool.subarray(at, Math.min(pool.length, at + 65_536)));
  pools.push(pool);
  return pool;
}

const nonce = new Uint8Array(8); // reused: admit keeps no reference to it
function load(pool: Uint8Array, i: number): Uint8Array {
  const o = i * 8;
  for (let b = 0; b < 8; b++) nonce[b] = pool[o + b]!;
  return nonce;
}

function run(pool: Uint8Array, count: number, w: ReplayWindow): { ns: number; verdicts: Record<string, number> } {
  const verdicts: Record<string, number> = { fresh: 0, replay: 0, full: 0 };
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) verdicts[w.admit(load(pool, i), T0)]!++;
  return { ns: Number(process.hrtime.bigint() - start) / count, verdicts };
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Runs admit on a throwaway window until it is compiled. */
function warmUp(): void {
  const warm = randomNonces(200_000);
  for (let r = 0; r < 3; r++) {
    const w = new ReplayWindow(HOUR, 10_000_000);
    run(warm, 200_000, w);
    run(warm, 200_000, w);
  }
}

function measureEntries(entries: number): void {
  const pool = randomNonces(entries);
  const before = bytesNow();
  const w = new ReplayWindow(HOUR, 100_000_000);
  const fresh = run(pool, entries, w);
  const after = bytesNow();
  const replay = run(pool, entries, w);
  if (fresh.verdicts.fresh !== entries || replay.verdicts.replay !== entries) {
    console.log('unexpected verdicts', fresh.verdicts, replay.verdicts);
  }
  console.log(`${fmt(entries, 0)} entries: ${fmt((after - before) / entries)} bytes/entry (${fmt((after - before) / 1e6)} MB)`);
  console.log(`admit fresh: ${fmt(fresh.ns)} ns/op (growth included); admit replay: ${fmt(replay.ns)} ns/op`);

  // the longest single admit while filling a new window to `entries`
  const w2 = new ReplayWindow(HOUR, 100_000_000);
  let longest = 0n;
  for (let i = 0; i < entries; i++) {
    const s = process.hrtime.bigint();
    w2.admit(load(pool, i), T0);
    const d = process.hrtime.bigint() - s;
    if (d > longest) longest = d;
  }
  console.log(`longest single admit while filling to ${fmt(entries, 0)}: ${fmt(Number(longest) / 1e6, 2)} ms`);
}

/** A default ReplayWindow filled until 'full', the first `split` nonces (if any) in the older generation. */
function measureCap(split: number): void {
  const chunk = 1_000_000;
  const chunkPool = randomNonces(chunk);
  const base = bytesNow();
  const rssBefore = process.memoryUsage().rss;
  const capped = new ReplayWindow();
  let now = T0;
  let admitted = 0;
  for (let i = 0; ; i++) {
    if (i > 0 && i % chunk === 0) randomFillSync(chunkPool);
    if (split > 0 && i === split) now += 60_000; // the next generation
    const verdict = capped.admit(load(chunkPool, i % chunk), now);
    if (verdict === 'full') break;
    if (verdict === 'fresh') admitted++;
  }
  const total = bytesNow() - base;
  console.log(
    `default cap${split > 0 ? `, ${fmt(split, 0)} in the older generation` : ', one generation'}: ${fmt(admitted, 0)} entries (size ${fmt(capped.size, 0)}), ` +
      `${fmt(total / 1e6)} MB (${fmt(total / admitted)} bytes/entry), RSS +${fmt((process.memoryUsage().rss - rssBefore) / 1e6)} MB`,
  );
}

/** `rate` random nonces per simulated second into a default ReplayWindow, for 5 generations (300 s). */
function measureSteady(rate: number): void {
  const chunk = 1_000_000;
  const chunkPool = randomNonces(chunk);
  const base = bytesNow();
  const w = new ReplayWindow();
  const verdicts: Record<string, number> = { fresh: 0, replay: 0, full: 0 };
  const count = rate * 300;
  let longest = 0n;
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % chunk === 0) randomFillSync(chunkPool);
    const now = T0 + (i * 1000) / rate;
    const s = process.hrtime.bigint();
    verdicts[w.admit(load(chunkPool, i % chunk), now)]!++;
    const d = process.hrtime.bigint() - s;
    if (i >= rate * 60 && d > longest) longest = d;
  }
  const total = bytesNow() - base;
  console.log(
    `steady ${fmt(rate, 0)}/s for 300 s: ${JSON.stringify(verdicts)}, size ${fmt(w.size, 0)}, ${fmt(total / 1e6)} MB; ` +
      `longest single admit after the first generation: ${fmt(Number(longest) / 1e6, 2)} ms`,
  );
}

warmUp();
if (mode === 'steady') measureSteady(Number(process.argv[3] ?? 33_000));
else if (mode === 'cap') measureCap(0);
else if (mode === 'cap-split') measureCap(2 ** 21 + 1);
else measureEntries(Number(mode));
