/**
 * The real `udpchat-relay` program (bin/udpchat-relay.js over the built dist/),
 * spawned with pipes, and its output collected line by line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { until } from './wait.js';

/** apps/server/bin/udpchat-relay.js */
export const BIN = fileURLToPath(new URL('../../bin/udpchat-relay.js', import.meta.url));
const DIST_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** Lines a stream printed, collected as they come. */
export class Lines {
  readonly lines: string[] = [];
  private partial = '';

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
    });
    stream.on('end', () => {
      if (this.partial) this.lines.push(this.partial);
      this.partial = '';
    });
  }

  /** Waits for a line for which `test` holds. */
  waitFor(test: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    return until(() => this.lines.find(test), `${what}; got:\n${this.lines.join('\n')}`, timeoutMs);
  }

  /** The lines that are JSON objects, parsed. */
  json(): Array<Record<string, unknown>> {
    return this.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** A running relay process with its output. */
export interface RelayProcess {
  child: ChildProcess;
  stdout: Lines;
  stderr: Lines;
  /** Resolves with the exit code (null when killed by a signal) once the output is fully read. */
  exited: Promise<number | null>;
}

/**
 * Spawns `node bin/udpchat-relay.js ...args` with piped stdio.
 * @param env environment variables to set (or, with undefined, to remove) on top of this process's;
 *   UDPCHAT_SECRET is always removed unless given.
 */
export function spawnRelay(args: string[], env: Record<string, string | undefined> = {}): RelayProcess {
  if (!existsSync(DIST_MAIN)) throw new Error(`${DIST_MAIN} is missing: build first (npx tsc -b apps/server)`);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, UDPCHAT_SECRET: undefined, ...env };
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  // In memory unless the test says where (two relays of one test would otherwise share one store file: LOCKED).
  const store = args[0] === 'names' || args.some((a) => a === '--ephemeral' || a.startsWith('--data-dir')) ? [] : ['--ephemeral'];
  const child = spawn(process.execPath, [BIN, ...args, ...store], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
  // 'close': the process exited and its output streams are fully read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: new Lines(child.stdout!), stderr: new Lines(child.stderr!), exited };
}

/** Waits for `exited`, failing after `timeoutMs`. */
export async function exitWithin(p: RelayProcess, timeoutMs = 10_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`relay did not exit within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([p.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the program to completion; resolves with its exit code and output. */
export async function runRelay(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; stdout: string[]; stderr: string[] }> {
  const p = spawnRelay(args, env);
  const code = await exitWithin(p);
  return { code, stdout: p.stdout.lines, stderr: p.stderr.lines };
}
