/**
 * Shared-secret mode at the relay (PROTOCOL.md §6.2): every protocol
 * datagram's auth trailer is checked before anything else; a failed `hello`
 * gets an answer the client can act on (SECRET_REQUIRED, CLOCK_SKEW), at
 * most one per address per second and within the anti-amplification limit.
 * Without a secret, a signed `hello` gets NO_SECRET.
 */
import {
  AUTH_WINDOW_MS,
  ERROR_CODES,
  verifyAuth,
  type AuthKey,
  type Datagram,
  type ReplayWindow,
} from '@udpchat/protocol';
import type { Endpoint } from '@udpchat/net';
import type { Outbox } from '../rules/context.js';
import type { AmplificationLimiter } from '../guards/amplification.js';
import type { ReplyThrottle } from '../guards/replyThrottle.js';
import { errorReply } from '../rules/replies.js';
import type { StatsCounter, UnauthenticatedReason } from '../observe/stats.js';

/** What the gate needs. */
export interface AuthGateDeps {
  /** The shared secret; undefined for an open relay. */
  readonly secret: AuthKey | undefined;
  /** Nonces seen (shared-secret mode). */
  readonly replay: ReplayWindow | undefined;
  readonly out: Outbox;
  readonly amplification: AmplificationLimiter;
  readonly throttle: ReplyThrottle;
  readonly stats: StatsCounter;
  /** Wall clock, ms since the Unix epoch (auth times are wall-clock times). */
  readonly wallClock: () => number;
}

/**
 * Checks one decoded protocol datagram (PROTOCOL.md §3.2, §6.2).
 * @param bytes the whole datagram.
 * @param key `formatEndpoint(from)`.
 * @param now the relay's monotonic clock, in ms.
 * @returns undefined when the datagram may be handled, else why it must be
 *   dropped as unauthenticated (an answer to a `hello` has been sent when due).
 */
export function checkAuth(
  deps: AuthGateDeps,
  bytes: Uint8Array,
  datagram: Datagram,
  from: Endpoint,
  key: string,
  now: number,
): UnauthenticatedReason | undefined {
  const isHello = datagram.message.kind === 'hello';
  if (deps.secret === undefined) {
    // Open relay: a trailer on anything else is ignored; a signed hello means the client expects a secret.
    if (datagram.auth === undefined || !isHello) return undefined;
    answer(deps, bytes, from, key, now, errorReply(ERROR_CODES.NO_SECRET, 'this relay runs without a shared secret'), false);
    return 'auth-not-expected';
  }
  const wall = deps.wallClock();
  const verdict = verifyAuth(deps.secret, bytes, datagram.auth, wall, deps.replay);
  if (verdict === 'ok') return undefined;
  if (isHello) {
    if (verdict === 'missing' || verdict === 'bad-tag') {
      answer(deps, bytes, from, key, now, errorReply(ERROR_CODES.SECRET_REQUIRED, 'this relay requires the shared secret'), false);
    } else if (verdict === 'stale' && datagram.auth !== undefined) {
      const offS = Math.round((datagram.auth.time - wall) / 1000);
      const message = `your clock is ${Math.abs(offS)} s ${offS < 0 ? 'behind' : 'ahead of'} the relay's (at most ${AUTH_WINDOW_MS / 1000} s allowed)`;
      answer(deps, bytes, from, key, now, errorReply(ERROR_CODES.CLOCK_SKEW, message), true);
    }
  }
  return `auth-${verdict}`;
}

function answer(
  deps: AuthGateDeps,
  bytes: Uint8Array,
  from: Endpoint,
  key: string,
  now: number,
  error: ReturnType<typeof errorReply>,
  signed: boolean,
): void {
  deps.amplification.credit(key, bytes.length, now);
  if (!deps.throttle.allow(key, now)) {
    deps.stats.withheld('reply-throttle');
    return;
  }
  deps.out.reply(error, from, key, { signed });
}
