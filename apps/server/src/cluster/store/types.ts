/**
 * The relay's store in cluster mode: the `RelayStore` interface the relay's
 * rules call in line (served from an in-memory mirror of JetStream), plus
 * what a relay needs to know of the other relays' writes.
 */
import type { Logger } from 'pino';
import type { Binding, RelayStore } from '../../store/relayStore.js';

/**
 * A change of the store written by another relay (or a local write that
 * lost to one), for the relay to act on a user that is local here:
 * - `bound` / `unbound`: a name was bound (to `binding`) or released elsewhere;
 * - `conflict`: this relay bound `key` but another relay had bound it first
 *   to another public key: the store now holds the winner's `binding` (the
 *   local session that proved the losing key should be refused / kicked);
 * - `stored`: a chat was stored for `recipientKey` (deliver it if it is registered here);
 * - `receipt`: a receipt is waiting for `senderKey` (send it if it is registered here).
 */
export type StoreChange =
  | { readonly type: 'bound'; readonly key: string; readonly binding: Binding }
  | { readonly type: 'unbound'; readonly key: string }
  | { readonly type: 'conflict'; readonly key: string; readonly binding: Binding }
  | { readonly type: 'stored'; readonly recipientKey: string }
  | { readonly type: 'receipt'; readonly senderKey: string };

/** Counters of the store's JetStream writes and of what it mirrors, for the stats line. */
export interface ClusterStoreStats {
  /** Writes asked for since the start. */
  readonly writes: number;
  /** Attempts that failed for a transient reason (timeout, NATS reconnecting) and were tried again. */
  readonly retries: number;
  /** Writes that lost to another relay's (a name bound first elsewhere, an entry changed meanwhile). */
  readonly lost: number;
  /** Writes refused by JetStream or abandoned at close (logged). */
  readonly failed: number;
  /** Entries that could not be decoded (skipped, logged). */
  readonly malformed: number;
  /** Writes not yet acknowledged by JetStream. */
  readonly pending: number;
}

/** The relay store over JetStream (apps/server/src/cluster/store/jetStreamStore.ts). */
export interface ClusterStore extends RelayStore {
  /** Calls `listener` for every change written by another relay; returns a function that removes it. */
  onChange(listener: (change: StoreChange) => void): () => void;
  /**
   * Resolves true once the stored chat `id` for `recipientKey` is in
   * JetStream (acknowledged by nats-server, on disk; or another relay's copy
   * of that id was there first: that one is stored), false when it is not
   * stored or its write failed for good. For a relay that tells the sender
   * `stored` only once it is durable (see CLUSTER-STORE.md).
   */
  chatWritten(recipientKey: string, id: string): Promise<boolean>;
  /** Resolves once every write asked for so far has ended (acknowledged, lost or failed), and the removal of old delete markers. */
  settled(): Promise<void>;
  stats(): ClusterStoreStats;
}

/** Options of `openJetStreamStore`. */
export interface JetStreamStoreOptions {
  /** The cluster's prefix: the buckets are `<prefix>_names`, `<prefix>_offline`, `<prefix>_receipts` (default `udpchat`). */
  readonly prefix?: string;
  /** Where to log write failures, retries, lost races (default: silent). */
  readonly logger?: Logger;
  /** Replicas of a bucket the store creates (default 1; 3 on a 3-node NATS cluster). */
  readonly replicas?: number;
  /** ms to wait for JetStream's acknowledgement of a write before it is tried again (default 5000). */
  readonly timeoutMs?: number;
  /**
   * Delete markers older than this (ms) are removed from the buckets' streams
   * at an expiry sweep, at most once per this long (default 1 hour), so that
   * deleted entries do not pile up. A relay cut off from NATS for longer than
   * this may miss a delete (see CLUSTER-STORE.md).
   */
  readonly markerAgeMs?: number;
  /** ms to wait for the buckets to be loaded at the start (default 30,000). */
  readonly loadTimeoutMs?: number;
}
