/**
 * Random seeds of the full scenario in the test run (sim.test.ts and
 * simSeeds.test.ts each run half of the thousand, so that two workers share
 * them): every invariant holds, every run ends quiescent, and the runs chat.
 */
import { expect } from 'vitest';
import { runSeed } from '../src/run.js';
import type { ScenarioSize } from '../src/scenario.js';

/** Smaller scenarios than the CLI's default (100-300 messages), so that a thousand seeds take ~10–30 s on 2 busy cores. */
export const SEED_SIZE: ScenarioSize = { messages: [30, 100] };

/** Runs seeds `from`..`to` at SEED_SIZE and checks them; a failing seed is printed with its replay command. */
export function checkSeeds(from: number, to: number): void {
  const count = to - from + 1;
  const failed: string[] = [];
  let quiet = 0;
  let shown = 0;
  for (let seed = from; seed <= to; seed++) {
    const r = runSeed(seed, SEED_SIZE);
    if (r.quiescent) quiet++;
    shown += r.world.records.shown.length;
    if (r.violations.length === 0) continue;
    failed.push(`seed ${seed}: ${r.violations[0]} (pnpm sim --seed ${seed} --messages 30-100)`);
  }
  if (failed.length > 0) console.log(`${failed.length} of ${count} seeds failed:\n${failed.slice(0, 30).join('\n')}`);
  expect(failed).toEqual([]);
  expect(quiet).toBe(count);
  expect(shown).toBeGreaterThan(count * 30); // the runs did chat
}
