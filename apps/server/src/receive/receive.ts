/**
 * The relay's receive path: what happens to each datagram, in this order
 * (PROTOCOL.md §6.2, §6.3):
 *
 * 1. counted as received;
 * 2. per-address rate limit (token bucket), before any decoding → `rate-limited`;
 * 2½. the forwarding fast path (fastPath.ts): a well-formed chat, ack or
 *    heartbeat from a registered client with its token (and a valid trailer)
 *    is handled there, spliced, with the same effect as 3–5; anything else
 *    goes on below untouched, so every drop is counted and logged as before;
 * 3. 0 bytes → `empty` (`empty-datagram`); not a protocol datagram: plain
 *    text (refused as `plain-text-refused` in shared-secret mode, malformed
 *    `BAD_UTF8` when not UTF-8); a protocol datagram: decoded (malformed with
 *    the decode error's code when it does not decode);
 * 4. auth trailer (shared-secret mode) → unauthenticated `auth-*`;
 * 5. session token and the rules (router.ts) → accepted, or unauthenticated
 *    `no-token` / `bad-token`.
 *
 * Each datagram is counted once: accepted + malformed + empty +
 * unauthenticated + rate-limited = received.
 */
import type { RemoteInfo } from 'node:dgram';
import { isProtocolDatagram, tryDecodeDatagram, type Datagram } from '@udpchat/protocol';
import type { Level } from 'pino';
import { checkAuth, type AuthGateDeps } from './authGate.js';
import { createFastPath } from './fastPath.js';
import { EndpointKeys } from './endpointKeys.js';
import type { Sender } from '../io/socket.js';
import type { RouterContext } from '../rules/context.js';
import type { Endpoint, RateLimiter } from '@udpchat/net';
import type { RateLimitedLog } from '../observe/log.js';
import { handlePlainText } from '../rules/plainPeers.js';
import type { RouteOutcome } from '../rules/outcome.js';
import { route } from '../rules/router.js';
import { isUnauthenticatedReason, type DropReason, type StatsCounter } from '../observe/stats.js';

/** Strict (RFC 3629) decoder: overlong forms, surrogates, C0, C1, F5–FF and cut sequences throw. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** What the receive path needs. */
export interface ReceiverDeps {
  readonly ctx: RouterContext;
  readonly stats: StatsCounter;
  /** The per-address rate limit, or null when off (`--rate-limit 0`). */
  readonly rateLimiter: RateLimiter | null;
  /** Shared-secret checks. */
  readonly auth: AuthGateDeps;
  /** Whether plain-text peers take part. */
  readonly plainPeers: boolean;
  /** Log lines about drops, rate-limited per reason. */
  readonly limited: RateLimitedLog;
  /**
   * The relay's sender, for the forwarding fast path (fastPath.ts: chats,
   * acks and heartbeats spliced from the received bytes); null: every
   * datagram takes the slow path (decode, rules, encode). The bytes sent are the same.
   */
  readonly fastPath: Sender | null;
}

/** Builds the `message` listener of the relay's socket. Never throws. */
export function createReceiver(deps: ReceiverDeps): (datagram: Buffer, rinfo: RemoteInfo) => void {
  const { ctx, stats, rateLimiter, limited } = deps;
  const secretMode = deps.auth.secret !== undefined;
  const fast = deps.fastPath ? createFastPath({ ctx, sender: deps.fastPath, stats, auth: deps.auth }) : null;
  const keys = new EndpointKeys();

  const logDrop = (reason: DropReason, key: string, bytes: number, detail?: string): void => {
    const msg = bytes === 0 ? `0-byte datagram from ${key}` : 'datagram dropped';
    // An empty line typed into nc is not worth a warning.
    const level: Level = reason === 'empty-text' ? 'debug' : 'warn';
    limited.log(reason, level, { from: key, reason, bytes, ...(detail ? { detail } : {}) }, msg);
  };

  /** Counts the outcome of the rules for one datagram. */
  const settle = (outcome: RouteOutcome, key: string, bytes: number, detail: string): void => {
    if (outcome.handled) {
      stats.accept();
      return;
    }
    const { reason } = outcome;
    if (isUnauthenticatedReason(reason)) stats.dropUnauthenticated(reason);
    else stats.acceptIgnored(reason);
    logDrop(reason, key, bytes, detail);
  };

  const handle = (datagram: Buffer, rinfo: RemoteInfo, key: string, now: number): void => {
    const size = datagram.length;
    if (fast !== null && fast(datagram, key, now)) return;
    const from: Endpoint = { address: rinfo.address, port: rinfo.port };
    if (size === 0) {
      stats.dropEmpty();
      logDrop('empty-datagram', key, 0);
      return;
    }
    if (!isProtocolDatagram(datagram)) {
      if (secretMode) {
        stats.dropUnauthenticated('plain-text-refused');
        logDrop('plain-text-refused', key, size);
        return;
      }
      let text: string;
      try {
        text = strictUtf8.decode(datagram);
      } catch {
        stats.dropMalformed('BAD_UTF8');
        logDrop('BAD_UTF8', key, size, 'neither a udpchat datagram nor UTF-8 text');
        return;
      }
      if (!deps.plainPeers) {
        stats.acceptIgnored('plain-peers-off');
        logDrop('plain-peers-off', key, size);
        return;
      }
      settle(handlePlainText(ctx, text, from, key), key, size, 'plain text');
      return;
    }
    // Refusing garbage builds no Error (no stack capture): tryDecodeDatagram returns the code.
    const result = tryDecodeDatagram(datagram);
    if (!result.ok) {
      stats.dropMalformed(result.code);
      logDrop(result.code, key, size, result.reason);
      return;
    }
    const decoded: Datagram = { message: result.message, token: result.token, auth: result.auth };
    const unauthenticated = checkAuth(deps.auth, datagram, decoded, from, key, now);
    if (unauthenticated !== undefined) {
      stats.dropUnauthenticated(unauthenticated);
      logDrop(unauthenticated, key, size, decoded.message.kind);
      return;
    }
    settle(route(ctx, decoded, from, key, size), key, size, decoded.message.kind);
  };

  return (datagram: Buffer, rinfo: RemoteInfo): void => {
    stats.received(datagram.length);
    const now = ctx.now();
    const key = keys.keyOf(rinfo.address, rinfo.port);
    if (rateLimiter !== null) {
      const verdict = rateLimiter.take(key, now);
      if (verdict !== 'ok') {
        stats.dropRateLimited();
        if (verdict === 'started') {
          limited.log('rate-limited', 'warn', { from: key, rate: rateLimiter.rate, burst: rateLimiter.burst }, 'address rate-limited');
        }
        return;
      }
    }
    const before = stats.classified;
    try {
      handle(datagram, rinfo, key, now);
    } catch (err) {
      // A bug: count the datagram (once) as accepted-but-ignored, log, keep serving.
      if (stats.classified === before) stats.acceptIgnored('internal');
      try {
        limited.log('internal', 'error', { from: key, bytes: datagram.length, err }, 'datagram handling failed');
      } catch {
        // logging must not be what escapes the listener
      }
    }
  };
}
