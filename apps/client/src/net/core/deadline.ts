/**
 * When the client core's `poll` must run next (ClientCore.nextDeadline), as a
 * pure function of what the core knows: the relay's silence clock, delivery
 * timers, hello retries, heartbeats, a `list` not answered yet, a pending rename and
 * the grace after re-registering. All times in ms of the core's clock.
 */
import { HEARTBEAT_INTERVAL_MS } from '@udpchat/protocol';
import { REPROBE_MS } from './constants.js';
import type { Liveness } from './liveness.js';
import type { Registration } from './registration.js';

/** The inputs of `coreDeadline`. */
export interface DeadlineInputs {
  readonly now: number;
  readonly reg: Registration;
  readonly liveness: Liveness;
  /** The delivery link's next deadline. */
  readonly deliveryAt: number;
  readonly helloRetryMs: number;
  /** When the last `list` went out while its answer is awaited, or null (there is no periodic `list`: PROTOCOL.md §6.7). */
  readonly listSentAt: number | null;
  /** Whether contacts are awaited back until `graceUntil`. */
  readonly awaiting: boolean;
  readonly graceUntil: number;
}

/** The next deadline, never before `now`; +Infinity once closed. */
export function coreDeadline(d: DeadlineInputs): number {
  const { reg, liveness } = d;
  let next = Math.min(liveness.nextDeadline(), d.deliveryAt);
  if (reg.state === 'registering') next = Math.min(next, Math.max(liveness.lastProbeAt + d.helloRetryMs, reg.retryAt));
  if (reg.state === 'registered') {
    const heartbeatAt = liveness.lastProbeAt + liveness.probeEvery(reg.welcome.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS);
    next = Math.min(next, heartbeatAt);
    if (d.listSentAt !== null) next = Math.min(next, d.listSentAt + REPROBE_MS);
    if (reg.renaming) next = Math.min(next, reg.renaming.sentAt + REPROBE_MS);
    if (d.awaiting) next = Math.min(next, d.graceUntil);
  }
  return reg.state === 'closed' ? Number.POSITIVE_INFINITY : Math.max(next, d.now);
}
