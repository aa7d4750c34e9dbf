/**
 * Relay liveness, sans I/O: a probe (hello, list, heartbeat) expects an
 * answer; one unanswered for `silentAfterMs` marks the relay silent. Any
 * datagram from the relay is an answer.
 */
import { REPROBE_MS, SILENT_PROBE_MS } from './constants.js';
import type { RelayStatus } from './types.js';

export class Liveness {
  /** When the oldest unanswered probe went out, in ms; null when none waits. */
  private awaitingSince: number | null = null;
  /** When the last probe went out, in ms. */
  lastProbeAt = 0;
  status: RelayStatus = 'connecting';
  private heartbeatSeq = 0;

  /**
   * @param silentAfterMs an unanswered probe marks the relay silent after this long, in ms.
   * @param maxHeartbeatMs heartbeats go out at least this often, whatever the relay's interval, in ms
   *   (fail-over: an idle client notices a dead relay sooner; default: the relay's interval).
   */
  constructor(
    private readonly silentAfterMs: number,
    private readonly maxHeartbeatMs = Number.POSITIVE_INFINITY,
  ) {}

  /** A probe went out at `now`. */
  probed(now: number): void {
    this.lastProbeAt = now;
    this.awaitingSince ??= now;
  }

  /** Something else that the relay answers went out at `now` (a chat message): the silence clock runs, no probe is counted. */
  expect(now: number): void {
    this.awaitingSince ??= now;
  }

  /** A new relay (fail-over): nothing awaited, nothing probed yet, `connecting`. @returns true when that changed the status. */
  reset(): boolean {
    this.awaitingSince = null;
    this.lastProbeAt = 0;
    return this.set('connecting');
  }

  /** The `seq` of the next heartbeat: 1, 2, … (wrapping at 2^32), echoed by its heartbeat-ack. */
  nextHeartbeatSeq(): number {
    this.heartbeatSeq = (this.heartbeatSeq + 1) >>> 0;
    return this.heartbeatSeq;
  }

  /** Whether a probe waits for its answer. */
  get awaiting(): boolean {
    return this.awaitingSince !== null;
  }

  /** The relay answered: returns true when that changed the status (to `answering`). */
  answered(): boolean {
    this.awaitingSince = null;
    return this.set('answering');
  }

  /** The relay is known gone (its bye): silent now, and the next probe goes out at once. */
  gone(now: number): boolean {
    this.awaitingSince = now;
    this.lastProbeAt = 0;
    return this.set('silent');
  }

  /** Checks the silence clock; returns true when the relay just became silent. */
  poll(now: number): boolean {
    if (this.awaitingSince !== null && now - this.awaitingSince > this.silentAfterMs) return this.set('silent');
    return false;
  }

  /** When `poll` may next change something, in ms (+Infinity: nothing waits). */
  nextDeadline(): number {
    return this.awaitingSince === null || this.status === 'silent' ? Number.POSITIVE_INFINITY : this.awaitingSince + this.silentAfterMs + 1;
  }

  /**
   * How long after the last probe the next one is due, in ms: the heartbeat
   * interval (`heartbeatMs`, at most `maxHeartbeatMs`), sooner while one waits for its answer (REPROBE_MS),
   * every SILENT_PROBE_MS while the relay is silent.
   */
  probeEvery(heartbeatMs: number): number {
    if (this.status === 'silent') return SILENT_PROBE_MS;
    if (this.awaiting) return REPROBE_MS;
    return Math.min(heartbeatMs, this.maxHeartbeatMs);
  }

  private set(status: RelayStatus): boolean {
    if (status === this.status) return false;
    this.status = status;
    return true;
  }
}
