/**
 * The real programs, as child processes: the compiled client and relay that
 * `pnpm chat` and `pnpm relay` run (`pnpm test` builds them first).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LineCollector } from './wait.js';

export const CLIENT_BIN = fileURLToPath(new URL('../../bin/udpchat.js', import.meta.url));
export const RELAY_BIN = fileURLToPath(new URL('../../../server/bin/udpchat-relay.js', import.meta.url));

/** A running program with its output collected. */
export interface Program {
  child: ChildProcessWithoutNullStreams;
  out: LineCollector;
  err: LineCollector;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Starts `node BIN ...args` with stdin, stdout and stderr as pipes. */
export function startProgram(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Program {
  // A relay keeps its store in memory unless the test says where (two relays of one file would share one: LOCKED).
  const inMemory = bin === RELAY_BIN && !args.some((a) => a === '--ephemeral' || a.startsWith('--data-dir')) ? ['--ephemeral'] : [];
  const child = spawn(process.execPath, [bin, ...args, ...inMemory], { env: { ...process.env, ...env }, stdio: 'pipe' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { child, out: new LineCollector(child.stdout), err: new LineCollector(child.stderr) };
}

/** Kills whatever is still running (afterEach). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
