/**
 * The link to the current relay, sans I/O: which relay of the server list
 * the core talks to (`--server a,b,c`), that relay's liveness and session
 * token, and the datagrams queued for it (each stamped with its server).
 *
 * Fail-over (issue 14): with several servers, a relay that stops answering
 * (silent for the liveness window while something is outstanding: a probe,
 * or a chat message since `expectAnswer`) or that says bye is left for the
 * next server of the list, round robin. The first round moves as soon as the
 * relay is silent; once every server was tried without an answer, each
 * further move waits longer (`moveBackoffMs`: 1 s, 2 s, 4 s, then 8 s on top
 * of the silence window), while hellos go on to the server tried, so a
 * relay that comes back is found. Heartbeats go out at least every
 * FAILOVER_HEARTBEAT_MS (5 s), so an idle client moves within ~7.5 s.
 * With one server nothing moves and nothing of this applies: today's
 * behaviour (the driver may host the relay itself).
 */
import { FAILOVER_HEARTBEAT_MS } from './constants.js';
import { Liveness } from './liveness.js';
import type { RelayMove, Transmit } from './types.js';
import type { Message } from '@udpchat/protocol';

/** The longest extra wait before moving on from a silent relay, when all are silent, in ms. */
export const MAX_MOVE_BACKOFF_MS = 8000;

/**
 * How long after a relay turned silent the client moves on, in ms: 0 while
 * fewer than `servers` moves went unanswered (the first round), then 1 s,
 * 2 s, 4 s, … per further round, at most MAX_MOVE_BACKOFF_MS.
 * @param unanswered moves since a relay last answered.
 * @param servers how many servers the list has.
 */
export function moveBackoffMs(unanswered: number, servers: number): number {
  const round = Math.floor(unanswered / Math.max(1, servers));
  return round === 0 ? 0 : Math.min(MAX_MOVE_BACKOFF_MS, 1000 * 2 ** (round - 1));
}

export class RelayLink {
  /** Liveness of the current relay. */
  readonly liveness: Liveness;
  /** The session token the current relay gave (PROTOCOL.md §3.1), or undefined before its welcome. */
  token: Uint8Array | undefined;
  /** Whether the current relay said, in its welcome, that a client hosts it. */
  hostedByClient = false;
  private index = 0;
  private readonly queue: Transmit[] = [];
  /** When the current relay turned silent (several servers only), or null. */
  private silentSince: number | null = null;
  /** Moves since a relay last answered (the backoff's input). */
  private unanswered = 0;

  /**
   * @param servers labels of the servers, in order (`host:port`, for events and the status line); none: one called `relay`.
   * @param silentAfterMs the liveness window, ms (see Liveness).
   * @param maxHeartbeatMs heartbeats go out at least this often, ms (default: FAILOVER_HEARTBEAT_MS with
   *   several servers, else the relay's interval); with several servers the smaller of the two applies.
   */
  constructor(
    private readonly servers: readonly string[],
    silentAfterMs: number,
    maxHeartbeatMs = Number.POSITIVE_INFINITY,
  ) {
    if (servers.length === 0) this.servers = ['relay'];
    this.liveness = new Liveness(silentAfterMs, Math.min(maxHeartbeatMs, this.servers.length > 1 ? FAILOVER_HEARTBEAT_MS : Number.POSITIVE_INFINITY));
  }

  /** Whether the list has more than one server: then the client moves instead of waiting (or hosting). */
  get several(): boolean {
    return this.servers.length > 1;
  }

  /** The index of the current server in the list. */
  get server(): number {
    return this.index;
  }

  /** The current server's label. */
  get label(): string {
    return this.servers[this.index] as string;
  }

  /** Queues `message` for the current relay, with `token` (default: the current one). */
  transmit(message: Message, token: Uint8Array | undefined = this.token): void {
    this.queue.push({ message, token, server: this.index });
  }

  /** Queues a datagram that the relay must answer, and starts the silence clock. */
  probe(message: Message, now: number): void {
    this.liveness.probed(now);
    this.transmit(message);
  }

  /** Chat datagrams went out: with several servers, their answer (a relay-ack) is awaited like a probe's, so a dead relay is noticed within the liveness window. */
  expectAnswer(now: number): void {
    if (this.several) this.liveness.expect(now);
  }

  /** The queued datagrams, in order. */
  take(): Transmit[] {
    return this.queue.splice(0);
  }

  /** A datagram from the current relay. @returns true when that changed the status (to `answering`). */
  answered(): boolean {
    this.unanswered = 0;
    this.silentSince = null;
    return this.liveness.answered();
  }

  /** Checks the silence clock. @returns true when the relay just turned silent. */
  poll(now: number): boolean {
    if (!this.liveness.poll(now)) return false;
    if (this.several) this.silentSince = now;
    return true;
  }

  /** When the client should move on from the current relay, in ms (+Infinity: not silent, one server, or not `active`: refused, closed). */
  moveAt(active: boolean): number {
    if (!active || this.silentSince === null || this.liveness.status !== 'silent') return Number.POSITIVE_INFINITY;
    return this.silentSince + moveBackoffMs(this.unanswered, this.servers.length);
  }

  /**
   * Moves to the next server (round robin): its token and liveness start
   * afresh (status `connecting`, nothing sent yet).
   * @param reason why, e.g. `127.0.0.1:8081 stopped answering`.
   */
  moveOn(reason: string): RelayMove {
    const from = this.label;
    this.index = (this.index + 1) % this.servers.length;
    this.unanswered++;
    this.silentSince = null;
    this.token = undefined;
    this.hostedByClient = false;
    this.liveness.reset();
    return { from, to: this.label, reason };
  }
}
