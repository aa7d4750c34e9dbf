/**
 * The benchmark's child processes: the relay (the real program), the bare
 * forwarder, and the forked helpers (load generator, crowd) with a small
 * request/reply layer over IPC. Every child is registered so that
 * `killAll` can end them on any exit path.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** apps/server/bin/udpchat-relay.js: what `pnpm relay` runs. */
export const RELAY_BIN = fileURLToPath(new URL('../bin/udpchat-relay.js', import.meta.url));
const RELAY_MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
/** Built helpers, next to this module. */
const here = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

const live = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Whether `child` has neither exited nor been killed by a signal yet. */
function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Resolves when `child` has exited (at once if it has), or after `ms`; never rejects. @returns whether it exited. */
export function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (!running(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(!running(child)), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Sends `signal`, then SIGKILL if the child is still there after `graceMs`. Never rejects. */
export async function terminate(child: ChildProcess, graceMs = 2000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!running(child)) return;
  try {
    child.kill(signal);
  } catch {
    // gone
  }
  if (await exited(child, graceMs)) return;
  try {
    child.kill('SIGKILL');
  } catch {
    // gone
  }
  await exited(child, 1000);
}

/** Kills every child still running (SIGTERM, SIGKILL after `graceMs`). Never rejects. */
export async function killAll(graceMs = 1500): Promise<void> {
  await Promise.all([...live].map((child) => terminate(child, graceMs)));
}

/** Kills every child still running with SIGKILL, synchronously (for `process.on('exit')`). */
export function killAllNow(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Collects a stream's lines; keeps the first `keepFirst` and the last `keepLast`. */
class LineTail {
  readonly first: string[] = [];
  readonly last: string[] = [];
  private partial = '';

  constructor(
    stream: NodeJS.ReadableStream,
    private readonly onLine: (line: string) => void = () => undefined,
    private readonly keepFirst = 20,
    private readonly keepLast = 20,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) this.push(line);
    });
    stream.on('end', () => {
      if (this.partial) this.push(this.partial);
      this.partial = '';
    });
  }

  private push(line: string): void {
    if (this.first.length < this.keepFirst) this.first.push(line);
    else {
      this.last.push(line);
      if (this.last.length > this.keepLast) this.last.shift();
    }
    this.onLine(line);
  }

  text(): string {
    return [...this.first, ...(this.last.length ? ['…', ...this.last] : [])].join('\n');
  }
}

/** The `port` of a JSON log line, or null (not JSON, or no numeric port). */
function portIn(line: string): number | null {
  try {
    const parsed = JSON.parse(line) as { port?: unknown } | null;
    return typeof parsed?.port === 'number' ? parsed.port : null;
  } catch {
    return null;
  }
}

/** A process under test: where it listens. */
export interface Target {
  readonly child: ChildProcess;
  readonly port: number;
  readonly pid: number;
  /** The relay's counters from its last log line 'relay stopped' (null for the forwarder, or before it stopped). */
  readonly finalStats: () => Record<string, unknown> | null;
  /** What it printed (first and last lines), for error messages. */
  readonly output: () => string;
}

function waitForPort(child: ChildProcess, port: Promise<number>, what: string, output: () => string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not report its port within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (code ${String(code)}) before reporting its port:\n${output()}`));
    };
    child.once('exit', onExit);
    port.then(
      (p) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(p);
      },
      (err: unknown) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** The relay's shared-secret variable (apps/server/src/secret.ts): never passed on to a relay, whose mode the benchmark sets. */
const SECRET_ENV = 'UDPCHAT_SECRET';

/**
 * Spawns the real relay, `node [--cpu-prof …] bin/udpchat-relay.js --port 0
 * --log-level info --ephemeral ARGS`, and reads its port from its JSON log line
 * 'relay started' (info level: the level at which that line is written; no
 * line is logged per chat at that level). UDPCHAT_SECRET is removed from its
 * environment: only `--secret-file` in ARGS makes it a shared-secret relay.
 * @param profileDir when set, the relay runs under `--cpu-prof` and writes its profile there on exit.
 */
export async function spawnRelay(args: readonly string[], profileDir: string | null): Promise<Target> {
  if (!existsSync(RELAY_MAIN)) throw new Error(`${RELAY_MAIN} is missing: build first (pnpm build)`);
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const env = { ...process.env };
  delete env[SECRET_ENV];
  const child = track(
    // --ephemeral: the relays of a run are side by side, and one store file has one owner (issue 13's relay.db).
    spawn(process.execPath, [...nodeArgs, RELAY_BIN, '--port', '0', '--log-level', 'info', '--ephemeral', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env }),
  );
  let resolvePort: (port: number) => void = () => undefined;
  const port = new Promise<number>((resolve) => {
    resolvePort = resolve;
  });
  let started = false;
  let finalStats: Record<string, unknown> | null = null;
  const stdout = new LineTail(child.stdout!, (line) => {
    // Only two lines matter; the rest (one per registration) is just drained.
    if (!started && line.includes('"relay started"')) {
      const port = portIn(line);
      if (port !== null) {
        started = true;
        resolvePort(port);
      }
    } else if (line.includes('"relay stopped"')) {
      try {
        finalStats = JSON.parse(line) as Record<string, unknown>;
      } catch {
        // not JSON after all
      }
    }
  });
  const stderr = new LineTail(child.stderr!);
  const output = (): string => `stdout:\n${stdout.text()}\nstderr:\n${stderr.text()}`;
  const p = await waitForPort(child, port, 'the relay', output, 10_000);
  return { child, port: p, pid: child.pid ?? 0, finalStats: () => finalStats, output };
}

/**
 * Spawns the bare forwarder between ports `a` and `b` on 127.0.0.1.
 * @param relayAck also answer each datagram from `a` with a fixed relay-ack (forwarder.ts).
 * @param profileDir when set, it runs under `--cpu-prof` and writes its profile there on exit.
 */
export async function spawnForwarder(a: number, b: number, relayAck: boolean, profileDir: string | null): Promise<Target> {
  const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const args = [here('forwarder.js'), String(a), String(b), ...(relayAck ? ['--relay-ack'] : [])];
  const child = track(spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
  let resolvePort: (port: number) => void = () => undefined;
  const port = new Promise<number>((resolve) => {
    resolvePort = resolve;
  });
  const stdout = new LineTail(child.stdout!, (line) => {
    const port = portIn(line);
    if (port !== null) resolvePort(port);
  });
  const stderr = new LineTail(child.stderr!);
  const output = (): string => `stdout:\n${stdout.text()}\nstderr:\n${stderr.text()}`;
  const p = await waitForPort(child, port, 'the bare forwarder', output, 10_000);
  return { child, port: p, pid: child.pid ?? 0, finalStats: () => null, output };
}

/** A request without its `id` (distributes over a union of requests). */
export type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Replies carry the `id` of their request, or are unsolicited (`ready`). */
type Reply = { readonly type: string; readonly id?: number; readonly message?: string };

/**
 * A forked helper (loadgen.js, crowd.js) and its requests: `request` sends
 * `{id, ...req}` and resolves with the reply of the same id.
 */
export class Helper<Req extends { id: number }, Rep extends Reply> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (rep: Rep) => void; reject: (err: Error) => void }>();
  private readonly early: Rep[] = [];
  private readonly readyWaiters: Array<(rep: Rep) => void> = [];
  private exitReason: string | null = null;

  private constructor(
    readonly child: ChildProcess,
    private readonly what: string,
  ) {
    child.on('message', (rep: Rep) => {
      if (rep.id === undefined) {
        const waiter = this.readyWaiters.shift();
        if (waiter) waiter(rep);
        else this.early.push(rep);
        return;
      }
      const waiting = this.waiting.get(rep.id);
      if (!waiting) return;
      this.waiting.delete(rep.id);
      if (rep.type === 'failed') waiting.reject(new Error(`${this.what}: ${rep.message ?? 'failed'}`));
      else waiting.resolve(rep);
    });
    child.once('exit', (code, signal) => {
      this.exitReason = `${what} exited (code ${String(code)}, signal ${String(signal)})`;
      for (const w of this.waiting.values()) w.reject(new Error(this.exitReason));
      this.waiting.clear();
    });
  }

  /** Forks `name` (a built module next to this one) with an IPC channel; stderr is passed through. */
  static fork<Req extends { id: number }, Rep extends Reply>(name: string, what: string): Helper<Req, Rep> {
    const child = track(fork(here(name), [], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' }));
    return new Helper<Req, Rep>(child, what);
  }

  /** The first unsolicited message (`ready`), within `timeoutMs`. */
  ready(timeoutMs = 10_000): Promise<Rep> {
    const early = this.early.shift();
    if (early) return Promise.resolve(early);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.what} did not start within ${timeoutMs} ms`)), timeoutMs);
      this.readyWaiters.push((rep) => {
        clearTimeout(timer);
        resolve(rep);
      });
    });
  }

  /** Sends a request; resolves with its reply, rejects on a `failed` reply, an exit, or after `timeoutMs`. */
  request(req: WithoutId<Req>, timeoutMs: number): Promise<Rep> {
    if (this.exitReason) return Promise.reject(new Error(this.exitReason));
    const id = this.nextId++;
    return new Promise<Rep>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.what} did not answer ${JSON.stringify((req as { cmd?: string }).cmd)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (rep) => {
          clearTimeout(timer);
          resolve(rep);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      try {
        this.child.send({ ...req, id });
      } catch (err) {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Asks the helper to stop (`{cmd: 'stop'}`), then makes sure it exited. Never rejects. */
  async stop(): Promise<void> {
    try {
      await this.request({ cmd: 'stop' } as unknown as WithoutId<Req>, 5000);
    } catch {
      // it may already be gone
    }
    if (!(await exited(this.child, 3000))) await terminate(this.child, 1000);
  }
}
