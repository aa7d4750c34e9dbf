/**
 * The second half of the thousand random seeds of the full scenario in the
 * test run (sim.test.ts has seeds 1..500 and the fixed-shape regressions).
 */
import { describe, it } from 'vitest';
import { checkSeeds } from './seeds.js';

describe('simulation: random scenarios, second half', () => {
  it('keeps every invariant over seeds 501..1000', { timeout: 600_000 }, () => {
    checkSeeds(501, 1000);
  });
});
