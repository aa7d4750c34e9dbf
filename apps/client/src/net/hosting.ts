/**
 * The embedded relay: when the relay address is on loopback and nothing is
 * bound there, the client hosts the relay in its own process (the same code
 * as `pnpm relay`). Binding is the test: without SO_REUSEADDR the kernel lets
 * exactly one process bind the port, so two clients started at once can
 * never both host, and a running relay always wins.
 */
import { isIP } from 'node:net';
import type { AuthKey } from '@udpchat/protocol';
import type { Relay } from '@udpchat/server';

/** A relay hosted in this process (`@udpchat/server`'s Relay): the only server type the client uses. */
export type { Relay };

/** True when `address` is a loopback IP (127.0.0.0/8 or ::1). */
export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/**
 * Tries to host the relay at `address:port` in this process, with the shared
 * secret `secret` (null: none), so that it serves clients that have it.
 * @returns the hosted relay, or `null` when the port is taken (another relay, or another program).
 * @throws RelayStartError for other bind failures (e.g. permission denied).
 */
export async function tryHostRelay(address: string, port: number, secret: AuthKey | null): Promise<Relay | null> {
  // Loaded on first use: a client that never hosts never loads the relay (nor its logger, pino).
  const { startRelay, RelayStartError } = await import('@udpchat/server');
  try {
    return await startRelay({ host: address, port, ...(secret ? { secret } : {}) });
  } catch (err) {
    if (err instanceof RelayStartError && err.code === 'ADDRESS_IN_USE') return null;
    throw err;
  }
}
