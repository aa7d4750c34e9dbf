/**
 * Smoke of `pnpm bench store` (apps/server/bench/store.ts): a short run
 * stores, forwards and acknowledges every message and reports its figures.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../bench-bin/bench.js', import.meta.url));

describe('pnpm bench store', () => {
  it('stores, forwards and acknowledges every message, and reports µs and bytes per stored message', async () => {
    // `pnpm test` builds the bench project first (tsc -b; a bare `vitest run` needs `pnpm build` before: the launcher says so).
    const { stdout } = await run(process.execPath, [LAUNCHER, 'store', '--messages', '20', '--json'], { cwd: ROOT, timeout: 30_000 });
    const r = JSON.parse(stdout.trim()) as {
      messages: number;
      storeUsPerMessage: { mean: number; p50: number };
      walBytesPerMessage: number;
      fileBytesPerMessage: number;
      check: { storedAnswers: number; delivered: number; storedAfterAck: number; receipts: number };
    };
    expect(r.check).toEqual({ storedAnswers: 20, delivered: 20, storedAfterAck: 0, receipts: 20 });
    expect(r.storeUsPerMessage.mean).toBeGreaterThan(0);
    expect(r.walBytesPerMessage).toBeGreaterThan(100); // at least the text and a page header
  });
});
