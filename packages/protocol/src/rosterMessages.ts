/**
 * The roster-version types of the wire format (PROTOCOL.md §6.7): the
 * version that `contacts`, `join`, `leave`, `rename`, `heartbeat-ack` and
 * `list` carry, and `roster-delta` with its changes (§4.20).
 */

/**
 * A roster version (PROTOCOL.md §4.3, §6.7): the relay's `epoch` (random,
 * non-zero, drawn when it starts, so a restarted relay's versions are never
 * taken for the old one's) and `version`, a counter it raises by one on every
 * change of its contact list (a join, a leave, a rename). A client that has no
 * list (yet) says epoch 0, version 0.
 */
export interface RosterVersion {
  /** The relay's roster epoch, a random u32 other than 0 (0 only from a client without a list). */
  epoch: number;
  /** Changes since the epoch began (u32). */
  version: number;
}

/** What became of a contact in a roster change: online as a client or a plain peer, or gone (and why). */
export type RosterChangeState = 'client' | 'plain' | 'left-bye' | 'left-timeout';

/** One change of the contact list, as `roster-delta` carries it. */
export interface RosterChange {
  /** The contact's name. */
  name: string;
  /** Online (`client`, `plain`) or gone (`left-bye`, `left-timeout`). */
  state: RosterChangeState;
}

/**
 * relay -> client: the changes of the contact list from roster version
 * `from` (exclusive) to `version` (inclusive), in the order they happened
 * (a rename is the old name left and the new one online). Pushed when the
 * relay groups several changes into one datagram, and the answer to `list`
 * when the client's version is recent enough; no changes (`from` = `version`)
 * means "up to date" (PROTOCOL.md §4.20).
 */
export interface RosterDeltaMessage {
  kind: 'roster-delta';
  /** The relay's roster epoch. */
  epoch: number;
  /** The version these changes start after. */
  from: number;
  /** The version after the last change. */
  version: number;
  /** The changes, oldest first. */
  changes: RosterChange[];
}
