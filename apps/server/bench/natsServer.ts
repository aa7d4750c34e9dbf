/**
 * A real `nats-server` (the Debian package, 2.9.x) for cluster tests and the
 * cluster benchmark (tests import it through tools/test/natsServer.ts): started
 * on a free TCP port (nats-server does not support port 0) with JetStream in a
 * fresh temporary directory, stopped and removed by `stop`.
 *
 * `natsServerPath()` is undefined when the binary is not installed: cluster
 * tests then skip with `NATS_MISSING` as the reason (`.ci/run` installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why cluster tests skip when nats-server is missing. */
export const NATS_MISSING = 'nats-server is not installed (apt-get install nats-server; .ci/run installs it)';

/** The nats-server binary on PATH (or in /usr/sbin), or undefined when not installed. */
export function natsServerPath(): string | undefined {
  for (const candidate of ['nats-server', '/usr/sbin/nats-server', '/usr/bin/nats-server']) {
    const r = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1, found by binding port 0 and closing (racy only against other processes). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running nats-server. */
export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  /** Its client TCP port. */
  readonly port: number;
  /** The JetStream storage directory (removed by `stop`). */
  readonly storeDir: string;
  /** The process. */
  readonly child: ChildProcess;
  /** What it printed (stderr: nats-server logs there). */
  readonly log: string[];
  /** Kills it (SIGTERM, SIGKILL after 2 s) and waits for the exit; `keepStore` leaves the directory for a restart. */
  stop(options?: { keepStore?: boolean }): Promise<void>;
}

/** Options of `startNatsServer`. */
export interface NatsServerOptions {
  /** Port to use (default: a free one); give the old one to restart a server on the same URL. */
  port?: number;
  /** JetStream directory (default: a fresh temporary one); give the old one to restart with its data. */
  storeDir?: string;
  /** How long to wait for "Server is ready", ms (default 10,000). */
  timeoutMs?: number;
}

/**
 * Starts `nats-server -a 127.0.0.1 -p PORT -js -sd DIR` and resolves once it logs "Server is ready".
 * @throws Error when nats-server is not installed, exits early or is not ready in time (with its log).
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const bin = natsServerPath();
  if (bin === undefined) throw new Error(NATS_MISSING);
  const port = options.port ?? (await freeTcpPort());
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'udpchat-nats-'));
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`nats-server was not ready in ${options.timeoutMs ?? 10_000} ms:\n${log.join('\n')}`)),
      options.timeoutMs ?? 10_000,
    );
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) log.push(line);
      if (log.some((l) => l.includes('Server is ready'))) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}:\n${log.join('\n')}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    child,
    log,
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const force = setTimeout(() => child.kill('SIGKILL'), 2000);
          await exited;
          clearTimeout(force);
        }
        if (!stopOptions.keepStore) rmSync(storeDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
