/**
 * The relay's presence flags (PROTOCOL.md §6, §6.7): `--heartbeat-interval S`,
 * the heartbeat interval the relay gives its clients in `welcome`, and
 * `--presence-timeout S`, the silence after which it drops one. Whole
 * seconds; the timeout must be longer than the interval (else running
 * clients would be dropped between two heartbeats).
 */
import { HEARTBEAT_INTERVAL_MS, PRESENCE_TIMEOUT_MS } from '@udpchat/protocol';

/** Largest value of either flag, in seconds (a day). */
const MAX_SECONDS = 86_400;

/** The presence timing the flags ask for, in ms. */
export interface PresenceTiming {
  readonly heartbeatIntervalMs: number;
  readonly presenceTimeoutMs: number;
}

/**
 * Parses `--heartbeat-interval` and `--presence-timeout` (each absent: the
 * default, 10 s and 30 s).
 * @returns the timing, or the one-line error naming the flag.
 */
export function parsePresenceFlags(values: {
  readonly 'heartbeat-interval'?: string;
  readonly 'presence-timeout'?: string;
}): { timing: PresenceTiming } | { error: string } {
  const seconds = (flag: string, text: string | undefined, fallbackMs: number): number | { error: string } => {
    if (text === undefined) return fallbackMs;
    const value = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
    if (Number.isInteger(value) && value >= 1 && value <= MAX_SECONDS) return value * 1000;
    return { error: `--${flag} must be a whole number of seconds from 1 to ${MAX_SECONDS} (got ${JSON.stringify(text)})` };
  };
  const heartbeatIntervalMs = seconds('heartbeat-interval', values['heartbeat-interval'], HEARTBEAT_INTERVAL_MS);
  if (typeof heartbeatIntervalMs !== 'number') return heartbeatIntervalMs;
  const presenceTimeoutMs = seconds('presence-timeout', values['presence-timeout'], PRESENCE_TIMEOUT_MS);
  if (typeof presenceTimeoutMs !== 'number') return presenceTimeoutMs;
  if (presenceTimeoutMs <= heartbeatIntervalMs) {
    return {
      error: `--presence-timeout (${presenceTimeoutMs / 1000} s) must be longer than the heartbeat interval (${heartbeatIntervalMs / 1000} s; --heartbeat-interval)`,
    };
  }
  return { timing: { heartbeatIntervalMs, presenceTimeoutMs } };
}
