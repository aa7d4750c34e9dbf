/**
 * The client program in this process: runClient (src/run.ts), the code
 * `udpchat` runs, on streams of the test's instead of a child process's
 * pipes, over real UDP. Costs no Node start, module loading or SQLite
 * compile per client (~0.3 s of CPU each); processes.ts remains for what
 * only a process shows (exit codes, signals, EPIPE, kill -9, locks).
 */
import { PassThrough } from 'node:stream';
import { tuneEngine } from '../../../../packages/store/src/engine.js';
import { runClient, type RunningClient } from '../../src/run.js';
import { isolatedXdg } from './processes.js';
import { LineCollector } from './wait.js';

/** A client running in this process, shaped like processes.ts's Program. */
export interface InProcessClient {
  /** Its input: `write` lines, `end()` is the end of input (as closing a pipe). */
  stdin: PassThrough;
  /** Lines of its stdout and stderr. */
  out: LineCollector;
  err: LineCollector;
  /** The exit code the program would exit with. */
  exit: Promise<number>;
}

// As bin/udpchat.js does before anything loads (SQLite's WebAssembly is compiled on the first open).
tuneEngine();

const running = new Set<{ client: InProcessClient; handles: RunningClient | null }>();

/**
 * Runs `udpchat ...args` in this process with its own XDG folders (removed by
 * processes.ts's `killAll`) unless `env` gives them; stdin and stdout are not
 * terminals, so it runs line mode.
 */
export function runInProcess(args: string[], env: Record<string, string> = {}): InProcessClient {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const entry: { client: InProcessClient; handles: RunningClient | null } = { client: null as unknown as InProcessClient, handles: null };
  const out = new LineCollector(stdout);
  const err = new LineCollector(stderr);
  const exit = runClient({
    argv: args,
    env: { ...process.env, ...isolatedXdg(), ...env },
    stdin,
    stdout,
    stderr,
    onOpen: (handles) => {
      entry.handles = handles;
    },
  })
    .then(async (code) => {
      // As a process's pipes close at exit: the code resolves once every line written is collected.
      await Promise.all(
        [stdout, stderr].map(
          (s) =>
            new Promise((resolve) => {
              s.once('end', resolve); // the readable side: every chunk handed to its 'data' listener
              s.end();
            }),
        ),
      );
      return code;
    })
    .finally(() => running.delete(entry));
  entry.client = { stdin, out, err, exit };
  running.add(entry);
  return entry.client;
}

/** Stops what still runs (afterEach, before killAll): closes each session and its history, ends its input, awaits its end. */
export async function stopInProcess(): Promise<void> {
  const left = [...running];
  await Promise.all(
    left.map(async ({ client, handles }) => {
      await handles?.stop();
      client.stdin.end();
      await client.exit.catch(() => undefined);
    }),
  );
}
