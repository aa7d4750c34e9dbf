/**
 * Optional setup file (measuring only, not in the default config): appends, per test file, the
 * CPU this process and its reaped children used while the file ran, from /proc/self/stat (Linux),
 * to the file named by CPU_PER_FILE. Meaningful one file at a time (--no-file-parallelism; vitest.cpu.config.ts).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { afterAll } from 'vitest';

const TICK_S = 0.01; // USER_HZ is 100 on Linux

/** utime, stime, cutime, cstime in seconds. */
function cpu(): number[] {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].map((i) => Number(fields[i]) * TICK_S);
}

// From when this setup file runs for the file: its imports included.
const start = cpu();
const wallStart = performance.now();
// (vitest reads the first parameter as fixtures: it must be a destructuring pattern.)
afterAll(({}, suite) => {
  const end = cpu();
  const d = end.map((v, i) => v - (start[i] ?? 0));
  const file = (suite as { filepath?: string }).filepath ?? 'unknown';
  const out = process.env.CPU_PER_FILE;
  if (out) appendFileSync(out, `${d.map((v) => v.toFixed(2)).join(' ')} ${((performance.now() - wallStart) / 1000).toFixed(1)} ${file}\n`);
});
