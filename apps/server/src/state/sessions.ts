/**
 * Session tokens and pending registrations (PROTOCOL.md §3.1, §6.1).
 * `hello` makes an address *pending* with a fresh random token, sent in
 * `welcome`; the first datagram from that address carrying the token proves
 * the address receives what the relay sends, and completes registration.
 * A pending registration is invisible to other contacts and expires after
 * PENDING_TIMEOUT_MS.
 */
import { randomFillSync, timingSafeEqual } from 'node:crypto';
import { nameKey, TOKEN_BYTES } from '@udpchat/protocol';
import { BoundedMap, formatEndpoint, type Endpoint } from '@udpchat/net';
import type { Contact } from './contacts.js';
import type { IpCount } from './ipCount.js';

/** How long a pending registration waits for its first datagram with the token, in ms (PROTOCOL.md §6.1). */
export const PENDING_TIMEOUT_MS = 5_000;

/** Random bytes for the next 256 tokens, refilled from node:crypto's CSPRNG when used up (one call instead of 256, as the nonces of auth.ts). */
const tokenPool = new Uint8Array(256 * TOKEN_BYTES);
let tokenPoolOffset = tokenPool.length;

/** A fresh session token: TOKEN_BYTES (16) bytes = 128 bits from node:crypto's CSPRNG (a copy: its own buffer). */
export function newToken(): Uint8Array {
  if (tokenPoolOffset === tokenPool.length) {
    randomFillSync(tokenPool);
    tokenPoolOffset = 0;
  }
  tokenPoolOffset += TOKEN_BYTES;
  return tokenPool.slice(tokenPoolOffset - TOKEN_BYTES, tokenPoolOffset);
}

/**
 * Whether `got` (a datagram's token, possibly absent) is `expected`.
 * Constant-time over the 16 bytes (timingSafeEqual): cheap, and a token
 * cannot be guessed byte by byte from response times.
 */
export function tokensEqual(got: Uint8Array | undefined, expected: Uint8Array | undefined): boolean {
  return (
    got !== undefined &&
    expected !== undefined &&
    got.length === TOKEN_BYTES &&
    expected.length === TOKEN_BYTES &&
    timingSafeEqual(got, expected)
  );
}

/** A registration waiting for its first datagram with the token. */
export interface Pending {
  /** The name asked for (as given). */
  readonly name: string;
  /** `nameKey(name)`. */
  readonly key: string;
  /** The address that sent the `hello`. */
  readonly endpoint: Endpoint;
  /** `formatEndpoint(endpoint)`. */
  readonly endpointKey: string;
  /** The session token sent in `welcome`. */
  readonly token: Uint8Array;
  /** When the `hello` arrived, in ms of the relay's monotonic clock. */
  readonly createdAt: number;
  /** The contact this registration moves to a new address (a `hello` with its token), if any. */
  readonly replaces: Contact | undefined;
}

/**
 * Pending registrations by address, at most `maxEntries` (the oldest is
 * dropped to make room), each counted in `ipCount` while it is held.
 */
export class PendingTable {
  private readonly byAddress: BoundedMap<Pending>;

  constructor(
    maxEntries: number,
    private readonly ipCount: IpCount,
  ) {
    this.byAddress = new BoundedMap<Pending>({
      maxEntries,
      onEvict: (_key, pending) => this.ipCount.remove(pending.endpoint.address),
    });
  }

  /** Pending registrations now. */
  get size(): number {
    return this.byAddress.size;
  }

  /** The pending registration of the address `key` (endpointKey), if any. */
  at(key: string): Pending | undefined {
    return this.byAddress.get(key);
  }

  /**
   * Makes `endpoint` pending for `name` with a new token, replacing what was pending there.
   * @param now ms of the relay's monotonic clock.
   */
  add(name: string, endpoint: Endpoint, now: number, replaces?: Contact): Pending {
    const endpointKey = formatEndpoint(endpoint);
    const old = this.byAddress.get(endpointKey);
    if (old) this.remove(old);
    const pending: Pending = {
      name,
      key: nameKey(name),
      endpoint: { address: endpoint.address, port: endpoint.port },
      endpointKey,
      token: newToken(),
      createdAt: now,
      replaces,
    };
    this.byAddress.set(endpointKey, pending);
    this.ipCount.add(endpoint.address);
    return pending;
  }

  /** @returns false when it was no longer pending. */
  remove(pending: Pending): boolean {
    if (this.byAddress.get(pending.endpointKey) !== pending) return false;
    this.byAddress.delete(pending.endpointKey);
    this.ipCount.remove(pending.endpoint.address);
    return true;
  }

  /**
   * Removes and returns the registrations pending for longer than `timeoutMs`
   * at `now`. O(expired + 1): entries are held in the order of their
   * `createdAt` (`add` re-inserts, the clock is monotonic), so the scan stops
   * at the first one still young; the relay calls it before every use of the
   * table, so a registration never outlives its deadline (PROTOCOL.md §6.1).
   */
  expire(now: number, timeoutMs: number = PENDING_TIMEOUT_MS): Pending[] {
    const gone = this.byAddress.sweepOldest((p) => now - p.createdAt > timeoutMs);
    for (const p of gone) this.ipCount.remove(p.endpoint.address);
    return gone;
  }
}
