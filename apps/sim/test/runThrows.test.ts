/**
 * A seed whose run throws (a bug in the code under test) is a failing seed
 * with the error as its violation, not the end of the sweep: `pnpm sim
 * --seeds N` goes on and prints it with its replay command.
 */
import { expect, it } from 'vitest';
import { CLEAN_LINK } from '../src/bus.js';
import { runScenario } from '../src/run.js';
import type { Scenario } from '../src/scenario.js';

it('reports an exception of the code under test as a violation of that run', () => {
  // A name past the wire's limit: the client core's hello cannot be encoded and throws ProtocolError.
  const name = 'x'.repeat(300);
  const scenario: Scenario = { seed: 1, clients: [{ name, link: CLEAN_LINK }], relay: {}, actions: [{ at: 0, kind: 'start', client: name }], limitMs: 10_000 };
  const result = runScenario(scenario);
  expect(result.violations).toHaveLength(1);
  expect(result.violations[0]).toMatch(/^threw at [\d.]+ ms: \w*Error: /);
  expect(result.quiescent).toBe(false);
});
