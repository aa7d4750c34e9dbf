/**
 * The simulation's command line (`pnpm sim`):
 *   pnpm sim --seed N        replays seed N: its scenario, trace, counters and any failing invariant
 *   pnpm sim --seeds COUNT   runs seeds FROM..FROM+COUNT-1 (--from, default 1): seeds/s and the failing seeds
 * Options: --messages MIN-MAX (messages per scenario, default 100-300), --from S.
 * Exit 0: every invariant held; 1: some failed; 2: a usage mistake (one line + usage).
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { runSeed, type RunResult } from './run.js';
import { DEFAULT_SIZE, describeScenario, type ScenarioSize } from './scenario.js';

const USAGE = 'usage: pnpm sim --seed N | --seeds COUNT [--from S] [--messages MIN-MAX]';

/** A usage mistake: printed as one line plus the usage, exit 2. */
class UsageError extends Error {}

function whole(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > 0xffff_ffff) throw new UsageError(`${name} must be a whole number from ${min} to 4294967295 (got "${text}")`);
  return n;
}

function sizeOf(text: string | undefined): ScenarioSize {
  if (text === undefined) return DEFAULT_SIZE;
  const m = /^(\d+)-(\d+)$/.exec(text);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo < 1 || hi < lo || hi > 100_000) throw new UsageError(`--messages must be MIN-MAX with 1 <= MIN <= MAX <= 100000 (got "${text}")`);
  return { messages: [lo, hi] };
}

/** Prints one seed's replay. @returns whether its invariants held. */
function replay(seed: number, size: ScenarioSize): boolean {
  const r = runSeed(seed, size);
  const w = r.world;
  console.log(describeScenario(r.scenario));
  for (const line of w.records.trace) console.log(`  ${line}`);
  console.log(`ran ${(w.clock.elapsed() / 1000).toFixed(1)} s of virtual time in ${r.wallMs.toFixed(0)} ms (${w.steps} steps), ${r.quiescent ? 'quiescent' : 'NOT quiescent at the time limit'}`);
  const b = w.bus.stats;
  console.log(`datagrams: ${b.sent} sent, ${b.delivered} delivered, ${b.lost} lost, ${b.duplicated} duplicated, ${b.reordered} reordered, ${b.partitioned} cut by partitions, ${b.undeliverable} to nobody`);
  const final = new Map<string, number>();
  for (const t of w.records.typed) {
    const last = t.states[t.states.length - 1];
    const key = t.senderGone && !(last && ['delivered', 'failed'].includes(last.state)) ? `sender ${t.senderGone === 'crash' ? 'crashed' : 'quit'}` : (last?.state ?? 'none');
    final.set(key, (final.get(key) ?? 0) + 1);
  }
  console.log(`messages: ${w.records.typed.length} typed (${[...final].map(([k, n]) => `${n} ${k}`).join(', ')}), ${w.records.shown.length} shown`);
  return report(r);
}

function report(r: RunResult): boolean {
  if (r.violations.length === 0) {
    console.log('all invariants held');
    return true;
  }
  console.log(`FAILED (seed ${r.scenario.seed}):`);
  for (const v of r.violations) console.log(`  ${v}`);
  return false;
}

/** Runs many seeds. @returns whether every one held. */
function sweep(from: number, count: number, size: ScenarioSize): boolean {
  const started = performance.now();
  const failed: Array<{ seed: number; first: string }> = [];
  let lastReport = started;
  for (let i = 0; i < count; i++) {
    const seed = from + i;
    const r = runSeed(seed, size);
    if (r.violations.length > 0 || !r.quiescent) failed.push({ seed, first: r.violations[0] ?? 'not quiescent at the time limit' });
    const now = performance.now();
    if (now - lastReport > 5000) {
      lastReport = now;
      console.log(`${i + 1}/${count} seeds, ${((i + 1) / ((now - started) / 1000)).toFixed(0)} seeds/s, ${failed.length} failed`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${count} seeds (${from}..${from + count - 1}) in ${seconds.toFixed(1)} s: ${(count / seconds).toFixed(0)} seeds/s, ${failed.length} failed`);
  for (const f of failed.slice(0, 50)) console.log(`  seed ${f.seed}: ${f.first}   (replay: pnpm sim --seed ${f.seed})`);
  if (failed.length > 50) console.log(`  ... and ${failed.length - 50} more`);
  return failed.length === 0;
}

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { seed: { type: 'string' }, seeds: { type: 'string' }, from: { type: 'string' }, messages: { type: 'string' } }, strict: true }));
    const seed = whole('--seed', values.seed, 0);
    const seeds = whole('--seeds', values.seeds, 1);
    const from = whole('--from', values.from, 0) ?? 1;
    const size = sizeOf(values.messages);
    if ((seed === undefined) === (seeds === undefined)) throw new UsageError('give exactly one of --seed N and --seeds COUNT');
    const ok = seed !== undefined ? replay(seed, size) : sweep(from, seeds as number, size);
    return ok ? 0 : 1;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`udpchat-sim: ${(err as Error).message.split('\n')[0]}`);
      console.error(USAGE);
      return 2;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2).filter((a) => a !== '--'));
