/**
 * The shapes of a KV mirror (kvMirror.ts): what its view holds, how it
 * reads values and reports changes, its counters and options.
 */
import type { JetStreamClient } from 'nats';
import type { Logger } from 'pino';

/** What the view holds for a key: its value and revision (undefined while only a local write that is not acknowledged has it). */
export interface MirrorEntry<V> {
  readonly value: V;
  readonly revision: number | undefined;
}

/** How a mirror reads its values and reports changes of its view. */
export interface MirrorHooks<V> {
  decode(bytes: Uint8Array): V | undefined;
  encode(value: V): Uint8Array;
  /** The view of `key` changed from `before` to `after` (values or revision). */
  onView(key: string, before: MirrorEntry<V> | undefined, after: MirrorEntry<V> | undefined, remote: boolean): void;
}

/** How a local write ended: in JetStream (`done`), beaten by another relay's write (`lost`), refused or given up (`failed`), or a delete with nothing there (`none`). */
export type WriteOutcome = 'done' | 'lost' | 'failed' | 'none';

/** Counters of a mirror's writes, for the operator. */
export interface WriteCounters {
  /** Writes asked for. */
  writes: number;
  /** Attempts that failed for a transient reason and were tried again. */
  retries: number;
  /** Writes that lost to another relay's (first writer wins, or a key no longer as expected). */
  lost: number;
  /** Writes that failed for good (refused by JetStream, or given up at close). */
  failed: number;
  /** Entries in the bucket that could not be decoded (skipped). */
  malformed: number;
}

/** Options of a mirror. */
export interface MirrorOptions<V> {
  readonly js: JetStreamClient;
  readonly bucket: string;
  readonly hooks: MirrorHooks<V>;
  readonly logger: Logger;
  /** JetStream replicas of a new bucket (1 on a single nats-server). */
  readonly replicas: number;
  /** ms to wait for a PubAck (then the write is tried again). */
  readonly timeoutMs: number;
}

/** What the store does with a mirror whatever its values: start, watch again, stop, wait, count, compact. */
export interface MirrorControl {
  readonly bucket: string;
  readonly counters: WriteCounters;
  readonly pending: number;
  start(loadTimeoutMs: number): Promise<void>;
  resume(): Promise<void>;
  settled(): Promise<void>;
  compact(purge: (filter: string, seq: number) => Promise<void>, before: number): Promise<number>;
  stop(): void;
}
