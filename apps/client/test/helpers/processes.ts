/**
 * The real programs, as child processes: the compiled client and relay that
 * `pnpm chat` and `pnpm relay` run (`pnpm test` builds them first).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const homes: string[] = [];

/** A fresh temp folder named after `label` (data dirs of the programs a test starts), removed by `killAll`. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `udpchat-${label}-`));
  homes.push(dir);
  return dir;
}

/**
 * XDG_DATA_HOME and XDG_STATE_HOME of a fresh temp folder (removed by
 * `killAll`): a program started by a test keeps its history, keys and relay
 * store there, never in the user's home, and two test files never share one.
 */
export function isolatedXdg(): { XDG_DATA_HOME: string; XDG_STATE_HOME: string } {
  const home = mkdtempSync(join(tmpdir(), 'udpchat-test-home-'));
  homes.push(home);
  return { XDG_DATA_HOME: join(home, 'data'), XDG_STATE_HOME: join(home, 'state') };
}

/**
 * Starts `node BIN ...args` with stdin, stdout and stderr as pipes, in its
 * own XDG folders (isolatedXdg) unless `env` gives them.
 */
export function startProgram(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Program {
  // A relay keeps its store in memory unless the test says where (two relays of one file would share one: LOCKED).
  const inMemory = bin === RELAY_BIN && !args.some((a) => a === '--ephemeral' || a.startsWith('--data-dir')) ? ['--ephemeral'] : [];
  const child = spawn(process.execPath, [bin, ...args, ...inMemory], { env: { ...process.env, ...isolatedXdg(), ...env }, stdio: 'pipe' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { child, out: new LineCollector(child.stdout), err: new LineCollector(child.stderr) };
}

/** Kills whatever is still running (afterEach). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
}
