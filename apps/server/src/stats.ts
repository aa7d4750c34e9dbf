/**
 * The relay's counters. Every received datagram ends up counted exactly once,
 * either as accepted or as dropped with a reason, so
 * `accepted + sum(dropped) === datagramsIn` always holds.
 */
import type { ProtocolErrorCode } from '@udpchat/protocol';

/**
 * Why a received datagram was dropped (discarded without any effect):
 * - a `ProtocolErrorCode`: a protocol datagram (`FF 55 …`) that `decode`
 *   refused, or `BAD_UTF8` for a datagram that is neither a protocol
 *   datagram nor well-formed UTF-8 text;
 * - `empty-datagram`: a 0-byte datagram (logged as "0-byte datagram from ip:port");
 * - `empty-text`: plain text with nothing left once one trailing newline is
 *   stripped (an empty line from `nc`), or a `@NAME ` with nothing after it;
 * - `plain-peers-off`: plain UTF-8 text while plain peers are switched off;
 * - `plain-from-client`: plain UTF-8 text from the address of a registered protocol client;
 * - `unexpected`: a well-formed message a client never sends (welcome, contacts, join, leave, heartbeat-ack, error);
 * - `bye-unregistered`: a bye from an address that is not registered;
 * - `internal`: handling it threw (a bug; logged at error level).
 */
export type DropReason =
  | ProtocolErrorCode
  | 'empty-datagram'
  | 'empty-text'
  | 'plain-peers-off'
  | 'plain-from-client'
  | 'unexpected'
  | 'bye-unregistered'
  | 'ack-unregistered'
  | 'ack-unknown-contact'
  | 'internal';

/** A snapshot of the counters. Byte counts are UDP payload bytes. */
export interface RelayStats {
  /** Datagrams received. */
  datagramsIn: number;
  /** Bytes received. */
  bytesIn: number;
  /** Datagrams handed to the socket for sending (including those whose send then failed). */
  datagramsOut: number;
  /** Bytes handed to the socket for sending. */
  bytesOut: number;
  /** Sends that reported an error in their callback. */
  sendErrors: number;
  /** Received datagrams that were well-formed and handled (answered, relayed, or refused with an `error`), plain text included. */
  accepted: number;
  /** Received datagrams dropped without effect, by reason (`DropReason`); reasons never seen are absent. */
  dropped: Record<string, number>;
  /** `error` messages sent, by error code (NAME_TAKEN, UNKNOWN_CONTACT, …). */
  refused: Record<string, number>;
  /** Contacts registered right now, plain peers included. */
  contacts: number;
}

/** Mutable counters behind `RelayStats`. */
export class StatsCounter {
  private datagramsIn = 0;
  private bytesIn = 0;
  private datagramsOut = 0;
  private bytesOut = 0;
  private sendErrors = 0;
  private accepted = 0;
  private readonly dropped = new Map<string, number>();
  private readonly refused = new Map<string, number>();

  /** A datagram of `bytes` bytes arrived. */
  received(bytes: number): void {
    this.datagramsIn++;
    this.bytesIn += bytes;
  }

  /** The datagram just received was handled. */
  accept(): void {
    this.accepted++;
  }

  /** The datagram just received was dropped for `reason`. */
  drop(reason: DropReason): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
  }

  /** A datagram of `bytes` bytes was handed to the socket. */
  sent(bytes: number): void {
    this.datagramsOut++;
    this.bytesOut += bytes;
  }

  /** A send callback reported an error. */
  sendFailed(): void {
    this.sendErrors++;
  }

  /** An `error` message with `code` was sent. */
  refuse(code: string): void {
    this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
  }

  /** A copy of the counters; `contacts` is the current table size. */
  snapshot(contacts: number): RelayStats {
    return {
      datagramsIn: this.datagramsIn,
      bytesIn: this.bytesIn,
      datagramsOut: this.datagramsOut,
      bytesOut: this.bytesOut,
      sendErrors: this.sendErrors,
      accepted: this.accepted,
      dropped: Object.fromEntries(this.dropped),
      refused: Object.fromEntries(this.refused),
      contacts,
    };
  }
}
