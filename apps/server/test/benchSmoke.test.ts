/**
 * Smoke test of `pnpm bench` (apps/server/bench): every case runs for a
 * fraction of a second against the real relay program, and the JSON on the
 * last line has the numbers BENCHMARKS.md reports. Not a measurement: the
 * durations are far too short (and other tests run at the same time).
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LAUNCHER = fileURLToPath(new URL('../bench-bin/bench.js', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

interface Case {
  datagramsPerSec: number;
  messagesPerSec: number;
  latency: { samples: number; p50Us: number; p99Us: number; p999Us: number } | null;
  cpuPercent: number | null;
  peakRssMB: number | null;
  throughputRun: { errors: number; corrupt: number };
  relayStats: { sendErrors?: number; dropped?: Record<string, number> } | null;
  crowd: { contacts: number; contactsListed: number; errors: number; idle: { relayCpuPercent: number; heartbeatAcksPerSec: number } } | null;
}

describe('pnpm bench', () => {
  it('runs every case briefly and prints the JSON report on its last line', async () => {
    // `pnpm test` builds the bench project first; build it here too for a bare `vitest run`.
    await run(process.execPath, [TSC, '-b', 'apps/server/bench'], { cwd: ROOT });
    const args = ['--json', '--warmup', '0', '--duration', '0.3', '--latency', '0.2', '--idle', '0.5', '--contacts', '30', '--clients', '10', '--rto', '50'];
    const { stdout } = await run(process.execPath, [LAUNCHER, ...args], { cwd: ROOT, timeout: 40_000 });
    const lines = stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1] ?? '') as {
      cases: Record<string, Case>;
      ratios: Record<string, number | null>;
      targets: Array<{ name: string; met: boolean | null }>;
      secret: string;
    };
    expect(Object.keys(report.cases)).toEqual(['bare', 'bareAck', 'relay', 'contacts', 'loss']);
    for (const c of Object.values(report.cases)) {
      expect(c.datagramsPerSec).toBeGreaterThan(0);
      expect(c.messagesPerSec).toBeGreaterThan(0);
      expect(c.throughputRun.errors).toBe(0);
      expect(c.throughputRun.corrupt).toBe(0);
      expect(c.peakRssMB).toBeGreaterThan(0);
    }
    for (const name of ['bare', 'bareAck', 'relay', 'contacts']) {
      expect(report.cases[name]?.latency?.samples).toBeGreaterThan(0);
      expect(report.cases[name]?.latency?.p99Us).toBeGreaterThan(0);
    }
    // The relay's own counters, from its 'relay stopped' log line: nothing dropped, no send failed.
    for (const name of ['relay', 'contacts']) {
      expect(report.cases[name]?.relayStats).toMatchObject({ sendErrors: 0, dropped: {} });
    }
    const crowd = report.cases.contacts?.crowd;
    expect(crowd).toMatchObject({ contacts: 30, contactsListed: 31, errors: 0 });
    expect(crowd?.idle.heartbeatAcksPerSec).toBeGreaterThan(0);
    expect(report.ratios.throughputRelayOverBare).toBeGreaterThan(0);
    expect(report.ratios.p99RelayOverBare).toBeGreaterThan(0);
    expect(report.targets.map((t) => t.name)).toHaveLength(5);
    expect(report.secret).toBe('n/a (shared secret not implemented yet)');
    expect(lines.some((l) => l.startsWith('relay, shared secret') && l.includes('n/a (shared secret not implemented yet)'))).toBe(true);
  }, 60_000);
});
