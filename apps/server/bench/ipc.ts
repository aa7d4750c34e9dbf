/**
 * Messages between the benchmark (parent) and its forked helpers (the load
 * generator and the crowd of contacts), over Node's IPC channel. Every
 * request carries an `id`; the child answers with the same `id`. Also the
 * load generator's counters, which both sides add up.
 */
import type { ProcSample } from './procstat.js';

/** Where the process under test listens, and its pid (for /proc). */
export interface TargetInfo {
  /** UDP port on 127.0.0.1. */
  readonly port: number;
  /** Process id, to read its CPU time at the edges of a measurement. */
  readonly pid: number;
}

/** Options of one closed-loop run of the load generator. */
export interface RunOptions {
  /** Messages in flight (sent, not yet acknowledged end to end). */
  readonly window: number;
  /** Time run before measuring, in ms. */
  readonly warmupMs: number;
  /** Time measured, in ms. */
  readonly durationMs: number;
  /** A chat not acknowledged this long after its last send is sent again, in ms. */
  readonly rtoMs: number;
  /**
   * Record each message's round trip (send -> ack covering it) during the
   * measured window, adding to the samples of earlier runs until `latency-summary`.
   */
  readonly latency: boolean;
}

/** Requests to the load generator. */
export type LoadgenRequest =
  | {
      readonly id: number;
      readonly cmd: 'setup';
      /** `relay`: register sender and receiver (hello, welcome, list); `bare`: nothing to register (a fixed random token). */
      readonly mode: 'relay' | 'bare';
      /** The relay's shared secret (its bytes as UTF-8 text): sign every datagram and check the relay's; null: none. */
      readonly secret: string | null;
      readonly target: TargetInfo;
      /**
       * Where the receiver registers, when not at `target` (the cluster benchmark: the sender on
       * one relay, the receiver on another of the same cluster). CPU is read for `target` only.
       */
      readonly receiverTarget?: TargetInfo;
      /** Text bytes per chat. */
      readonly bodyBytes: number;
      /** How often sender and receiver send a heartbeat (relay mode), in ms. */
      readonly heartbeatIntervalMs: number;
      /** Give up registering after this long, in ms. */
      readonly timeoutMs: number;
    }
  | ({ readonly id: number; readonly cmd: 'run' } & RunOptions)
  /** Percentiles of the round trips recorded since the last summary; forgets them. */
  | { readonly id: number; readonly cmd: 'latency-summary' }
  | { readonly id: number; readonly cmd: 'stop' };

/** Latency percentiles, in µs. */
export interface LatencySummary {
  /** Round trips measured. */
  readonly samples: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly minUs: number;
  readonly maxUs: number;
  readonly meanUs: number;
}

/** The load generator's counters of one measured window (or, summed, of several). */
export interface RunCounts {
  /** Messages delivered end to end (the sender got an ack covering them). */
  delivered: number;
  /** Chats that reached the receiver (through the process under test), duplicates included. */
  chatsForwarded: number;
  /** Acks that reached the sender (through the process under test). */
  acksForwarded: number;
  /** relay-acks the sender got (0 through a bare forwarder). */
  relayAcks: number;
  /** `error` datagrams received (should be 0). */
  errors: number;
  /** Any other datagram received. */
  otherDatagrams: number;
  /** Chats sent for the first time. */
  chatsSent: number;
  /** Chats sent again after `rtoMs` without an ack. */
  retransmissions: number;
  /** Acks the receiver sent. */
  acksSent: number;
  /** Duplicate chats at the receiver (retransmissions of chats that had arrived). */
  duplicates: number;
  /** Sampled chats fully decoded whose content was wrong (should be 0). */
  corrupt: number;
  /** Shared-secret mode: datagrams from the relay whose auth trailer was verified in full (a sample). */
  authChecked: number;
  /** Shared-secret mode: datagrams from the relay unsigned, or failing verification (should be 0); dropped. */
  authFailed: number;
}

/** Every counter of `RunCounts` at 0 (a new object each call). */
export function zeroRunCounts(): RunCounts {
  return {
    delivered: 0,
    chatsForwarded: 0,
    acksForwarded: 0,
    relayAcks: 0,
    errors: 0,
    otherDatagrams: 0,
    chatsSent: 0,
    retransmissions: 0,
    acksSent: 0,
    duplicates: 0,
    corrupt: 0,
    authChecked: 0,
    authFailed: 0,
  };
}

/** The names of the counters of `RunCounts`. */
export const RUN_COUNT_KEYS = Object.keys(zeroRunCounts()) as ReadonlyArray<keyof RunCounts>;

/** What one measured run saw (counts over the measured window only). */
export interface RunResult extends Readonly<RunCounts> {
  /** Length of the measured window, in s. */
  readonly seconds: number;
  /** The target's CPU and memory at the start and end of the window (null when /proc could not be read). */
  readonly target: { readonly before: ProcSample; readonly after: ProcSample } | null;
  /** The load generator's own CPU time during the window, in s. */
  readonly loadgenCpuS: number;
}

/** The replies every helper gives the same way (serve.ts): to `stop`, and to a request that failed. */
export type ControlReply = { readonly type: 'stopped'; readonly id: number } | { readonly type: 'failed'; readonly id: number; readonly message: string };

/** Messages from the load generator. */
export type LoadgenReply =
  | { readonly type: 'ready'; readonly senderPort: number; readonly receiverPort: number }
  | { readonly type: 'setup-done'; readonly id: number; readonly contactsListed: number; readonly setupMs: number }
  | { readonly type: 'run-done'; readonly id: number; readonly result: RunResult }
  | { readonly type: 'latency'; readonly id: number; readonly latency: LatencySummary | null }
  | ControlReply;

/** Requests to the crowd (many registered contacts, heartbeating). */
export type CrowdRequest =
  | {
      readonly id: number;
      readonly cmd: 'setup';
      readonly target: TargetInfo;
      /** Plain-text peers to register (first: they cost the relay no fan-out then). */
      readonly plainPeers: number;
      /** Protocol clients to register with `hello`, then heartbeat. */
      readonly clients: number;
      /** Heartbeat interval of each client, in ms. */
      readonly heartbeatIntervalMs: number;
      /** Give up registering after this long, in ms. */
      readonly timeoutMs: number;
    }
  | { readonly id: number; readonly cmd: 'counters' }
  /** Pause or resume the heartbeats (pauses must stay well below the relay's 15 s presence timeout). */
  | { readonly id: number; readonly cmd: 'heartbeats'; readonly on: boolean }
  | { readonly id: number; readonly cmd: 'stop' };

/** The crowd's counters since setup finished. */
export interface CrowdCounters {
  readonly heartbeatsSent: number;
  readonly heartbeatAcks: number;
  /** `error` datagrams (NOT_REGISTERED would mean a contact expired). */
  readonly errors: number;
  /** Anything else the crowd received after setup. */
  readonly otherDatagrams: number;
  /** When these were read, in ms of the crowd's `performance.now()` clock. */
  readonly at: number;
}

/** Messages from the crowd. */
export type CrowdReply =
  | { readonly type: 'ready' }
  | {
      readonly type: 'setup-done';
      readonly id: number;
      readonly plainPeers: number;
      readonly clients: number;
      readonly setupMs: number;
      /** Hellos and texts sent again because no answer came in time. */
      readonly retries: number;
    }
  | { readonly type: 'counters'; readonly id: number; readonly counters: CrowdCounters }
  | { readonly type: 'heartbeats'; readonly id: number; readonly on: boolean }
  | ControlReply;
