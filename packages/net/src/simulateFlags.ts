/**
 * The `--simulate-loss`, `--simulate-duplicate`, `--simulate-reorder` and
 * `--seed` flags, shared by the relay's and the client's command lines: their
 * node:util parseArgs definitions and their checks.
 */
import { DEFAULT_SEED, LossSimulator, MAX_SEED, type SimulateOptions } from './lossSimulator.js';

/**
 * Parses a rate as written on a command line: a decimal number from 0 to 1
 * (`0.2`, `.2`, `1`, `0`), no sign, no exponent, no percent.
 * @returns the number, or null when `text` is not such a number.
 */
export function parseRate(text: string): number | null {
  if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : null;
}

/**
 * Parses a seed as written on a command line: a whole number from 0 to
 * 2^32-1 in decimal digits.
 * @returns the number, or null when `text` is not such a number.
 */
export function parseSeed(text: string): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  const value = Number(text);
  return value <= MAX_SEED ? value : null;
}

/** The `--simulate-*` and `--seed` flags in node:util parseArgs form, shared by the relay's and the client's command lines. */
export const SIMULATE_ARG_OPTIONS = {
  'simulate-loss': { type: 'string' },
  'simulate-duplicate': { type: 'string' },
  'simulate-reorder': { type: 'string' },
  seed: { type: 'string' },
} as const;

/** The text of `--simulate-*` and `--seed`, as given (absent flags undefined). */
export interface SimulateFlags {
  'simulate-loss'?: string | undefined;
  'simulate-duplicate'?: string | undefined;
  'simulate-reorder'?: string | undefined;
  seed?: string | undefined;
}

/**
 * Checks the `--simulate-*` rates (numbers from 0 to 1) and `--seed` (a whole
 * number from 0 to 2^32-1; default 1). Shared with the client's command line.
 * @returns the options, null when every rate is 0 (or absent), or the
 *   one-line mistake naming the flag, e.g.
 *   `--simulate-loss must be a number from 0 to 1 (got "abc")`.
 */
export function parseSimulateFlags(flags: SimulateFlags): { simulate: SimulateOptions | null } | { error: string } {
  const rates = { loss: 0, duplicate: 0, reorder: 0 };
  for (const key of ['loss', 'duplicate', 'reorder'] as const) {
    const text = flags[`simulate-${key}`];
    if (text === undefined) continue;
    const rate = parseRate(text);
    if (rate === null) return { error: `--simulate-${key} must be a number from 0 to 1 (got ${JSON.stringify(text)})` };
    rates[key] = rate;
  }
  let seed = DEFAULT_SEED;
  if (flags.seed !== undefined) {
    const parsed = parseSeed(flags.seed);
    if (parsed === null) return { error: `--seed must be a whole number from 0 to ${MAX_SEED} (got ${JSON.stringify(flags.seed)})` };
    seed = parsed;
  }
  const simulate = { ...rates, seed };
  return { simulate: LossSimulator.isActive(simulate) ? simulate : null };
}
