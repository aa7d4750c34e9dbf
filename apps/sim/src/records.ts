/**
 * What a run records for the invariants: every message typed (with the
 * delivery states its sender showed) and every message shown, by whom.
 * A node *incarnation* is one life of a client: a crash ends it, a restart
 * begins the next (a restarted client has a new core, a new port and an
 * empty screen).
 */
import type { DeliveryState } from '#client/net/delivery/states.js';

/** One message typed by a client. */
export interface Typed {
  /** Sender name and incarnation. */
  sender: string;
  incarnation: number;
  /** `all` or a name. */
  to: string;
  text: string;
  id: string;
  /** Its seq in its conversation epoch (restarts at 1 in a new epoch: PROTOCOL.md §5). */
  seq: number;
  /** Its place among everything typed in the run (0, 1, …): the order written, across epochs. */
  order: number;
  /** When it was typed (virtual ms since the run's start). */
  at: number;
  /** Every delivery state its sender reported, in order. */
  states: DeliveryState[];
  /**
   * Group: name keys of the clients its sender knew online when it was typed
   * (its contact list, plus those online before a lost registration and not
   * seen leaving: those `groupExpected` awaits back).
   */
  reach: string[];
  /** Why its sender stopped watching it: `crash` or `close` (then no final state is owed), else null. */
  senderGone: 'crash' | 'close' | null;
}

/** One message shown by a client. */
export interface Shown {
  /** Who showed it: name and incarnation. */
  viewer: string;
  incarnation: number;
  /** As shown: sender (set by the relay), destination, text, id, seq. */
  from: string;
  to: string;
  text: string;
  id: string;
  seq: number;
  /** When (virtual ms since the run's start). */
  at: number;
}

/** One life of a client: from its start to its crash or close (null: still running). */
export interface Life {
  name: string;
  incarnation: number;
  /** Virtual ms since the run's start. */
  start: number;
  /** When it first registered (null: never). */
  registeredAt: number | null;
  end: number | null;
  how: 'crash' | 'close' | null;
}

/** Everything recorded in one run, plus a short trace of what happened. */
export class Records {
  readonly typed: Typed[] = [];
  readonly byId = new Map<string, Typed>();
  readonly shown: Shown[] = [];
  /** Notable events, `t=12.345s what`, for replays (`pnpm sim --seed N`). */
  readonly trace: string[] = [];
  /** Relay errors by code, as the clients reported them. */
  readonly relayErrors = new Map<string, number>();
  /** Violations seen while the run went (not after it): see World.watch. */
  readonly watched: string[] = [];
  /** Every life of every client, in order of start. */
  readonly lives: Life[] = [];
  /** Leaves the clients showed: who saw whom leave, why, when (virtual ms since the start). */
  readonly leaves: Array<{ viewer: string; incarnation: number; name: string; reason: string; at: number }> = [];
  /** Fail-overs (several relays): who moved from which relay to which, why, when (virtual ms since the start). */
  readonly moves: Array<{ name: string; incarnation: number; from: string; to: string; reason: string; at: number }> = [];

  /** @param elapsed virtual ms since the run's start. */
  constructor(private readonly elapsed: () => number) {}

  /** Adds a line to the trace. */
  note(what: string): void {
    this.trace.push(`t=${(this.elapsed() / 1000).toFixed(3)}s ${what}`);
  }

  /** Records a message typed. */
  addTyped(typed: Omit<Typed, 'order'>): void {
    const t: Typed = { ...typed, order: this.typed.length };
    this.typed.push(t);
    this.byId.set(t.id, t);
  }

  /** Records a message shown. */
  addShown(s: Shown): void {
    this.shown.push(s);
  }

  /** Records a relay error reported by a client. */
  addRelayError(code: string): void {
    this.relayErrors.set(code, (this.relayErrors.get(code) ?? 0) + 1);
  }
}
