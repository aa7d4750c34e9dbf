/**
 * A relay core driven in-process, sans socket (as the simulation drives it):
 * a virtual clock, a sink that records every datagram sent, a logger that
 * records every line. For comparing the fast path with the slow path on the
 * same input, and for the timing of held relay-acks without real timers.
 */
import {
  decodeDatagram,
  encode,
  isProtocolDatagram,
  paddedHello,
  type AuthKey,
  type Message,
} from '@udpchat/protocol';
import { pino } from 'pino';
import { createRelayCore, openMemoryStore, type RelayCore, type RelayCoreOptions } from '../../src/index.js';
import type { LogLine } from './relay.js';

/** A datagram the core sent. */
export interface Sent {
  bytes: Uint8Array;
  port: number;
  address: string;
}

/** The roster epoch of a CoreDriver's relay (fixed, so that two cores of one run send the same bytes). */
export const ROSTER_EPOCH = 0x1a2b3c4d;

/** Epoch of the virtual wall clock (2026-01-01T00:00:00Z), for auth trailers. */
export const WALL_EPOCH = 1_767_225_600_000;

export class CoreDriver {
  readonly core: RelayCore;
  readonly sent: Sent[] = [];
  readonly logs: LogLine[] = [];
  /** Virtual time, ms. */
  t = 0;
  /** Session token per port, from the welcomes. */
  readonly tokens = new Map<number, Uint8Array>();

  constructor(
    readonly options: { fastPath: boolean; secret?: AuthKey; plainPeers?: boolean; cluster?: RelayCoreOptions['cluster'] },
  ) {
    const logger = pino({ level: 'debug' }, { write: (line: string) => void this.logs.push(JSON.parse(line) as LogLine) });
    this.core = createRelayCore({
      address: { address: '127.0.0.1', port: 9000, family: 'IPv4' },
      out: {
        send: (bytes, port, address, done) => {
          this.sent.push({ bytes: Uint8Array.from(bytes), port, address });
          done?.(null);
        },
      },
      now: () => this.t,
      wallClock: () => WALL_EPOCH + this.t,
      logger,
      heartbeatIntervalMs: 5000,
      presenceTimeoutMs: 15_000,
      plainPeers: options.plainPeers ?? true,
      plainPeerTimeoutMs: 300_000,
      rateLimit: 0,
      maxContacts: 100,
      maxPerIp: 0,
      maxPending: 100,
      secret: options.secret,
      hostedByClient: false,
      fastPath: options.fastPath,
      rosterEpoch: () => ROSTER_EPOCH,
      // The maps store (as --ephemeral and the simulation use; the contract test holds it to the SQLite one's behaviour):
      // an in-memory SQLite database per core costs ~1 ms to open and migrate, and the fast-path property opens hundreds.
      store: openMemoryStore(),
      ...(options.cluster !== undefined && { cluster: options.cluster }),
    });
  }

  /** Feeds raw bytes from 127.0.0.1:`port`. */
  receive(port: number, bytes: Uint8Array): void {
    this.core.receive(Buffer.from(bytes), { address: '127.0.0.1', port, family: 'IPv4', size: bytes.length });
  }

  /** Feeds `message` from `port`, with that port's token (unless `token` is false), signed in secret mode. */
  send(port: number, message: Message, token: boolean = true): void {
    const t = token ? this.tokens.get(port) : undefined;
    const auth = this.options.secret;
    this.receive(port, encode(message, { ...(t ? { token: t } : {}), ...(auth ? { auth, time: WALL_EPOCH + this.t } : {}) }));
  }

  /** Registers `name` at `port` (hello, welcome, list): a registered client. */
  register(port: number, name: string): void {
    const auth = this.options.secret;
    const before = this.sent.length;
    this.send(port, paddedHello(name, auth ? { auth } : {}), false);
    const welcome = this.sent.slice(before).map((s) => decodeDatagram(s.bytes).message).find((m) => m.kind === 'welcome');
    if (welcome?.kind !== 'welcome') throw new Error(`no welcome for ${name}`);
    this.tokens.set(port, welcome.token);
    this.send(port, { kind: 'list', epoch: 0, version: 0 });
  }

  /** Moves the clock on by `ms` and runs what is due (held relay-acks), as a driver's timer would. */
  advance(ms: number): void {
    this.t += ms;
    if (this.core.nextDeadline() <= this.t) this.core.tick();
  }

  /** The protocol messages sent since index `from` (plain text to plain peers left out), decoded, with where they went. */
  messagesSince(from: number): Array<{ port: number; message: Message }> {
    return this.sent
      .slice(from)
      .filter((s) => isProtocolDatagram(s.bytes))
      .map((s) => ({ port: s.port, message: decodeDatagram(s.bytes).message }));
  }
}
