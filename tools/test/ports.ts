/** Free ports for tests that must start a program on a port chosen in advance. */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

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

/** How many slices the range below the ephemeral one is cut into: one per test worker (vitest runs 4). */
const SLICES = 16;
/** The next port this worker tries, in its own slice (null until the first call). */
let cursor: number | null = null;

/**
 * A UDP port on 127.0.0.1 that was free a moment ago, chosen below the
 * kernel's ephemeral range: no `bind(0)` of another test running at the same
 * time can take it before the program (or the restarted relay) binds it.
 * (A relay process restarted "on the same port" needs its number before it starts.)
 * Each worker thread takes its ports from a slice of its own (by thread id), in turn:
 * two test files running side by side never get the same port, nor does a file
 * get one a relay of its own stopped a moment ago and is about to take again
 * (seen before: a restarting relay's port taken by another file's freeUdpPort).
 * @throws Error when no free port was found in 200 tries.
 */
export async function freeUdpPort(): Promise<number> {
  const [low] = ephemeralRange();
  const from = Math.max(1024, low - 12_000);
  const to = Math.max(from + 1000, low - 1);
  const size = Math.floor((to - from) / SLICES);
  const start = from + (threadId % SLICES) * size;
  cursor ??= Math.floor(Math.random() * size);
  for (let i = 0; i < 200; i++) {
    const port = start + (cursor++ % size);
    if (await bindable(port)) return port;
  }
  throw new Error('no free UDP port below the ephemeral range');
}
