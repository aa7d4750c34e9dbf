/**
 * The roster version and its bounded change log (PROTOCOL.md §6.7): every
 * change of the contact list (a join, a leave, a rename) raises `version` by
 * one and is remembered, up to `capacity` changes; a client whose version is
 * older than the oldest remembered change gets the whole list instead. The
 * `epoch` is random, so that the versions of a restarted relay are never
 * taken for the old one's. Pure state: what is sent when is in
 * rules/presence.ts.
 */
import { randomInt } from 'node:crypto';
import type { JoinMessage, LeaveMessage, RenameMessage, RosterChange } from '@udpchat/protocol';

/** Changes remembered by default: at 1 % churn per minute of 10,000 contacts (200 changes/min), 20 minutes. */
export const ROSTER_LOG_CAPACITY = 4096;

/** Largest version (u32); the next change starts a new epoch. */
const MAX_VERSION = 0xffff_ffff;

/** The push of one change (what a client gets when it is pushed alone), without its epoch and version. */
export type SinglePush = Omit<JoinMessage, 'epoch' | 'version'> | Omit<LeaveMessage, 'epoch' | 'version'> | Omit<RenameMessage, 'epoch' | 'version'>;

/** One logged change: the version it made, what it changed (two entries for a rename), and its single push. */
export interface LoggedChange {
  /** The roster version after this change. */
  readonly version: number;
  /** The names it changed, in order (a rename: the old name left, the new one online). */
  readonly changes: readonly RosterChange[];
  /** The `join`, `leave` or `rename` that tells it alone. */
  readonly push: SinglePush;
}

/** A random roster epoch: a u32 other than 0 (0 is what a client without a list says). */
export function randomEpoch(): number {
  return randomInt(1, 2 ** 32 - 1);
}

export class RosterLog {
  private epochValue: number;
  private versionValue = 0;
  /**
   * Ring of the last `capacity` changes; `entries[(v - 1) % capacity]` is version v's while it is kept.
   * It grows as changes come (the first `capacity` are appended in order), up to `capacity`.
   */
  private readonly entries: (LoggedChange | undefined)[] = [];
  /** Changes kept (at most `capacity`). */
  private kept = 0;
  /** The version of the last change pushed to the clients (heartbeat-acks carry it). */
  published = 0;
  /** Pushes wait until then (monotonic ms): the relay's push pacing (rules/presence.ts). */
  nextPushAt = Number.NEGATIVE_INFINITY;

  /**
   * @param capacity changes remembered, at least 1.
   * @param newEpoch draws an epoch (a u32 other than 0); the relay's is `randomEpoch`.
   */
  constructor(
    readonly capacity: number = ROSTER_LOG_CAPACITY,
    private readonly newEpoch: () => number = randomEpoch,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`roster log capacity must be a whole number ≥ 1, not ${capacity}`);
    this.epochValue = this.drawEpoch(0);
  }

  /** The roster epoch (u32, never 0). */
  get epoch(): number {
    return this.epochValue;
  }

  /** The roster version: changes since the epoch began. */
  get version(): number {
    return this.versionValue;
  }

  /** The oldest version a delta can start from: a client at it or later gets changes, earlier gets the whole list. */
  get oldestDeltaBase(): number {
    return this.versionValue - this.kept;
  }

  /**
   * Records a change: the version goes up by one (at the u32 limit a new
   * epoch begins, at version 1, with an empty log).
   * @returns the logged change.
   */
  record(changes: readonly RosterChange[], push: SinglePush): LoggedChange {
    if (this.versionValue === MAX_VERSION) {
      this.epochValue = this.drawEpoch(this.epochValue);
      this.versionValue = 0;
      this.published = 0;
      this.kept = 0;
      this.entries.fill(undefined);
    }
    this.versionValue += 1;
    const entry: LoggedChange = { version: this.versionValue, changes, push };
    this.entries[(this.versionValue - 1) % this.capacity] = entry;
    this.kept = Math.min(this.kept + 1, this.capacity);
    return entry;
  }

  /**
   * The changes after version `since` up to now, oldest first, or null when
   * they are not all kept (`since` is older than `oldestDeltaBase`) or
   * `since` is not a version of this epoch (above `version`).
   */
  since(since: number): LoggedChange[] | null {
    if (since > this.versionValue || since < this.oldestDeltaBase) return null;
    const out: LoggedChange[] = [];
    for (let v = since + 1; v <= this.versionValue; v++) out.push(this.entries[(v - 1) % this.capacity] as LoggedChange);
    return out;
  }

  /** An epoch other than `not` and 0. */
  private drawEpoch(not: number): number {
    for (let tries = 0; tries < 16; tries++) {
      const epoch = this.newEpoch();
      if (Number.isInteger(epoch) && epoch > 0 && epoch <= MAX_VERSION && epoch !== not) return epoch;
    }
    return (not % MAX_VERSION) + 1; // a source that keeps giving the same (test) value
  }
}
