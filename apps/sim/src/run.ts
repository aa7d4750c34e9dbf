/**
 * Runs one seed: its scenario in a fresh world to quiescence, then the
 * invariants. Nothing here reads a real clock except to report how long a
 * run took.
 */
import { performance } from 'node:perf_hooks';
import { checkInvariants } from './invariants.js';
import { generateScenario, type Scenario, type ScenarioSize } from './scenario.js';
import { World } from './world.js';

/** The outcome of one run. */
export interface RunResult {
  scenario: Scenario;
  world: World;
  /** Whether everything became final before the time limit. */
  quiescent: boolean;
  /** Invariant violations (empty: correct). */
  violations: string[];
  /** Real time the run took, ms. */
  wallMs: number;
}

/** Runs `scenario` and checks it. */
export function runScenario(scenario: Scenario): RunResult {
  const started = performance.now();
  const world = new World(scenario);
  let quiescent: boolean;
  try {
    ({ quiescent } = world.run());
  } finally {
    for (const relay of world.relays) relay.close();
  }
  const holds = new Map(scenario.clients.map((c) => [c.name, c.holdMs ?? 30_000]));
  const violations = checkInvariants(world.records, (name) => holds.get(name) ?? 30_000);
  return { scenario, world, quiescent, violations, wallMs: performance.now() - started };
}

/** Runs the scenario of `seed` (of `size`) and checks it. */
export function runSeed(seed: number, size?: ScenarioSize): RunResult {
  return runScenario(generateScenario(seed, size));
}
