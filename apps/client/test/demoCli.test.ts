/**
 * The demo's command line: parsing, and the real program (the compiled
 * launcher `pnpm demo` runs; `pnpm test` builds it first).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DemoUsageError, parseDemoArgs } from '../src/demo/cli.js';
import { killAll, startProgram } from './helpers/processes.js';
import { exitCode } from './helpers/wait.js';

const DEMO_BIN = fileURLToPath(new URL('../bin/udpchat-demo.js', import.meta.url));
const DEMO_DIST = fileURLToPath(new URL('../dist/demo/main.js', import.meta.url));

/** Runs the demo to its end; its whole stdout and stderr, and exit code. */
async function runProgram(args: string[]): Promise<{ code: number | null; out: string[]; err: string[] }> {
  const program = startProgram(DEMO_BIN, args);
  const code = await exitCode(program.child);
  // 'exit' can come before the pipes are drained; 'close' comes after.
  if (program.child.stdout.readable || program.child.stderr.readable) {
    await new Promise((resolve) => program.child.once('close', resolve));
  }
  return { code, out: program.out.lines, err: program.err.lines };
}

describe('demo command line', () => {
  it.each([
    [[], 'missing subcommand (one of: boundaries)'],
    [['frob'], 'unknown subcommand frob (one of: boundaries)'],
    [['boundaries', '--frob'], 'unknown flag --frob'],
    [['boundaries', '--json=yes'], '--json does not take a value'],
    [['boundaries', 'extra'], 'unexpected argument extra'],
  ])('refuses %j with a one-line reason', (args, message) => {
    expect(() => parseDemoArgs(args)).toThrow(DemoUsageError);
    expect(() => parseDemoArgs(args)).toThrow(message);
  });

  it('parses boundaries, --json and --help', () => {
    expect(parseDemoArgs(['boundaries'])).toEqual({ kind: 'boundaries', json: false });
    expect(parseDemoArgs(['--json', 'boundaries'])).toEqual({ kind: 'boundaries', json: true });
    expect(parseDemoArgs(['-h'])).toEqual({ kind: 'help' });
  });
});

describe('the demo program', () => {
  beforeAll(() => {
    expect(existsSync(DEMO_DIST), `${DEMO_DIST} is missing: build first (pnpm build)`).toBe(true);
  });
  afterEach(() => killAll());

  it('boundaries --json prints one JSON object with the three columns', async () => {
    const { code, out, err } = await runProgram(['boundaries', '--json']);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0] ?? '') as {
      writes: number[];
      tcp: { reads: Array<{ bytes: number; preview: string }>; sameBytes: boolean };
      udp: { reads: Array<{ bytes: number; preview: string }>; timedOut: boolean; sameMessages: boolean };
      tcpFramed: { reads: Array<{ bytes: number; preview: string }>; sameMessages: boolean };
    };
    expect(report.writes).toEqual([5, 5, 0, 3000]);
    expect(report.udp.timedOut).toBe(false);
    expect(report.udp.sameMessages).toBe(true);
    expect(report.udp.reads.map((r) => r.bytes)).toEqual([5, 5, 0, 3000]);
    expect(report.udp.reads.map((r) => r.preview).slice(0, 3)).toEqual(["'hello'", "'world'", "''"]);
    expect(report.tcp.sameBytes).toBe(true);
    expect(report.tcp.reads.reduce((n, r) => n + r.bytes, 0)).toBe(3010);
    expect(report.tcp.reads.every((r) => r.bytes <= 1024)).toBe(true);
    expect(report.tcp.reads[0]?.preview).toMatch(/^'helloworldx/);
    expect(report.tcpFramed.sameMessages).toBe(true);
    expect(report.tcpFramed.reads.map((r) => r.bytes)).toEqual([5, 5, 0, 3000]);
  });

  it('boundaries prints the table and the explanation, the same way every time', async () => {
    const first = await runProgram(['boundaries']);
    expect(first.code).toBe(0);
    const text = first.out.join('\n');
    expect(text).toMatch(/^column +# +bytes +payload$/m);
    expect(text).toMatch(/^UDP +3 +0 +''$/m);
    expect(text).toContain('TCP is a byte stream');
    expect(text).toMatch(/UDP\s+promises\s+nothing\s+about\s+delivery/);
    expect(text).toMatch(/the\s+prefix\s+puts\s+the\s+boundaries\s+back/);
    const second = await runProgram(['boundaries']);
    expect(second.out).toEqual(first.out);
  });

  it('a bad subcommand exits 2 with a one-line error and the usage', async () => {
    const { code, out, err } = await runProgram(['sticky']);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toBe('udpchat-demo: unknown subcommand sticky (one of: boundaries)');
    expect(err[1]).toMatch(/^usage: pnpm demo boundaries/);
  });
});
