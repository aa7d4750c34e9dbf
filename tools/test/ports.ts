/** Free ports for tests that must start a program on a port chosen in advance. */
import { createSocket } from 'node:dgram';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The kernel's ephemeral range (what `bind(0)` hands out), from /proc; Linux's default when unreadable. */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high)) return [low, high];
  } catch {
    // not Linux
  }
  return [32768, 60999];
}

function bindable(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/**
 * Where the ports handed out in this run are reserved: one empty folder per port, made with
 * `mkdir` (atomic), under a folder named by the test process's pid, which all of vitest's
 * worker threads share. Folders of test processes no longer running are removed on first use.
 */
const RESERVED = join(tmpdir(), `udpchat-test-ports-${process.pid}`);
let cleaned = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reserves `port` for this run: true for exactly one caller of the whole test process. */
function reserve(port: number): boolean {
  if (!cleaned) {
    cleaned = true;
    for (const entry of readdirSync(tmpdir())) {
      const pid = /^udpchat-test-ports-(\d+)$/.exec(entry)?.[1];
      if (pid !== undefined && !alive(Number(pid))) rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    }
    mkdirSync(RESERVED, { recursive: true });
  }
  try {
    mkdirSync(join(RESERVED, String(port)));
    return true;
  } catch {
    return false; // EEXIST: another test (of any worker thread) has it
  }
}

/**
 * A UDP port on 127.0.0.1 that was free a moment ago, chosen below the
 * kernel's ephemeral range: no `bind(0)` of another test running at the same
 * time can take it before the program (or the restarted relay) binds it.
 * (A relay process restarted "on the same port" needs its number before it starts.)
 * Each port is handed out once per test run, whichever worker thread asks (reserved
 * before it is even probed): no other test gets a port a relay of this test stopped a
 * moment ago and is about to take again (CI saw a restarting relay lose its port so).
 * @throws Error when no free port was found in 200 tries.
 */
export async function freeUdpPort(): Promise<number> {
  const [low] = ephemeralRange();
  const from = Math.max(1024, low - 12_000);
  const to = Math.max(from + 1000, low - 1);
  for (let i = 0; i < 200; i++) {
    const port = from + Math.floor(Math.random() * (to - from));
    if (reserve(port) && (await bindable(port))) return port;
  }
  throw new Error('no free UDP port below the ephemeral range');
}

/**
 * Runs `bind` (a relay start, a socket bind) again while it fails because the
 * port is in use, for up to `forMs` (default 3 s), and returns what it returns.
 * A socket this process closed can stay bound a moment longer: a child process
 * being spawned at that moment (fork, then exec) holds a copy of every open
 * descriptor until its exec closes them, and on a loaded machine that takes a
 * while (CI saw a relay restarted in-process at once on its own port refused).
 * Tests that close a port and bind it again wait that out.
 * @throws the last error when the port stays in use, or any other error at once.
 */
export async function whileInUse<T>(bind: () => Promise<T>, forMs = 3000): Promise<T> {
  const deadline = Date.now() + forMs;
  for (;;) {
    try {
      return await bind();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if ((code !== 'EADDRINUSE' && code !== 'ADDRESS_IN_USE') || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
