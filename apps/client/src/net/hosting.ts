/**
 * The embedded relay: when the relay address is on loopback and nothing is
 * bound there, the client hosts the relay in its own process (the same code
 * as `pnpm relay`). Binding is the test: without SO_REUSEADDR the kernel lets
 * exactly one process bind the port, so two clients started at once can
 * never both host, and a running relay always wins.
 */
import { isIP } from 'node:net';
import { bindUdpSocket, closeUdpSocket } from '@udpchat/net';
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
 * True when something is bound at `address:port` (EADDRINUSE: a relay, most
 * often), found with a bare socket bound and closed at once: a client of a
 * running relay never loads the relay's code (~0.1 s of CPU, ~0.2 s at start).
 * Any other bind error is false: the relay's own bind then reports it.
 */
async function portTaken(address: string, port: number): Promise<boolean> {
  try {
    await closeUdpSocket(await bindUdpSocket({ host: address, port }), 1000);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
  }
}

/**
 * Tries to host the relay at `address:port` in this process, with the shared
 * secret `secret` (null: none), so that it serves clients that have it.
 * @returns the hosted relay, or `null` when the port is taken (another relay, or another program).
 * @throws RelayStartError for other bind failures (e.g. permission denied).
 */
export async function tryHostRelay(address: string, port: number, secret: AuthKey | null, storeFile: string | null = null): Promise<Relay | null> {
  // Free a moment ago is not free now (another client may bind it first): startRelay's bind decides.
  if (await portTaken(address, port)) return null;
  // Loaded on first use: a client that never hosts never loads the relay (nor its logger, pino).
  const { startRelay, RelayStartError } = await import('@udpchat/server');
  const { StoreError } = await import('@udpchat/store');
  const start = (file: string | null) =>
    // hostedByClient: its welcome says so, and clients take over only such a relay's port (PROTOCOL.md §4.2).
    startRelay({ host: address, port, hostedByClient: true, storeFile: file, ...(secret ? { secret } : {}) });
  try {
    try {
      return await start(storeFile);
    } catch (err) {
      // Another udpchat process of this data directory hosts a relay with it: this one keeps its store in memory.
      if (err instanceof StoreError && err.code === 'LOCKED') return await start(null);
      throw err; // CORRUPT, TOO_NEW, IO: the message names the file and the way out
    }
  } catch (err) {
    if (err instanceof RelayStartError && err.code === 'ADDRESS_IN_USE') return null;
    throw err;
  }
}

/** Take-over attempts while the relay is silent are at least this far apart, in ms. */
const TAKEOVER_EVERY_MS = 2000;
/** How long closing waits for a relay hosted here to take this client's bye, in ms. */
const HOSTED_BYE_WAIT_MS = 300;

/**
 * The hosting supervisor, beside the session (not inside its protocol core):
 * holds the relay this process hosts, if any, takes over a silent relay that
 * was itself hosted by a client, and stops the hosted relay on close.
 */
export class Hosting {
  private lastTakeoverAt = Number.NEGATIVE_INFINITY;
  private attempt: Promise<boolean> | null = null;
  private closed = false;

  private constructor(
    private hosted: Relay | null,
    private readonly relay: { address: string; port: number },
    private readonly secret: AuthKey | null,
    private readonly autoHost: boolean,
    private readonly storeFile: string | null,
  ) {}

  /**
   * Hosts the relay at `relay` now when allowed (`autoHost`), on loopback, and the port is free,
   * with its store in `storeFile` (`<data dir>/relay.db`; null: in memory).
   * @throws RelayStartError for bind failures other than a busy port; StoreError for a corrupt store.
   */
  static async open(relay: { address: string; port: number }, secret: AuthKey | null, autoHost: boolean, storeFile: string | null = null): Promise<Hosting> {
    const hosted = autoHost && isLoopback(relay.address) ? await tryHostRelay(relay.address, relay.port, secret, storeFile) : null;
    return new Hosting(hosted, relay, secret, autoHost, storeFile);
  }

  /** True while this process hosts the relay. */
  get active(): boolean {
    return this.hosted !== null;
  }

  /** Contacts registered at the hosted relay other than this client (`registered`: whether it is one of them); 0 when not hosting. */
  others(registered: boolean): number {
    return this.hosted ? Math.max(0, this.hosted.contactCount - (registered ? 1 : 0)) : 0;
  }

  /**
   * The relay stopped answering: hosts it here when allowed, on loopback, the
   * silent relay was hosted by a client (`relayHostedByClient`; one started
   * by `udpchat-relay` is its operator's to restart), and the port is free.
   * At most one attempt every 2 s.
   * @returns true when this process hosts the relay now (it just started).
   */
  takeOver(now: number, relayHostedByClient: boolean): Promise<boolean> {
    if (!this.autoHost || this.hosted || this.closed || !relayHostedByClient || !isLoopback(this.relay.address)) return Promise.resolve(false);
    if (this.attempt || now - this.lastTakeoverAt < TAKEOVER_EVERY_MS) return Promise.resolve(false);
    this.lastTakeoverAt = now;
    this.attempt = (async () => {
      try {
        const relay = await tryHostRelay(this.relay.address, this.relay.port, this.secret, this.storeFile);
        if (!relay) return false;
        if (this.closed) {
          await relay.stop();
          return false;
        }
        this.hosted = relay;
        return true;
      } finally {
        this.attempt = null;
      }
    })();
    return this.attempt;
  }

  /**
   * Stops the hosted relay, telling its contacts. With `byeFrom` (this
   * client's name, its bye just sent), waits up to 300 ms for the relay to take
   * that bye first, so that the others see "NAME left" before "relay going away".
   */
  async stop(byeFrom: string | null): Promise<void> {
    this.closed = true;
    await this.attempt;
    const hosted = this.hosted;
    this.hosted = null;
    if (!hosted) return;
    if (byeFrom !== null) {
      const key = byeFrom.toLowerCase();
      const deadline = Date.now() + HOSTED_BYE_WAIT_MS;
      while (Date.now() < deadline && hosted.contacts().some((c) => c.name.toLowerCase() === key)) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    await hosted.stop('the client hosting the relay quit');
  }
}
