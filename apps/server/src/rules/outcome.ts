/**
 * What the rules report for each datagram they were given (router.ts,
 * registration.ts, plainPeers.ts); receive.ts counts it.
 */
import type { IgnoredReason } from '../observe/stats.js';

/**
 * What became of a message: handled (possibly refused with an `error`), or
 * dropped without effect — ignored, or unauthenticated (`no-token`,
 * `bad-token`: a datagram from a registered client's address without its token).
 */
export type RouteOutcome =
  | { readonly handled: true }
  | { readonly handled: false; readonly reason: IgnoredReason | 'no-token' | 'bad-token' };

/** The outcome of a message that was handled (one shared frozen object). */
export const HANDLED: RouteOutcome = Object.freeze({ handled: true });
